import { DescribeTableCommand, paginateScan } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { decodeRecord, dedupHashKey } from "../functions/ingest/core";
import { PARKED_PREFIX } from "../functions/shared/dead-letter";
import { mapWithConcurrency } from "../functions/shared/retry";
import { clickstreamBatches } from "./clickstream";
import { loadedRows } from "./loaded-rows";
import { type FunctionStats } from "./runtime/functions";
import { type LocalPipeline } from "./runtime/pipeline";
import { activity, pendingWork, type PipelineProgress } from "./runtime/progress";

export interface RunOptions {
  events: number;
  /** Events per second the producer writes. */
  rate: number;
  malformedShare: number;
  /** Share of mapping batches delivered a second time. */
  duplicateShare: number;
  seed?: number;
  /** Told about once a second where every stage stands; while draining, also what the pipeline still works on. */
  progress?: (update: RunProgress) => void;
  /** Give up when nothing in the pipeline moves for this long. Default: 2 minutes. */
  stallMs?: number;
  /** Told of each event as PutRecords accepts it: its dedup key (`hash|sequence`), its data, and why ingest must park it, if it must. */
  onProduced?: (key: string, data: Buffer, parkReason: string | undefined) => void;
  /** Told of each valid event once the loader has put its row into MySQL, whether every event is produced and loaded now, and the share of the valid events loaded. */
  onRowLoaded?: (key: string, allLoaded: boolean, loadedShare: number) => void;
}

export interface RunProgress {
  /** Since the first event was produced. */
  elapsedMs: number;
  produced: number;
  events: number;
  valid: number;
  /** Valid events whose row is in MySQL. */
  loadedRows: number;
  pipeline: PipelineProgress;
  /** After the rows are in: what the pipeline still works on (projections, the last objects). */
  draining?: string[];
}

export interface ProjectionCount {
  kind: "index" | "aggregate";
  /** The attributes an index is keyed by, or an aggregate groups by. */
  keys: string[];
  /** Items in an index; for an aggregate, the events its counts add up to. */
  count: number;
  /** Records its function parked. */
  parked: number;
}

export interface RunSummary {
  produced: number;
  valid: number;
  malformed: number;
  dedupItems: number;
  /** Rows Firehose delivered under processed/: a redelivered forward batch sends its rows again. */
  archivedRows: number;
  /** Mapping batches delivered a second time (all mappings). */
  redeliveredBatches: number;
  rejected: Record<string, number>;
  loadedRows: number;
  /** Rows in MySQL that match no produced event. */
  duplicated: number;
  lost: number;
  projections: Record<string, ProjectionCount>;
  /** Every function, by the part it plays (ingest, forward, …, or its own name): what it did. */
  functions: Record<string, Omit<FunctionStats, "name">>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** From the first event produced to the last row loaded. */
  seconds: number;
  eventsPerSecond: number;
  /** From the last row loaded until every stage was idle (projections, late archive objects). */
  drainSeconds: number;
  /** Why the run stopped waiting, when the pipeline stopped moving before it was done. */
  stalled?: string;
}

/**
 * Events per PutRecords call: a fortieth of a second's worth (at most 500, the call's limit). Every
 * event of a call gets the call's answer as its produced time, and most of a call's events end in
 * the same object: with a quarter second's worth, the last call of a 3,000-event run held more than
 * 5% of its events, so p95, p99 and max were one and the same number.
 */
export const producerChunk = (rate: number) => Math.max(1, Math.min(500, Math.round(rate / 40)));

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** What every function did, by the part it plays. */
function functionsByPart(pipeline: LocalPipeline): RunSummary["functions"] {
  const { stages } = pipeline;
  const parts = new Map<string, string>([
    [stages.ingest, "ingest"],
    [stages.forward, "forward"],
    [stages.transform, "transform"],
    [stages.load, "load"],
    ...Object.entries(stages.projections).map(([name, p]): [string, string] => [p.functionName, `projection ${name}`]),
  ]);
  // In the order records flow through them; any other function (the database setup) last.
  const order = [...parts.keys()];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const stats = pipeline.functions.stats().sort((a, b) => rank(a.name) - rank(b.name));
  return Object.fromEntries(stats.map(({ name, ...counts }) => [parts.get(name) ?? name, counts]));
}

