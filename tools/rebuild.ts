import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { hourOfKey } from "../functions/shared/archive-schema";
import { type LoadSummary } from "../functions/load/load-event";
import { encodeS3Key } from "../functions/load/s3-event";

/** An S3 event of the rebuild's making for objects already in the archive, named by its run (see functions/load/s3-event.ts). */
export interface RebuildEvent {
  rebuild: { run: string };
  Records: { eventSource: "aws:s3"; eventName: "ObjectCreated:Put"; s3: { bucket: { name: string }; object: { key: string; eTag: string; size: number } } }[];
}

export interface RebuildOptions {
  bucket: string;
  /** The processed prefix (`processed/`): every schema version's objects are under it. */
  prefix: string;
  /** The run's name: the manifest records which run loaded each object, so the same name resumes. */
  run: string;
  /** Only objects of these hours, inclusive, as `YYYY-MM-DDTHH` (the hour in the object's key, UTC). */
  from?: string;
  to?: string;
  /** Objects per load call: the loader loads them one by one, each in its own transaction. */
  batchObjects: number;
}

export interface RebuildProgress {
  /** Objects in the range, found so far by the listing. */
  listed: number;
  /** Objects handled: loaded now, or already loaded by this run before (a resumed run). */
  done: number;
  loaded: number;
  alreadyLoaded: number;
  rows: number;
  rejectedRows: number;
}

export interface RebuildDependencies {
  s3: Pick<S3Client, "send">;
  /** Loads the event's objects as the loader does (the loader's own code, or the deployed function) and says what it did. */
  load(event: RebuildEvent): Promise<LoadSummary>;
  progress(progress: RebuildProgress): void;
}

/** Is the object's hour within the range? Objects whose key has no hour are outside any range but the whole archive. */
function inRange(key: string, options: RebuildOptions): boolean {
  if (options.from === undefined && options.to === undefined) return true;
  const hour = hourOfKey(key, options.prefix);
  if (hour === undefined) return false;
  return (options.from === undefined || hour >= options.from) && (options.to === undefined || hour <= options.to);
}

/**
 * Loads every processed object (or those of an hour range) into the table again, a batch of
 * objects at a time, through the loader's own code with LOAD DATA. Each object is loaded in its own
 * transaction with its manifest row naming the run, so a rebuild that stops anywhere (a crash, ^C)
 * and is started again with the same run name skips what that run loaded and carries on; rows
 * already in the table are only replaced by newer changes, so loading an object again never
 * duplicates or regresses a row. A batch that fails stops the rebuild with the loader's reasons;
 * starting it again retries from there.
 */
export async function rebuildFromArchive(options: RebuildOptions, deps: RebuildDependencies): Promise<RebuildProgress> {
  const progress: RebuildProgress = { listed: 0, done: 0, loaded: 0, alreadyLoaded: 0, rows: 0, rejectedRows: 0 };
  // S3 lists keys in UTF-8 binary order (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), so each version's objects come hour by hour.
  for await (const page of paginateListObjectsV2({ client: deps.s3 as S3Client }, { Bucket: options.bucket, Prefix: options.prefix })) {
    const objects = (page.Contents ?? []).filter((o) => o.Key && !o.Key.endsWith("/") && inRange(o.Key, options));
    progress.listed += objects.length;
    for (let i = 0; i < objects.length; i += options.batchObjects) {
      const batch = objects.slice(i, i + options.batchObjects);
      const summary = await deps.load({
        rebuild: { run: options.run },
        Records: batch.map((o) => ({
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: { bucket: { name: options.bucket }, object: { key: encodeS3Key(o.Key!), eTag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size ?? 0 } },
        })),
      });
      progress.done += batch.length;
      progress.loaded += summary.loaded;
      progress.alreadyLoaded += summary.alreadyLoaded;
      progress.rows += summary.rows;
      progress.rejectedRows += summary.rejectedRows;
      deps.progress({ ...progress });
    }
  }
  return progress;
}
