// AWS-managed policies judged by what they grant. None of them is scoped to one stack's ARNs; these grant
// enough that a breaker role holding one is no longer least privilege. Each entry says why; the patterns catch
// the families AWS keeps adding to.

export interface BroadManagedPolicy {
  /** The policy name, or a pattern (`*` and `?`) over names. */
  name: string;
  reason: string;
}

export const BROAD_MANAGED_POLICIES: readonly BroadManagedPolicy[] = [
  { name: "AdministratorAccess", reason: 'every action on every resource ("*" on "*")' },
  { name: "AdministratorAccess-*", reason: "administration of a whole service family (Amplify, Elastic Beanstalk)" },
  { name: "PowerUserAccess", reason: "every action except IAM and Organizations, on every resource" },
  { name: "ReadOnlyAccess", reason: "reads every resource of every service: table items, S3 objects, SSM parameters, Lambda code" },
  { name: "ViewOnlyAccess", reason: "lists and describes every resource of every service" },
  { name: "*FullAccess", reason: 'every action of a service ("svc:*") on every resource' },
  { name: "*FullAccess_v2", reason: 'every action of a service ("svc:*") on every resource' },
  { name: "*ReadWrite", reason: "reads and writes every resource of a service (SecretsManagerReadWrite reads every secret)" },
  { name: "*ReadOnlyAccess", reason: "reads every resource of a service (every table, bucket, secret)" },
  { name: "*ReadOnly", reason: "reads every resource of a service" },
  { name: "AWSLambdaRole", reason: "lambda:InvokeFunction on every function" },
  { name: "AWSLambdaExecute", reason: "s3:GetObject and s3:PutObject on every bucket, logs on every log group" },
  { name: "AWSLambdaBasicExecutionRole", reason: "writes to every log group in the account" },
  { name: "AWSLambdaVPCAccessExecutionRole", reason: "writes to every log group and manages network interfaces in every subnet" },
  { name: "AWSLambdaDynamoDBExecutionRole", reason: "reads the stream of every table" },
  { name: "AWSStepFunctionsConsoleFullAccess", reason: "starts, stops and reads every state machine" },
  { name: "CloudWatchLogsFullAccess", reason: "logs:* on every log group" },
  { name: "SecretsManagerReadWrite", reason: "reads and writes every secret in the account" },
  { name: "IAMFullAccess", reason: "iam:*, which can grant itself anything" },
  { name: "*PowerUser*", reason: "every action of a service or more" },
];

/** The entry that makes `name` broad, if any. */
export function broadManagedPolicy(name: string, globMatch: (pattern: string, value: string) => boolean): BroadManagedPolicy | undefined {
  return BROAD_MANAGED_POLICIES.find((p) => globMatch(p.name, name));
}
