import type { S3Client } from "@aws-sdk/client-s3";
import { parkRecords, type ParkedRecord } from "./dead-letter";
import { type Log } from "./log";
import { RecordOutcomes } from "./record-outcomes";
import { LOG_MESSAGES } from "./telemetry-names";

/** How a stream function names its records: what a partial batch response and its log lines say of one. */
export interface RecordIdentity<R> {
  /** The ID the event source mapping retries from: the record's sequence number. */
  itemIdentifier(record: R): string;
  /** The correlation fields of every log line about the record (its dedup key, sequence number…). */
  logFields(record: R): Record<string, unknown>;
  /** Where the record is parked in the dead-letter bucket: the same record always gets the same key. */
  parkedKey(record: R): string;
}

/** What every stream function parks and logs with: the dead-letter bucket and the log. */
export interface DeadLetterDependencies {
  s3: Pick<S3Client, "send">;
  deadLetterBucket: string;
  log: Log;
}

export interface PartialBatchDependencies extends DeadLetterDependencies {
  /** Parking calls in flight at once. */
  parkConcurrency: number;
}

/**
 * The failure side of a partial batch response, kept apart from each function's record logic (as
 * Powertools' BasePartialBatchProcessor does): records that can never be handled are parked with
 * their reason and logged, records that must be tried again are logged and collected, and
 * `batchItemFailures` names the latter (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html).
 */
export class PartialBatch<R> extends RecordOutcomes<R> {
  constructor(
    private readonly identity: RecordIdentity<R>,
    private readonly deps: PartialBatchDependencies,
  ) {
    super(
      (record) => identity.logFields(record),
      (record) => identity.itemIdentifier(record),
      deps.log,
    );
  }

  /** Parks each poison record with its reason; one the bucket does not take is retried, never dropped. Returns how many were parked. */
  async park<Reason extends string>(poison: readonly ParkedRecord<R, Reason>[]): Promise<number> {
    const { s3, deadLetterBucket, parkConcurrency } = this.deps;
    const result = await parkRecords(s3, deadLetterBucket, poison, (record) => this.identity.parkedKey(record), parkConcurrency);
    for (const parked of result.parked) {
      this.refuse(parked.record, LOG_MESSAGES.parkedRecord, parked, { object: `s3://${deadLetterBucket}/${this.identity.parkedKey(parked.record)}` });
    }
    for (const { parked, reason } of result.failed) this.retry(parked.record, LOG_MESSAGES.parkingFailed, { reason });
    return result.parked.length;
  }

  /** The partial batch response: the records Lambda must send again. */
  get batchItemFailures(): { itemIdentifier: string }[] {
    return this.retried.map(({ id }) => ({ itemIdentifier: id }));
  }
}
