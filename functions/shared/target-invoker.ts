// Calls the protected target once (health probe): Lambda InvokeCommand (RequestResponse) on TARGET_ARN.
// Errors are named as the state machine's lambda:invoke Task sees them, so ignoredErrors apply alike:
// a function error -> its errorType; an API error -> "Lambda.<ExceptionName>"; a timeout -> "States.Timeout".

import { InvokeCommand, LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda";

export type InvokeResult = { ok: true } | { ok: false; error: string; cause?: string };

/** Calls the target with one request; never throws (every failure is an InvokeResult). */
export type TargetInvoker = (request: Record<string, unknown>) => Promise<InvokeResult>;

/** A Lambda function ARN, optionally with a version or alias. */
export const LAMBDA_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

function failureOfPayload(payload: Uint8Array | undefined, functionError: string): InvokeResult {
  const text = payload ? Buffer.from(payload).toString("utf8") : "";
  try {
    const body = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    const error = typeof body.errorType === "string" && body.errorType !== "" ? body.errorType : `Lambda.${functionError}`;
    return { ok: false, error, ...(typeof body.errorMessage === "string" ? { cause: body.errorMessage } : {}) };
  } catch {
    return { ok: false, error: `Lambda.${functionError}`, cause: text };
  }
}

/**
 * A Lambda client with a bounded timeout and no SDK retries (one probe is one call). throwOnRequestTimeout:
 * without it the SDK's requestTimeout only logs a warning and the call waits on.
 */
export function boundedLambdaClient(
  timeoutMs: number,
  config: Omit<LambdaClientConfig, "requestHandler" | "maxAttempts"> = {},
): LambdaClient {
  return new LambdaClient({
    ...config,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 5_000), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
}

/** Invokes `functionArn` synchronously (RequestResponse); `client` defaults to boundedLambdaClient(timeoutMs). */
export function lambdaInvoker(functionArn: string, timeoutMs: number, client?: LambdaClient): TargetInvoker {
  const lambda = client ?? boundedLambdaClient(timeoutMs);
  return async (request) => {
    try {
      const res = await lambda.send(
        new InvokeCommand({ FunctionName: functionArn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(request)) }),
      );
      return res.FunctionError ? failureOfPayload(res.Payload, res.FunctionError) : { ok: true };
    } catch (e) {
      const err = e as Error;
      const name = err?.name === "TimeoutError" ? "States.Timeout" : `Lambda.${err?.name ?? "Unknown"}`;
      return { ok: false, error: name, cause: err?.message ?? String(e) };
    }
  };
}
