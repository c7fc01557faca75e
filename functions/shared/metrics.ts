import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

import { METRICS_NAMESPACE } from "./telemetry-names";

/** Embedded-metric-format metrics for one function, with its name as the `service` dimension. */
export const functionMetrics = (service: string) => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });

/** Adds each count as a metric and writes them out as one EMF log line. */
export function publishCounts(metrics: Metrics, counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
