// DynamoDB tables that hold breaker state (recognised by tag): TTL, point-in-time recovery, encryption.

import { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { StackIndex } from "./util/stack-index";
import { UnknownValues } from "./util/unknowns";
import { configSchema, knob, readConfig } from "./util/config";
import { TTL_ATTRIBUTE } from "./util/project-defaults";
import { isStateStore, stateStoreKnobs } from "./util/scope";
import { requireType, T } from "./util/types";

/** Not applicable unless the resource is a DynamoDB table tagged as the breaker state store. */
function requireStateTable(args: ResourceValidationArgs, cfg: { stateStoreTagKey: string; stateStoreTagValue: string }): void {
  requireType(args, [T.table]);
  if (!isStateStore(args.props, cfg)) args.notApplicable(`Table is not tagged ${cfg.stateStoreTagKey}=${cfg.stateStoreTagValue}`);
}

const ttlKnobs = {
  ...stateStoreKnobs,
  ttlAttributeName: knob(TTL_ATTRIBUTE, "The attribute (epoch seconds) the breaker writes and TTL must be enabled on."),
};

export const dynamodbBreakerTableTtl: ResourceValidationPolicy = {
  name: "dynamodb-breaker-table-ttl",
  description: "Checks whether the breaker state table has TTL enabled on the attribute the breaker writes.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Set ttl: { enabled: true, attributeName: "<ttlAttributeName>" } so that abandoned breakers and expired leases are removed.',
  configSchema: configSchema(ttlKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, ttlKnobs);
    requireStateTable(args, cfg);
    const ttl = args.props.ttl as { enabled?: boolean; attributeName?: string } | undefined;
    const want = cfg.ttlAttributeName;
    if (!ttl || ttl.enabled !== true) {
      const on = ttl?.attributeName ? ` (attribute "${ttl.attributeName}")` : "";
      report(`TTL is disabled${on}; it must be enabled on attribute "${want}".`);
    } else if (ttl.attributeName !== want) {
      report(`TTL is enabled on attribute "${ttl.attributeName ?? ""}"; it must be enabled on "${want}".`);
    }
  },
};

export const dynamodbBreakerTablePitr: ResourceValidationPolicy = {
  name: "dynamodb-breaker-table-pitr",
  description: "Checks whether the breaker state table has point-in-time recovery enabled.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set pointInTimeRecovery: { enabled: true } so a bad override or a faulty deploy can be rolled back.",
  configSchema: configSchema(stateStoreKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, stateStoreKnobs);
    requireStateTable(args, cfg);
    if (args.props.pointInTimeRecovery?.enabled !== true) report("Point-in-time recovery is disabled; it must be enabled.");
    // Each replica of a global table has its own PITR setting; a region restored from a replica needs it too.
    const replicas = Array.isArray(args.props.replicas)
      ? Array.from(args.props.replicas as { regionName?: string; pointInTimeRecovery?: boolean }[])
      : [];
    for (const r of replicas)
      if (r.pointInTimeRecovery !== true)
        report(`Point-in-time recovery is disabled on the replica in ${r.regionName ?? "another region"}; it must be enabled.`);
  },
};

export const dynamodbBreakerReplicaPitr: StackValidationPolicy = {
  name: "dynamodb-breaker-replica-pitr",
  description: "Checks whether every aws.dynamodb.TableReplica of the breaker state table has point-in-time recovery enabled.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set pointInTimeRecovery: true on the TableReplica.",
  configSchema: configSchema(stateStoreKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, stateStoreKnobs);
    const stack = new StackIndex(args.resources);
    const unknowns = new UnknownValues();
    const stateTables = stack.ofType(T.table).filter((t) => unknowns.attempt(() => isStateStore(t.props, cfg)) === true);
    if (stack.ofType(T.tableReplica).length === 0) {
      unknowns.finish();
      return args.notApplicable("The stack has no DynamoDB table replica");
    }
    for (const replica of stack.ofType(T.tableReplica)) {
      const arn = unknowns.attempt(() => replica.props.globalTableArn);
      const ofState = stateTables.some(
        (t) =>
          (replica.propertyDependencies?.globalTableArn ?? []).includes(t) ||
          (typeof arn === "string" && unknowns.attempt(() => t.props.arn) === arn),
      );
      const tagged = unknowns.attempt(() => isStateStore(replica.props, cfg)) === true;
      if ((ofState || tagged) && unknowns.attempt(() => replica.props.pointInTimeRecovery) !== true) {
        report(
          `Table replica ${replica.name} of the breaker state table has point-in-time recovery disabled; it must be enabled.`,
          replica.urn,
        );
      }
    }
    unknowns.finish();
  },
};

const KEY_TYPES = ["aws-owned", "aws-managed", "customer-managed"] as const;
type KeyType = (typeof KEY_TYPES)[number];

const encryptionKnobs = {
  ...stateStoreKnobs,
  minimumKeyType: knob(
    "aws-owned",
    'Weakest accepted key: "aws-owned" (DynamoDB default), "aws-managed" (enabled, alias/aws/dynamodb) or "customer-managed" (enabled with kmsKeyArn).',
    KEY_TYPES,
  ),
};

const KEY_LABEL: Record<KeyType, string> = {
  "aws-owned": "an AWS-owned key",
  "aws-managed": "the AWS-managed key (alias/aws/dynamodb)",
  "customer-managed": "a customer-managed KMS key",
};

/** What the table's serverSideEncryption block selects. */
function keyTypeOf(sse: { enabled?: boolean; kmsKeyArn?: string } | undefined): KeyType {
  if (!sse || sse.enabled !== true) return "aws-owned";
  return sse.kmsKeyArn ? "customer-managed" : "aws-managed";
}

export const dynamodbBreakerTableEncryption: ResourceValidationPolicy = {
  name: "dynamodb-breaker-table-encryption",
  description: "Checks whether the breaker state table is encrypted at rest with at least the configured kind of key.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set serverSideEncryption: { enabled: true, kmsKeyArn: <your key ARN> } where a customer-managed key is required.",
  configSchema: configSchema(encryptionKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, encryptionKnobs);
    requireStateTable(args, cfg);
    const sse = args.props.serverSideEncryption as { enabled?: boolean; kmsKeyArn?: string } | undefined;
    const minimum = (KEY_TYPES as readonly string[]).includes(cfg.minimumKeyType) ? (cfg.minimumKeyType as KeyType) : "aws-owned";
    const actual = keyTypeOf(sse);
    if (KEY_TYPES.indexOf(actual) < KEY_TYPES.indexOf(minimum)) {
      const stronger = minimum === "customer-managed" ? "" : " or stronger";
      report(`Server-side encryption uses ${KEY_LABEL[actual]}; it must use ${KEY_LABEL[minimum]}${stronger}.`);
    }
    if (sse && sse.enabled !== true && sse.kmsKeyArn)
      report(`Server-side encryption is disabled, so kmsKeyArn ${sse.kmsKeyArn} is ignored.`);
  },
};

export const dynamodbPolicies = [
  dynamodbBreakerTableTtl,
  dynamodbBreakerTablePitr,
  dynamodbBreakerTableEncryption,
  dynamodbBreakerReplicaPitr,
];
