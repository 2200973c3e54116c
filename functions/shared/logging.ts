// Structured JSON logs via @aws-lambda-powertools/logger (level from POWERTOOLS_LOG_LEVEL, default INFO).
// Handlers log through the small Log interface, so tests can record what was logged.

import { Logger } from "@aws-lambda-powertools/logger";

export type LogAttributes = Record<string, unknown>;

export interface Log {
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

export const DEFAULT_SERVICE_NAME = "circuit-breaker";

/** A powertools Logger (service name from POWERTOOLS_SERVICE_NAME, else `serviceName`). */
export function createLogger(serviceName = DEFAULT_SERVICE_NAME): Log {
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || serviceName });
  return {
    info: (message, attributes) => (attributes ? logger.info(message, attributes) : logger.info(message)),
    warn: (message, attributes) => (attributes ? logger.warn(message, attributes) : logger.warn(message)),
    error: (message, attributes) => (attributes ? logger.error(message, attributes) : logger.error(message)),
  };
}

/** Longer messages are cut in logs (a Step Functions cause can be 32 KB). */
export const MAX_LOGGED_MESSAGE = 2000;

const cut = (text: string) => (text.length > MAX_LOGGED_MESSAGE ? `${text.slice(0, MAX_LOGGED_MESSAGE)}...` : text);

/** A store error, a thrown value or anything else, as log attributes. */
export function errorAttributes(err: unknown): LogAttributes {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return {
      errorName: err.name,
      errorMessage: cut(err.message),
      ...(cause instanceof Error ? { causeName: cause.name, causeMessage: cut(cause.message) } : {}),
    };
  }
  return { errorName: typeof err, errorMessage: cut(String(err)) };
}
