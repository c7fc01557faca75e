import type { Logger } from "@aws-lambda-powertools/logger";
import { lazy } from "./lazy";
import { logTo, type Log } from "./log";

export interface Observability {
  logger: Logger;
  log: Log;
  /** Adds each count as a metric and writes them out as one EMF log line. */
  publish(counts: Record<string, number>): void;
}

/**
 * A function's Powertools logger and metrics, built at its first invocation: their modules load
 * then, so the module's initialisation holds only the function's SDK clients and settings.
 */
export function observability(service: string): () => Observability {
  return lazy(() => {
    const { Logger } = require("@aws-lambda-powertools/logger") as typeof import("@aws-lambda-powertools/logger");
    const { functionMetrics, publishCounts } = require("./metrics") as typeof import("./metrics");
    const logger = new Logger({ serviceName: service });
    const metrics = functionMetrics(service);
    return { logger, log: logTo(logger), publish: (counts) => publishCounts(metrics, counts) };
  });
}
