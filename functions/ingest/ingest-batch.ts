import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamBatchItemFailure, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { BatchWrites, type BatchWriteOptions } from "./batch-writer";
import { decodeRecord, dedupHashKey, shardIdFromEventId } from "./core";
import { PARKED_PREFIX, parkedName, parkRecords, type ParkedRecord } from "../shared/dead-letter";
import { type Log } from "../shared/log";

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
  const streamName = record.eventSourceARN.split("/").slice(1).join("/") || "unknown-stream";
  const shardId = record.eventID.split(":")[0] || "unknown-shard";
  return `${PARKED_PREFIX}${streamName}/${shardId}/${parkedName([record.kinesis?.sequenceNumber], record)}.json`;
}

export interface IngestDependencies {
  dynamodb: Pick<DynamoDBClient, "send">;
  s3: Pick<S3Client, "send">;
  deadLetterBucket: string;
  write: BatchWriteOptions;
  log: Log;
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
  const toPark: ParkedRecord<KinesisStreamRecord>[] = [];
  const recordsByKey = new Map<string, KinesisStreamRecord[]>();
  const writes = new BatchWrites(deps.dynamodb, deps.write);
  let decoded = 0;
  // Each new item joins the next BatchWriteItem as soon as it is decoded: decoding the rest of the
  // batch overlaps the writes already in flight.
  for (const record of event.Records) {
    const outcome = decodeRecord(record);
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
  const park = await parkRecords(deps.s3, deps.deadLetterBucket, toPark, parkedObjectKey, deps.write.concurrency);

  for (const { reason, detail, record } of park.parked) {
    deps.log.warn("parked record", {
      dedupKey: dedupKeyOf(record),
      reason,
      detail,
      sequenceNumber: record.kinesis.sequenceNumber,
      eventID: record.eventID,
      object: `s3://${deps.deadLetterBucket}/${parkedObjectKey(record)}`,
    });
  }
  const retry = new Set<string>();
  for (const { itemKey, reason } of write.failed) {
    for (const record of recordsByKey.get(itemKey)!) {
      retry.add(record.kinesis.sequenceNumber);
      deps.log.warn("write failed, record will be retried", { dedupKey: itemKey, sequenceNumber: record.kinesis.sequenceNumber, reason });
    }
  }
  for (const { parked, reason } of park.failed) {
    retry.add(parked.record.kinesis.sequenceNumber);
    deps.log.warn("parking failed, record will be retried", { dedupKey: dedupKeyOf(parked.record), sequenceNumber: parked.record.kinesis.sequenceNumber, reason });
  }

  const written = write.written.reduce((sum, key) => sum + recordsByKey.get(key)!.length, 0);
  const counts = {
    received: event.Records.length,
    written,
    duplicatesInBatch: decoded - recordsByKey.size,
    parked: park.parked.length,
    failed: retry.size,
  };
  deps.log.info("ingest batch done", counts);
  return { batchItemFailures: [...retry].map((itemIdentifier) => ({ itemIdentifier })), counts };
}
