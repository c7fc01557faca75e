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

/** A key as S3 notifications carry it (what decodeS3Key reads): URL-encoded, "/" kept, spaces as "+". */
export const encodeS3Key = (key: string): string => encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");

/** An invocation that is not an S3 event the loader can act on: failed, never reported as loaded. */
export class NotAnS3Event extends Error {}

/** What an unexpected value is, in a few words, for an error message. */
function shapeOf(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const keys = Object.keys(value);
  return keys.length ? `an object with ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}` : "an empty object";
}

export interface S3EventObjects {
  /** Objects created under the prefix, keys decoded: the ones to load. */
  created: CreatedObject[];
  /** Records the loader has nothing to do with, each with why (an object deleted, one outside the prefix, S3's test event). */
  ignored: string[];
  /** Set when a rebuild sent the event (`npm run rebuild`): its run name. */
  rebuildRun?: string;
  /** Set when that rebuild repairs the table (a rebuild of the whole archive, see repair-sql.ts). */
  repair?: boolean;
}

/** A rebuild run's name: it goes into the manifest, so it is short and plain. */
const RUN_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * `npm run rebuild` invokes the loader with S3 events of its own making for objects already in the
 * archive, and names its run in a `rebuild` field next to `Records`: objects are then loaded again
 * unless that run already loaded them; `repair: true` when the run repairs the table. An S3
 * notification never has the field.
 */
function rebuildOf(event: unknown): { rebuildRun: string; repair?: boolean } | undefined {
  const rebuild = (event as { rebuild?: { run?: unknown; repair?: unknown } })?.rebuild;
  if (rebuild === undefined) return undefined;
  if (typeof rebuild?.run !== "string" || !RUN_NAME.test(rebuild.run)) {
    throw new NotAnS3Event(`a rebuild event's rebuild.run must be 1 to 64 letters, digits or "_.:-", got ${JSON.stringify(rebuild?.run)}`);
  }
  if (rebuild.repair !== undefined && typeof rebuild.repair !== "boolean")
    throw new NotAnS3Event(`a rebuild event's rebuild.repair must be true or false, got ${JSON.stringify(rebuild.repair)}`);
  return { rebuildRun: rebuild.run, ...(rebuild.repair && { repair: true }) };
}

/**
 * The objects of an S3 event notification
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 * Anything else is refused, naming what it is: an event without records, a record from another
 * service or without a bucket and key. S3's `s3:TestEvent`, sent when a notification is set up,
 * carries no object and is ignored.
 */
export function s3EventObjects(event: unknown, prefix: string): S3EventObjects {
  if ((event as { Event?: unknown })?.Event === "s3:TestEvent") return { created: [], ignored: ["s3:TestEvent, sent when the bucket notification was set up"] };
  const records = (event as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) throw new NotAnS3Event(`not an S3 event: got ${shapeOf(event)}, with no Records list`);
  if (records.length === 0) throw new NotAnS3Event("an S3 event with no records: nothing says which object to load");
  const problems: string[] = [];
  const result: S3EventObjects = { created: [], ignored: [], ...rebuildOf(event) };
  for (const [i, record] of (records as S3Event["Records"]).entries()) {
    const source = (record as { eventSource?: unknown })?.eventSource;
    if (source !== "aws:s3") {
      problems.push(`record ${i} is from ${source === undefined ? `no event source (${shapeOf(record)})` : JSON.stringify(source)}, not aws:s3`);
      continue;
    }
    const bucket = record.s3?.bucket?.name;
    const rawKey = record.s3?.object?.key;
    if (typeof bucket !== "string" || typeof rawKey !== "string") {
      problems.push(`record ${i} has no s3.bucket.name and s3.object.key`);
      continue;
    }
    let key: string;
    try {
      key = decodeS3Key(rawKey);
    } catch {
      problems.push(`record ${i} has a key that is not URL-encoded: ${JSON.stringify(rawKey)}`);
      continue;
    }
    if (!String(record.eventName).startsWith("ObjectCreated:")) result.ignored.push(`s3://${bucket}/${key}: ${record.eventName}, not a created object`);
    else if (!key.startsWith(prefix)) result.ignored.push(`s3://${bucket}/${key}: outside ${prefix}`);
    else result.created.push({ bucket, key, etag: record.s3.object.eTag ?? "", size: record.s3.object.size });
  }
  if (problems.length > 0) throw new NotAnS3Event(`not an S3 event the loader can act on: ${problems.join("; ")}`);
  return result;
}
