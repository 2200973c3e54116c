// Reads a settings parameter from SSM Parameter Store: GetParameter (WithDecryption false) with bounded
// timeouts, so an SSM outage delays an invocation by at most about 2 x SSM_TIMEOUT_MS before the cached
// settings are used. The function's role needs ssm:GetParameter on
// arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>.

import { GetParameterCommand, SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { ParameterFetcher } from "./settings-source";

/** Per-attempt request timeout (the connect timeout is at most this); one retry. */
export const SSM_TIMEOUT_MS = 1000;
export const SSM_MAX_ATTEMPTS = 2;

/**
 * An SSM client that gives up: throwOnRequestTimeout, because without it the SDK's requestTimeout only
 * logs a warning and the call waits on.
 */
export function boundedSsmClient(
  timeoutMs = SSM_TIMEOUT_MS,
  config: Omit<SSMClientConfig, "requestHandler" | "maxAttempts"> = {},
): SSMClient {
  return new SSMClient({
    ...config,
    maxAttempts: SSM_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 1000), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
}

/**
 * The parameter's value. `client` defaults to boundedSsmClient(), created on first use (a function whose
 * parameter is never read builds none). A parameter that is not of type String (a SecureString would be
 * read encrypted) is an error.
 */
export function ssmParameterFetcher(client?: SSMClient): ParameterFetcher {
  let ssm = client;
  return async (name) => {
    ssm ??= boundedSsmClient();
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: false }));
    const p = out.Parameter;
    if (p?.Type !== undefined && p.Type !== "String") {
      throw new Error(`SSM parameter ${name} is of type ${p.Type}; allowed: type String holding a JSON object of breaker settings`);
    }
    if (typeof p?.Value !== "string") throw new Error(`SSM parameter ${name} has no value`);
    return p.Value;
  };
}
