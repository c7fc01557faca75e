import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamRecord } from "aws-lambda";
import { mapWithConcurrency } from "../shared/retry";

/** What a parked object holds: why the record can never be written, and the record exactly as delivered. */
export interface ParkedRecord {
  reason: string;
  detail: string;
  record: KinesisStreamRecord;
}

/** Every parked record lives under this prefix; Lambda's own on-failure records go under `aws/lambda/`. */
export const PARKED_PREFIX = "parked/";

/**
 * The object key is derived from the record's identity (stream, shard, sequence number), so parking
 * a redelivered poison record overwrites the same object instead of adding a second one.
 */
export function parkedObjectKey(record: KinesisStreamRecord): string {
  const streamName = record.eventSourceARN.split("/").slice(1).join("/") || "unknown-stream";
  const shardId = record.eventID.split(":")[0] || "unknown-shard";
  return `${PARKED_PREFIX}${streamName}/${shardId}/${record.kinesis.sequenceNumber}.json`;
}

export interface ParkResult {
  parked: ParkedRecord[];
  /** Records the bucket did not take: they must be retried, never dropped. */
  failed: { parked: ParkedRecord; reason: string }[];
}

export async function parkRecords(
  s3: Pick<S3Client, "send">,
  bucket: string,
  records: readonly ParkedRecord[],
  concurrency: number,
): Promise<ParkResult> {
  const result: ParkResult = { parked: [], failed: [] };
  await mapWithConcurrency(records, concurrency, async (parked) => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: parkedObjectKey(parked.record),
          Body: JSON.stringify(parked),
          ContentType: "application/json",
        }),
      );
      result.parked.push(parked);
    } catch (error) {
      result.failed.push({ parked, reason: `${(error as Error).name}: ${(error as Error).message}` });
    }
  });
  return result;
}
