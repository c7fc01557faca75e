import type { FirehoseClient } from "@aws-sdk/client-firehose";
import { DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { gunzipSync } from "node:zlib";
import { sendToFirehose, type Entry, type SendOptions } from "../functions/shared/firehose-sender";
import { type TransformResult } from "../functions/transform/core";

export interface RedriveOptions {
  /** A client, not just its `send`: the SDK's paginator checks what it is given. */
  s3: S3Client;
  firehose: Pick<FirehoseClient, "send">;
  bucket: string;
  /** Where the failed records are, such as `failed/processing-failed/2026/11/26/`. */
  prefix: string;
  send: SendOptions;
  /** Checks a record before sending it: records it still refuses stay where they are. Default: send everything. */
  check?: (data: Buffer) => TransformResult;
  /** Delete each object whose records all went back. Default: false. */
  deleteSent?: boolean;
  /** Count, but send and delete nothing. Default: false. */
  dryRun?: boolean;
}

export interface RedriveReport {
  objects: number;
  records: number;
  sent: number;
  /** Records the check still refuses, by the message naming their field or column. */
  stillInvalid: Record<string, number>;
  /** Records Firehose did not take after every attempt. */
  notAccepted: number;
  /** Lines that are not Firehose error records. */
  unreadable: number;
  deletedObjects: number;
  /** Objects not read: in an archive storage class (restore them first), or failing GetObject. */
  skippedObjects: { key: string; reason: string }[];
}

const ARCHIVED = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/**
 * The records of one Firehose error object: JSON lines, GZIP-compressed when the stream compresses,
 * each with the original record base64-encoded in `rawData`.
 */
export function errorRecords(body: Buffer): { records: Buffer[]; unreadable: number } {
  const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
  const records: Buffer[] = [];
  let unreadable = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const { rawData } = JSON.parse(line) as { rawData?: unknown };
      if (typeof rawData !== "string") throw new Error("no rawData");
      records.push(Buffer.from(rawData, "base64"));
    } catch {
      unreadable += 1;
    }
  }
  return { records, unreadable };
}

/** Puts the records under the error prefix back into the delivery stream, and says how it went. */
export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const report: RedriveReport = { objects: 0, records: 0, sent: 0, stillInvalid: {}, notAccepted: 0, unreadable: 0, deletedObjects: 0, skippedObjects: [] };
  for await (const page of paginateListObjectsV2({ client: options.s3 }, { Bucket: options.bucket, Prefix: options.prefix })) {
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      report.objects += 1;
      if (ARCHIVED.has(object.StorageClass ?? "")) {
        report.skippedObjects.push({ key: object.Key, reason: `in ${object.StorageClass}: restore it first` });
        continue;
      }
      let body: Buffer;
      try {
        const response = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: object.Key }));
        body = Buffer.from(await response.Body!.transformToByteArray());
      } catch (error) {
        report.skippedObjects.push({ key: object.Key, reason: `${(error as Error).name}: ${(error as Error).message}` });
        continue;
      }
      const { records, unreadable } = errorRecords(body);
      report.records += records.length;
      report.unreadable += unreadable;

      const entries: Entry<number>[] = [];
      for (const [i, data] of records.entries()) {
        const verdict = options.check?.(data);
        if (verdict && !verdict.ok) report.stillInvalid[verdict.detail] = (report.stillInvalid[verdict.detail] ?? 0) + 1;
        else entries.push({ id: i, data });
      }
      if (options.dryRun) continue;
      const result = await sendToFirehose(options.firehose, entries, options.send);
      report.sent += result.sent;
      report.notAccepted += result.failed.length;
      if (options.deleteSent && unreadable === 0 && result.sent === records.length) {
        await options.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: object.Key }));
        report.deletedObjects += 1;
      }
    }
  }
  return report;
}
