import type { S3Event } from "aws-lambda";

export interface CreatedObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
}

/** S3 sends the key URL-encoded, with spaces as "+": `Happy%20Face.jpg`, `a+b.csv` for "a b.csv". */
export function decodeS3Key(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, "%20"));
}

/** The created objects of an S3 event under `prefix`, keys decoded. */
export function createdObjects(event: S3Event, prefix: string): CreatedObject[] {
  return (event.Records ?? [])
    .filter((record) => record.eventName?.startsWith("ObjectCreated:"))
    .map((record) => ({
      bucket: record.s3.bucket.name,
      key: decodeS3Key(record.s3.object.key),
      etag: record.s3.object.eTag ?? "",
      size: record.s3.object.size,
    }))
    .filter((object) => object.key.startsWith(prefix));
}