/** Parked records by reason, from the ingest function's dead-letter bucket. */
async function rejectedByReason(pipeline: LocalPipeline, bucket: string): Promise<Record<string, number>> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: pipeline.clients.s3 }, { Bucket: bucket, Prefix: PARKED_PREFIX })) {
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
  }
  const reasons: Record<string, number> = {};
  await mapWithConcurrency(keys, 8, async (key) => {
    const { Body } = await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const { reason } = JSON.parse(await Body!.transformToString()) as { reason: string };
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  });
  return reasons;
}

/** Items in a table. DynamoDB Local counts them when asked (AWS refreshes ItemCount about every six hours). */
async function itemCount(pipeline: LocalPipeline, table: string): Promise<number> {
  const { Table } = await pipeline.clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
  return Table?.ItemCount ?? 0;
}

/** The events an aggregate's groups count, summed. */
async function aggregatedEvents(pipeline: LocalPipeline, table: string): Promise<number> {
  let sum = 0;
  for await (const page of paginateScan(
    { client: pipeline.clients.dynamodb },
    { TableName: table, ProjectionExpression: "#count", ExpressionAttributeNames: { "#count": "count" } },
  )) {
    for (const item of page.Items ?? []) sum += Number(item.count?.N ?? 0);
  }
  return sum;
}

/**
 * Follows loaded objects to their rows: when the loader has handled an object, every row in it is
 * in MySQL, and the object's first CSV column is each row's dedup key. Each object is read once.
 */
function loadWatcher(pipeline: LocalPipeline, onRow: (key: string, at: number) => void) {
  let reading = Promise.resolve();
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  pipeline.notifications.onHandled = (bucket, key) => {
    const at = performance.now();
    reading = reading.then(async () => {
      const { Body } = await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from(await Body!.transformToByteArray());
      const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
      for (const [dedupKey] of parse(text, { relax_column_count: true }) as string[][]) onRow(dedupKey, at);
    });
    reading.catch(fail);
  };
  return {
    /** Rejects as soon as an object cannot be read. */
    failed,
    /** Resolves once every object handled so far is read; rejects if one could not be. */
    settled: () => reading,
    stop: () => (pipeline.notifications.onHandled = () => undefined),
  };
}

/**
 * Produces a clickstream into the running pipeline's source stream and follows it to MySQL:
 * every valid event must end as exactly one row, every malformed one parked with its reason.
 * While it runs it reads only the runtime's counters and the objects the loader handled, never a
 * whole table, so its own cost grows with the events and not with their square.
 */
