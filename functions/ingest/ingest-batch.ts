import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamBatchItemFailure, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { BatchWrites, type BatchWriteOptions } from "./batch-writer";
import { decodeRecord, dedupHashKey, shardIdFromEventId, type DecodeOptions, type PoisonReason } from "./core";
import { parseArn } from "../shared/arn";
import { PARKED_PREFIX, parkedName, type ParkedRecord } from "../shared/dead-letter";
import { PartialBatch, type DeadLetterDependencies, type RecordIdentity } from "../shared/partial-batch";

/** The dedup key a record gets (or would get): the correlation field of every log line about it. */
function dedupKeyOf(record: KinesisStreamRecord): string | undefined {
  try {
    return `${dedupHashKey(record.kinesis.sequenceNumber, shardIdFromEventId(record.eventID))}|${record.kinesis.sequenceNumber}`;
  } catch {
    return undefined;
  }
}

/** `parked/<stream>/<shard>/<sequence number>.json`: one object per Kinesis record, whatever the redeliveries. */
export function parkedObjectKey(record: KinesisStreamRecord): string {
  const streamName = parseArn(record.eventSourceARN)?.resource.split("/").slice(1).join("/") || "unknown-stream";
  const shardId = record.eventID.split(":")[0] || "unknown-shard";
  return `${PARKED_PREFIX}${streamName}/${shardId}/${parkedName([record.kinesis?.sequenceNumber], record)}.json`;
}

/** How ingest names a Kinesis record: by its sequence number, with its dedup key and event ID in its log lines. */
const kinesisRecords: RecordIdentity<KinesisStreamRecord> = {
  itemIdentifier: (record) => record.kinesis.sequenceNumber,
  logFields: (record) => ({ dedupKey: dedupKeyOf(record), sequenceNumber: record.kinesis.sequenceNumber, eventID: record.eventID }),
  parkedKey: parkedObjectKey,
};

export interface IngestDependencies extends DeadLetterDependencies, DecodeOptions {
  dynamodb: Pick<DynamoDBClient, "send">;
  write: BatchWriteOptions;
}

export interface IngestOutcome {
  batchItemFailures: KinesisStreamBatchItemFailure[];
  counts: {
    received: number;
    written: number;
    /** Records whose key another record of the same batch already carried. */
    duplicatesInBatch: number;
    parked: number;
    failed: number;
  };
}

/**
 * Decodes a Kinesis batch, writes every good record once, parks every poison record with its reason,
 * and reports only the records that must be retried (partial batch response).
 */
export async function ingestBatch(event: KinesisStreamEvent, deps: IngestDependencies): Promise<IngestOutcome> {
  const toPark: ParkedRecord<KinesisStreamRecord, PoisonReason>[] = [];
  const recordsByKey = new Map<string, KinesisStreamRecord[]>();
  const writes = new BatchWrites(deps.dynamodb, deps.write);
  let decoded = 0;
  // Each new item joins the next BatchWriteItem as soon as it is decoded: decoding the rest of the
  // batch overlaps the writes already in flight.
  for (const record of event.Records) {
    const outcome = decodeRecord(record, deps);
    if (!outcome.ok) {
      toPark.push({ reason: outcome.reason, detail: outcome.detail, record });
      continue;
    }
    decoded += 1;
    const records = recordsByKey.get(outcome.itemKey);
    if (records) {
      records.push(record);
      continue;
    }
    recordsByKey.set(outcome.itemKey, [record]);
    await writes.add(outcome.item);
  }

  const write = await writes.finish();
  for (const { itemKey, reason } of write.rejected) {
    for (const record of recordsByKey.get(itemKey)!) toPark.push({ reason: "rejected-by-dynamodb", detail: reason, record });
  }
  const batch = new PartialBatch(kinesisRecords, { ...deps, parkConcurrency: deps.write.concurrency });
  const parked = await batch.park(toPark);
  for (const { itemKey, reason } of write.failed) {
    for (const record of recordsByKey.get(itemKey)!) batch.retry(record, "write failed, record will be retried", { reason });
  }

  const written = write.written.reduce((sum, key) => sum + recordsByKey.get(key)!.length, 0);
  const counts = {
    received: event.Records.length,
    written,
    duplicatesInBatch: decoded - recordsByKey.size,
    parked,
    failed: batch.failed,
  };
  deps.log.info("ingest batch done", counts);
  return { batchItemFailures: batch.batchItemFailures, counts };
}
