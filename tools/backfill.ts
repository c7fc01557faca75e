import { DescribeTableCommand, ScanCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type ProjectOutcome } from "../functions/project/project-batch";
import { BACKFILL_SEQUENCE } from "../functions/project/spec";
import { backoffDelay, sleep as realSleep } from "../functions/shared/retry";

export interface BackfillOptions {
  /** The table whose items are the history (the dedup table). */
  table: string;
  /** Parallel scan segments, each read by its own worker (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan). */
  segments: number;
  /** Items read per second, over all segments: the rate limit that leaves the table's capacity to live traffic. */
  itemsPerSecond: number;
  /** Items per Scan page, and so per projected batch. */
  pageSize: number;
  /** Attempts at a batch the projection asks to retry (a throttled or conflicting write), with backoff. */
  maxAttempts: number;
}

export interface BackfillProgress {
  scanned: number;
  written: number;
  /** Already counted: by the live stream, or by an earlier backfill. */
  replayed: number;
  skipped: number;
  parked: number;
}

export interface BackfillDependencies {
  dynamodb: Pick<DynamoDBClient, "send">;
  /** The projection's own batch code (projectBatch with the projection's tables): what the live function runs. */
  project(event: DynamoDBStreamEvent): Promise<ProjectOutcome>;
  progress(progress: BackfillProgress): void;
  /** Clock and sleep, for the rate limit; the real ones by default. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A table's key attributes, hash first, with their types, and its ARN. */
export async function describeKeys(
  dynamodb: Pick<DynamoDBClient, "send">,
  table: string,
): Promise<{ keys: { name: string; type: "S" | "N" | "B" }[]; tableArn: string }> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const types = new Map((Table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const keys = (Table?.KeySchema ?? []).map((k) => ({ name: k.AttributeName!, type: (types.get(k.AttributeName) ?? "S") as "S" | "N" | "B" }));
  return { keys, tableArn: Table?.TableArn ?? `arn:aws:dynamodb:::table/${table}` };
}

/**
 * Spaces out reads so that, over the run, no more than `perSecond` items are read a second: each
 * page waits for its turn, and the turns are shared by every segment's worker.
 */
export function rateLimiter(perSecond: number, now: () => number, sleep: (ms: number) => Promise<void>): (items: number) => Promise<void> {
  let next = now();
  return async (items) => {
    const start = Math.max(next, now());
    next = start + (1000 * items) / perSecond;
    const wait = start - now();
    if (wait > 0) await sleep(wait);
  };
}

/**
 * An item as the live stream would bring it at its insertion: an INSERT with the item as its new
 * image and its key. Its eventID says it is a backfill. Its sequence number is BACKFILL_SEQUENCE,
 * older than any the stream gives: an aggregate counts it only when the item's ledger entry is
 * absent (the live stream then moves the item on from the state read here), and an index never
 * lets it overwrite what the live stream wrote. Its time is the scan's.
 */
export function backfillRecord(item: Record<string, SdkAttributeValue>, keyNames: readonly string[], tableArn: string, scannedAt: number): DynamoDBRecord {
  // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
  const image = item as unknown as Record<string, AttributeValue>;
  const keys = Object.fromEntries(keyNames.map((name) => [name, image[name]]));
  return {
    eventID: `backfill:${JSON.stringify(keyNames.map((name) => image[name]))}`,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    eventSourceARN: `${tableArn}/stream/backfill`,
    dynamodb: {
      Keys: keys,
      NewImage: image,
      SequenceNumber: BACKFILL_SEQUENCE,
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ApproximateCreationDateTime: Math.floor(scannedAt / 1000),
    },
  };
}

/** What a projection did with the records it was given. */
export type ProjectedCounts = Pick<BackfillProgress, "written" | "replayed" | "skipped" | "parked">;

/**
 * Projects records through the projection's batch code, counting what it did into `counts`. A
 * batch the projection cannot finish is sent again whole, with backoff: what it already applied is
 * replayed, a no-op. After `maxAttempts` the backfill stops, naming it.
 */
export async function projectWithRetries(
  project: (event: DynamoDBStreamEvent) => Promise<ProjectOutcome>,
  records: DynamoDBRecord[],
  counts: ProjectedCounts,
  maxAttempts: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { batchItemFailures, counts: done } = await project({ Records: records });
    counts.written += done.written;
    counts.replayed += done.replayed;
    counts.skipped += done.skipped;
    counts.parked += done.parked;
    if (batchItemFailures.length === 0) return;
    if (attempt + 1 >= maxAttempts)
      throw new Error(
        `the projection failed ${maxAttempts} times on a batch of ${records.length} records; run the backfill again: what is already counted is not counted twice`,
      );
    await sleep(backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 5_000 }));
  }
}

/**
 * Feeds every item of the table to a projection through its own batch code, as if the live stream
 * had brought each item's insertion: a parallel scan, rate-limited, each page one batch. Items the
 * live stream already brought to the projection (or an earlier backfill did) change nothing, so a
 * backfill can run while the projection is live, and again. A batch the projection cannot finish
 * is retried from its failed record, with backoff, then the backfill stops naming it.
 */
export async function backfillProjection(options: BackfillOptions, deps: BackfillDependencies): Promise<BackfillProgress> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const { keys, tableArn } = await describeKeys(deps.dynamodb, options.table);
  const keyNames = keys.map((k) => k.name);
  const limit = rateLimiter(options.itemsPerSecond, now, sleep);
  const progress: BackfillProgress = { scanned: 0, written: 0, replayed: 0, skipped: 0, parked: 0 };

  const segment = async (index: number) => {
    let start: Record<string, SdkAttributeValue> | undefined;
    do {
      await limit(options.pageSize);
      const page = await deps.dynamodb.send(
        new ScanCommand({ TableName: options.table, Segment: index, TotalSegments: options.segments, Limit: options.pageSize, ExclusiveStartKey: start }),
      );
      start = page.LastEvaluatedKey;
      const items = page.Items ?? [];
      progress.scanned += items.length;
      if (items.length > 0)
        await projectWithRetries(
          deps.project,
          items.map((item) => backfillRecord(item, keyNames, tableArn, now())),
          progress,
          options.maxAttempts,
          sleep,
        );
      deps.progress({ ...progress });
    } while (start);
  };
  await Promise.all(Array.from({ length: options.segments }, (_, i) => segment(i)));
  return progress;
}
