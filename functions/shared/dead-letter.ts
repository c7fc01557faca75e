import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { createHash } from "node:crypto";
import { arnResourceName } from "./arn";
import { errorText } from "./aws-errors";
import { type Refusal } from "./record-outcomes";
import { mapWithConcurrency } from "./retry";

/** What a parked object holds: why the record can never be delivered, and the record exactly as it arrived. */
export interface ParkedRecord<R, Reason extends string = string> extends Refusal<Reason> {
  record: R;
}

/** Every parked record lives under this prefix; Lambda's own on-failure records go under `aws/lambda/`. */
export const PARKED_PREFIX = "parked/";

/**
 * A record's name in the bucket: the first of its identities that is a plain name (a sequence
 * number, an event ID), or else a digest of the record itself. The same record always gets the
 * same name, so a redelivery overwrites its own object; two records never share one.
 */
export function parkedName(identities: readonly unknown[], record: unknown): string {
  const name = identities.find((id): id is string => typeof id === "string" && /^[\w.-]{1,128}$/.test(id));
  if (name !== undefined) return name;
  // Stryker disable next-line StringLiteral: equivalent, any fixed text names alike the one record JSON cannot write (undefined)
  const json = JSON.stringify(record) ?? "";
  return `no-identity-${createHash("sha256").update(json).digest("hex")}`;
}

/** `parked/<table>/<stream sequence number>.json`: one object per DynamoDB stream record. */
export function tableStreamParkedKey(record: DynamoDBRecord): string {
  // Stryker disable next-line StringLiteral: equivalent, any text that is no table's ARN names no table
  const source = record.eventSourceARN ?? "";
  const table = arnResourceName(source, "table") ?? "unknown-table";
  return `${PARKED_PREFIX}${table}/${parkedName([record.dynamodb?.SequenceNumber, record.eventID], record)}.json`;
}

export interface ParkResult<R> {
  parked: ParkedRecord<R>[];
  /** Records the bucket did not take: they must be retried, never dropped. */
  failed: { parked: ParkedRecord<R>; reason: string }[];
}

/**
 * Writes each record to `objectKey(record)`. Keys derive from the record's identity, so parking a
 * redelivered record overwrites the same object instead of adding a second one.
 */
export async function parkRecords<R>(
  s3: Pick<S3Client, "send">,
  bucket: string,
  records: readonly ParkedRecord<R>[],
  objectKey: (record: R) => string,
  concurrency: number,
): Promise<ParkResult<R>> {
  const result: ParkResult<R> = { parked: [], failed: [] };
  await mapWithConcurrency(records, concurrency, async (parked) => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objectKey(parked.record),
          Body: JSON.stringify(parked),
          ContentType: "application/json",
        }),
      );
      result.parked.push(parked);
    } catch (error) {
      result.failed.push({ parked, reason: errorText(error) });
    }
  });
  return result;
}
