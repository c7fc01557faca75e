import { type ExactJsonResult } from "./exact-json";
import { type Log } from "./log";

/** Why a record can never be delivered: a code from its function's closed set, and a message naming the field or column. */
export interface Refusal<Reason extends string = string> {
  reason: Reason;
  detail: string;
}

/** Why a record's bytes are not a JSON object at all, in every function that reads one (ingest, transform): base64, UTF-8, then exact JSON. */
export type JsonDataReason = "not-base64" | "not-utf8" | Extract<ExactJsonResult, { ok: false }>["reason"];

/** The correlation fields of every log line about a record (its dedup key, sequence number, record ID…). */
export type LogFields<R> = (record: R) => Record<string, unknown>;

/**
 * The outcomes of one batch's records, collected apart from each function's record logic and from
 * the answer its event source expects (as Powertools' BasePartialProcessor sits under its
 * BasePartialBatchProcessor): a record refused for good is logged with its reason under the one
 * message its alarm counts, and counted; a record to try again is logged and collected. Each
 * function answers from here in its source's terms: a partial batch response (`PartialBatch`),
 * Firehose's per-record results (the transform), an error naming the objects (the loader).
 */
export class RecordOutcomes<R> {
  private readonly retrying = new Map<string, { record: R; why: Record<string, unknown> }>();
  private refusedCount = 0;

  /** `id` names a record once: a record retried twice counts once. */
  constructor(
    private readonly fields: LogFields<R>,
    private readonly id: (record: R) => string,
    private readonly log: Log,
  ) {}

  /** Logs a record refused for good under `message` (what its alarm counts), with its reason and what `extra` adds (where it went, its dedup key). */
  refuse(record: R, message: string, { reason, detail }: Refusal, extra: Record<string, unknown> = {}): void {
    this.refusedCount += 1;
    this.log.warn(message, { ...this.fields(record), reason, detail, ...extra });
  }

  /** Marks a record for retry, logging why under `message`. */
  retry(record: R, message: string, why: Record<string, unknown>): void {
    this.retrying.set(this.id(record), { record, why });
    this.log.warn(message, { ...this.fields(record), ...why });
  }

  /** Records refused for good so far. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Records to retry so far. */
  get failed(): number {
    return this.retrying.size;
  }

  /** The records to retry, each with why, by their ID, in the order they were first marked. */
  get retried(): { id: string; record: R; why: Record<string, unknown> }[] {
    return [...this.retrying].map(([id, { record, why }]) => ({ id, record, why }));
  }
}