export async function runClickstream(pipeline: LocalPipeline, options: RunOptions): Promise<RunSummary> {
  const say = options.progress ?? (() => undefined);
  const stallMs = options.stallMs ?? 120_000;
  const records = clickstreamBatches({
    records: options.events,
    batchSize: options.events,
    seed: options.seed ?? 42,
    malformedShare: options.malformedShare,
  })[0].Records.map((r) => {
    const outcome = decodeRecord(r);
    return {
      data: Buffer.from(r.kinesis.data, "base64"),
      partitionKey: r.kinesis.partitionKey,
      valid: outcome.ok,
      parkReason: outcome.ok ? undefined : outcome.reason,
    };
  });
  pipeline.mappings.redeliverShare = options.duplicateShare;

  const producedAt = new Map<string, number>();
  const loadedAt = new Map<string, number>();
  const watcher = loadWatcher(pipeline, (key, at) => {
    if (producedAt.has(key) && !loadedAt.has(key)) {
      loadedAt.set(key, at);
      options.onRowLoaded?.(key, produced === records.length && loadedAt.size === producedAt.size, loadedAt.size / valid);
    }
  });
  const valid = records.filter((r) => r.valid).length;
  const started = performance.now();
  let produced = 0;
  let draining = false;
  const update = (): RunProgress => {
    const now = pipeline.progress();
    return {
      elapsedMs: performance.now() - started,
      produced,
      events: records.length,
      valid,
      loadedRows: loadedAt.size,
      pipeline: now,
      draining: draining ? pendingWork(now) : undefined,
    };
  };
  const ticker = setInterval(() => say(update()), 1_000);

  let lastRowAt = started;
  let drainSeconds: number;
  let stalled: string | undefined;
  try {
    const chunk = producerChunk(options.rate);
    for (let i = 0; i < records.length; i += chunk) {
      const slice = records.slice(i, i + chunk);
      const answers = await pipeline.produce(slice);
      const now = performance.now();
      answers.forEach(({ shardId, sequenceNumber }, j) => {
        const key = `${dedupHashKey(sequenceNumber, shardId)}|${sequenceNumber}`;
        if (slice[j].valid) producedAt.set(key, now);
        options.onProduced?.(key, slice[j].data, slice[j].parkReason);
      });
      produced += slice.length;
      const due = started + (produced / options.rate) * 1000;
      if (due > performance.now()) await sleep(due - performance.now());
    }

    // Rows arrive as the loader handles objects; give up only when nothing moves for stallMs.
    let seen = -1;
    let movedAt = performance.now();
    while (loadedAt.size < producedAt.size) {
      const now = loadedAt.size + activity(pipeline.progress());
      if (now !== seen) [seen, movedAt] = [now, performance.now()];
      else if (performance.now() - movedAt > stallMs) {
        stalled = `no row arrived for ${Math.round(stallMs / 1000)} s; still pending: ${pendingWork(pipeline.progress()).join(", ") || "nothing a stage can name"}`;
        break;
      }
      await Promise.race([watcher.failed, sleep(250)]);
    }
    for (const at of loadedAt.values()) lastRowAt = Math.max(lastRowAt, at);
    const drainStarted = performance.now();
    draining = true;
    await pipeline.drain({ stallMs }).catch((error: Error) => (stalled ??= error.message));
    await watcher.settled();
    drainSeconds = (performance.now() - drainStarted) / 1000;
  } finally {
    clearInterval(ticker);
    watcher.stop();
  }

  const rows = await loadedRows(pipeline, ["dedup_key"]);
  const inMySql = new Set(rows.map((row) => String(row.dedup_key)));
  const matched = [...producedAt.keys()].filter((key) => inMySql.has(key)).length;
  const latencies = [...loadedAt.entries()].map(([key, at]) => at - producedAt.get(key)!).sort((a, b) => a - b);

  const projections: Record<string, ProjectionCount> = {};
  for (const [name, { table, kind, keys, functionName }] of Object.entries(pipeline.stages.projections)) {
    const count = kind === "aggregate" ? await aggregatedEvents(pipeline, table) : await itemCount(pipeline, table);
    projections[name] = { kind, keys, count, parked: pipeline.functions.parked.by(functionName) };
  }
  const deadLetters = (pipeline.accessMode === "pull" ? pipeline.outputs.poc.deadLetterBucketName : pipeline.outputs.prod.deadLetterBucketName) as string;
  const seconds = (lastRowAt - started) / 1000;
  return {
    produced: records.length,
    valid: producedAt.size,
    malformed: records.length - producedAt.size,
    dedupItems: await itemCount(pipeline, pipeline.outputs.poc.tableName as string),
    archivedRows: pipeline.firehose.counts.delivered,
    redeliveredBatches: pipeline.mappings.counts.redelivered,
    rejected: await rejectedByReason(pipeline, deadLetters),
    loadedRows: inMySql.size,
    duplicated: inMySql.size - matched,
    lost: producedAt.size - matched,
    projections,
    functions: functionsByPart(pipeline),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
    seconds,
    eventsPerSecond: seconds > 0 ? matched / seconds : 0,
    drainSeconds,
    stalled,
  };
}
