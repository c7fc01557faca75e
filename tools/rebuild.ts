import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { hourOfKey } from "../functions/shared/archive-schema";
import { type LoadSummary } from "../functions/load/load-event";
import { encodeS3Key } from "../functions/load/s3-event";

/** An S3 event of the rebuild's making for objects already in the archive, named by its run (see functions/load/s3-event.ts). */
export interface RebuildEvent {
  rebuild: { run: string; repair?: true };
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
  /** A repairing run, once it ended: the rows it deleted, which no object of the archive holds. */
  removed?: number;
}

/** An object to load, as the listing or the manifest names it. */
export interface ArchiveObject {
  bucket: string;
  key: string;
  etag: string;
  size?: number;
}

/** The database side of a rebuild of the whole archive, which repairs the table (tools/rebuild-repair.ts). */
export interface RebuildRepair {
  /** Records the run's start (once: a resumed run keeps it); false when the run finished repairing before. */
  begin(run: string): Promise<boolean>;
  /** Ends the repair under a lock on the manifest, and says what it removed; or, instead, names the objects others loaded since the run started, to load first. */
  finish(run: string): Promise<{ others: ArchiveObject[]; removed?: number }>;
}

export interface RebuildDependencies {
  s3: Pick<S3Client, "send">;
  /** Loads the event's objects as the loader does (the loader's own code, or the deployed function) and says what it did. */
  load(event: RebuildEvent): Promise<LoadSummary>;
  progress(progress: RebuildProgress): void;
  repair: RebuildRepair;
}

/** Rounds of loading what others loaded meanwhile before a repair gives up for now (a resumed run goes on from there). */
const CATCH_UP_ROUNDS = 20;

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
 * and is started again with the same run name skips what that run loaded and carries on. A batch
 * that fails stops the rebuild with the loader's reasons; starting it again retries from there.
 *
 * A rebuild of the whole archive repairs: the first change it loads of each key replaces what the
 * row held, and at the end the rows no object holds are deleted, so the table equals a clean load
 * of the archive whatever was changed in it by hand. Objects the live loader loaded while the run
 * went are loaded by the run too before it ends. A run that listed no object at all repairs
 * nothing (a wrong bucket must not empty the table). A rebuild of an hour range only adds: a row
 * already in the table is replaced only by a newer change, as the live loader does.
 */
export async function rebuildFromArchive(options: RebuildOptions, deps: RebuildDependencies): Promise<RebuildProgress> {
  const progress: RebuildProgress = { listed: 0, done: 0, loaded: 0, alreadyLoaded: 0, rows: 0, rejectedRows: 0 };
  const repairing = options.from === undefined && options.to === undefined && (await deps.repair.begin(options.run));
  const load = async (batch: ArchiveObject[]) => {
    const summary = await deps.load({
      rebuild: { run: options.run, ...(repairing && { repair: true as const }) },
      Records: batch.map((o) => ({
        eventSource: "aws:s3",
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: o.bucket }, object: { key: encodeS3Key(o.key), eTag: o.etag, size: o.size ?? 0 } },
      })),
    });
    progress.done += batch.length;
    progress.loaded += summary.loaded;
    progress.alreadyLoaded += summary.alreadyLoaded;
    progress.rows += summary.rows;
    progress.rejectedRows += summary.rejectedRows;
    deps.progress({ ...progress });
  };
  const inBatches = async (objects: ArchiveObject[]) => {
    for (let i = 0; i < objects.length; i += options.batchObjects) await load(objects.slice(i, i + options.batchObjects));
  };
  // S3 lists keys in UTF-8 binary order (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), so each version's objects come hour by hour.
  for await (const page of paginateListObjectsV2({ client: deps.s3 as S3Client }, { Bucket: options.bucket, Prefix: options.prefix })) {
    const objects = (page.Contents ?? []).filter((o) => o.Key && !o.Key.endsWith("/") && inRange(o.Key, options));
    progress.listed += objects.length;
    await inBatches(objects.map((o) => ({ bucket: options.bucket, key: o.Key!, etag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size })));
  }
  if (!repairing || progress.listed === 0) return progress;
  for (let round = 1; ; round++) {
    const { others, removed } = await deps.repair.finish(options.run);
    if (others.length === 0) return { ...progress, removed };
    if (round > CATCH_UP_ROUNDS)
      throw new Error(`objects kept arriving from the live loader through ${CATCH_UP_ROUNDS} rounds: run the same command again to finish the repair`);
    progress.listed += others.length;
    await inBatches(others);
  }
}
