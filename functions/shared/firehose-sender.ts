import { PutRecordBatchCommand, type FirehoseClient } from "@aws-sdk/client-firehose";
import { errorText, isRetryable } from "./aws-errors";
import { backoffDelay, sleep, type BackoffOptions } from "./retry";

/** PutRecordBatch's limits (Amazon Data Firehose quotas). */
export const FIREHOSE_LIMITS = {
  recordsPerCall: 500,
  bytesPerCall: 4 * 1024 * 1024,
  bytesPerRecord: 1000 * 1024,
} as const;

export interface Entry<T> {
  /** What the caller reports back when the entry cannot be sent. */
  id: T;
  data: Uint8Array;
}

export interface SendOptions extends BackoffOptions {
  deliveryStreamName: string;
  /** Calls per batch, the first included, before its remaining entries are given up. */
  maxAttempts: number;
}

export interface SendResult<T> {
  sent: number;
  /** Entries still failing after every attempt, with the last error Firehose gave for each. */
  failed: { id: T; error: string }[];
  calls: number;
}

/** Splits entries into PutRecordBatch calls within the record-count and byte limits, keeping their order. */
export function planCalls<T>(entries: readonly Entry<T>[]): Entry<T>[][] {
  const calls: Entry<T>[][] = [];
  let current: Entry<T>[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (entry.data.byteLength > FIREHOSE_LIMITS.bytesPerRecord) {
      throw new Error(`a record of ${entry.data.byteLength} bytes is over Firehose's ${FIREHOSE_LIMITS.bytesPerRecord}-byte limit; park it before sending`);
    }
    if (current.length === FIREHOSE_LIMITS.recordsPerCall || bytes + entry.data.byteLength > FIREHOSE_LIMITS.bytesPerCall) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.data.byteLength;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/**
 * Sends entries with PutRecordBatch. A call can succeed while some of its records fail
 * (FailedPutCount): only those are sent again, with backoff, up to `maxAttempts` calls.
 * A call that fails outright is retried whole, unless the error says retrying cannot help
 * (access denied, no such stream, a bad request).
 */
export async function sendToFirehose<T>(firehose: Pick<FirehoseClient, "send">, entries: readonly Entry<T>[], options: SendOptions): Promise<SendResult<T>> {
  const result: SendResult<T> = { sent: 0, failed: [], calls: 0 };
  for (const call of planCalls(entries)) {
    let pending = call;
    const lastError = new Map<Entry<T>, string>();
    for (let attempt = 0; attempt < options.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, options));
      result.calls += 1;
      try {
        const response = await firehose.send(
          new PutRecordBatchCommand({ DeliveryStreamName: options.deliveryStreamName, Records: pending.map((e) => ({ Data: e.data })) }),
        );
        const retry: Entry<T>[] = [];
        pending.forEach((entry, i) => {
          const answer = response.RequestResponses?.[i];
          if (answer?.ErrorCode || !answer?.RecordId) {
            retry.push(entry);
            lastError.set(entry, `${answer?.ErrorCode ?? "NoResponse"}: ${answer?.ErrorMessage ?? "no response for this record"}`);
          } else {
            result.sent += 1;
          }
        });
        pending = retry;
      } catch (error) {
        for (const entry of pending) lastError.set(entry, errorText(error));
        if (!isRetryable(error)) break;
      }
    }
    for (const entry of pending) result.failed.push({ id: entry.id, error: lastError.get(entry) ?? "not sent" });
  }
  return result;
}
