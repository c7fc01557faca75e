import type { Logger } from "@aws-lambda-powertools/logger";

/** The subset of a structured logger the function cores write to. */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** A Powertools logger as the cores' Log: one JSON line per message, with its extra keys. */
export function logTo(logger: Logger): Log {
  return {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
  };
}
