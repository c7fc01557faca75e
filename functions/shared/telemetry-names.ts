/**
 * Names that the functions write and the components watch: the log messages that log metric
 * filters count, the metric namespace and the metric names dashboards draw. Defined once, with no
 * dependencies, so a function's first load stays small and a reworded line cannot silently break
 * its alarm (test/integration/alarm-patterns.test.ts runs the functions and matches their real lines).
 */

/** The pipeline's metrics namespace: the functions' EMF metrics and the components' log metric filters. */
export const METRICS_NAMESPACE = "StreamReplication";

/** Log messages that alarms count, or that say a record will be retried. */
export const LOG_MESSAGES = {
  /** One line per record parked in a dead-letter bucket (ingest, forward, project): the parked-record alarms count it. */
  parkedRecord: "parked record",
  /** A record the bucket did not take: it is retried, never dropped. */
  parkingFailed: "parking failed, record will be retried",
  /** One line per record the transform refused, now under Firehose's error prefix: the failed-transformations alarm counts it. */
  recordFailedProcessing: "record failed processing",
  /** One line per object with rows the database refused: the loader's rejected-rows alarm counts it. */
  rowsRefused: "rows refused by the database",
  /** One line per record an index projection skips (an item without the index's keys), with why. */
  skippedRecord: "record skipped",
  /** One line per retry of an object's load after a deadlock or a lock wait timeout in MySQL. */
  loadRetried: "load retried after a lock conflict",
  /** One line per retry of a schema change (a table created or migrated) that waited too long for its table's metadata lock. */
  schemaChangeRetried: "schema change retried after a lock wait",
} as const;

/**
 * The CloudWatch Logs filter pattern that matches a JSON log line with this message
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events).
 */
export const messageFilterPattern = (message: string): string => `{ $.message = "${message}" }`;

/** The counts each function publishes as EMF metrics. */
export const METRIC_NAMES = {
  recordsIn: "RecordsIn",
  recordsWritten: "RecordsWritten",
  recordsArchived: "RecordsArchived",
  recordsProjected: "RecordsProjected",
  recordsReplayed: "RecordsReplayed",
  /** TTL expiries a table stream function let pass without taking them for deletes. */
  recordsExpired: "RecordsExpired",
  /** Records an index projection skipped (each logged with why). */
  recordsSkipped: "RecordsSkipped",
  recordsParked: "RecordsParked",
  recordsRetried: "RecordsRetried",
  objectsLoaded: "ObjectsLoaded",
  objectsAlreadyLoaded: "ObjectsAlreadyLoaded",
  rowsLoaded: "RowsLoaded",
  rowsRejected: "RowsRejected",
} as const;
