import { ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createConnection } from "mysql2/promise";
import { performance } from "node:perf_hooks";
import { decodeRecord, dedupHashKey } from "../functions/ingest/core";
import { PARKED_PREFIX } from "../functions/shared/dead-letter";
import { clickstreamBatches } from "./clickstream";
import { type LocalPipeline } from "./runtime/pipeline";
import { countItems } from "./tables";

export interface RunOptions {
  events: number;
  /** Events per second the producer writes. */
  rate: number;
  malformedShare: number;
  /** Share of mapping batches delivered a second time. */
  duplicateShare: number;
  seed?: number;
  /** Called about once a second with a line of progress. */
  progress?: (line: string) => void;
  /** Give up waiting for the pipeline after this long. Default: 5 minutes. */
  timeoutMs?: number;
}

export interface RunSummary {
  produced: number;
  valid: number;
  malformed: number;
  dedupItems: number;
  archivedRows: number;
  rejected: Record<string, number>;
  loadedRows: number;
  duplicated: number;
  lost: number;
  projections: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  eventsPerSecond: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

async function scanAll(pipeline: LocalPipeline, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await pipeline.clients.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Parked records by reason, from the ingest function's dead-letter bucket. */
async function rejectedByReason(pipeline: LocalPipeline, bucket: string): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  let token: string | undefined;
  do {
    const page = await pipeline.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PARKED_PREFIX, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const { Body } = await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      const { reason } = JSON.parse(await Body!.transformToString()) as { reason: string };
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    token = page.NextContinuationToken;
  } while (token);
  return reasons;
}

/**
 * Produces a clickstream into the running pipeline's source stream and follows it to MySQL:
 * every valid event must end as exactly one row, every malformed one parked with its reason.
 */
export async function runClickstream(pipeline: LocalPipeline, options: RunOptions): Promise<RunSummary> {
  const say = options.progress ?? (() => undefined);
  const [event] = clickstreamBatches({ records: options.events, batchSize: options.events, seed: options.seed ?? 42, malformedShare: options.malformedShare });
  const records = event.Records.map((r) => ({ data: Buffer.from(r.kinesis.data, "base64"), partitionKey: r.kinesis.partitionKey, valid: decodeRecord(r).ok }));
  pipeline.mappings.redeliverShare = options.duplicateShare;

  const producedAt = new Map<string, number>();
  const connection = await createConnection({ host: pipeline.database.host, port: pipeline.database.port, user: pipeline.database.user, password: pipeline.database.password });
  const seen = new Map<string, number>();
  const dedupTable = pipeline.outputs.poc.tableName as string;
  const started = performance.now();
  let produced = 0;

  const observe = async () => {
    const [rows] = await connection.query<any[]>("SELECT dedup_key FROM ??.??", [pipeline.database.name, pipeline.database.table]).catch(() => [[]] as any[]);
    const now = performance.now();
    for (const { dedup_key: key } of rows) if (!seen.has(key)) seen.set(key, now);
    return rows.length as number;
  };
  const ticker = setInterval(() => {
    void (async () => {
      const loaded = await observe();
      const items = await countItems(pipeline.clients.dynamodb, dedupTable).catch(() => 0);
      say(`produced ${produced}/${records.length}  dedup table ${items}  archived ${pipeline.firehose.counts.delivered}  loaded ${loaded}`);
    })();
  }, 1_000);

  try {
    const chunk = Math.max(1, Math.min(500, Math.round(options.rate / 4)));
    for (let i = 0; i < records.length; i += chunk) {
      const slice = records.slice(i, i + chunk);
      const answers = await pipeline.produce(slice);
      const now = performance.now();
      answers.forEach(({ shardId, sequenceNumber }, j) => {
        if (slice[j].valid) producedAt.set(`${dedupHashKey(sequenceNumber, shardId)}|${sequenceNumber}`, now);
      });
      produced += slice.length;
      const due = started + (produced / options.rate) * 1000;
      if (due > performance.now()) await new Promise((done) => setTimeout(done, due - performance.now()));
    }
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    while ([...producedAt.keys()].some((key) => !seen.has(key)) && Date.now() < deadline) {
      await pipeline.firehose.flush();
      await pipeline.notifications.idle();
      await observe();
      await new Promise((done) => setTimeout(done, 250));
    }
    await pipeline.drain();
    await observe();
  } finally {
    clearInterval(ticker);
  }

  const [[{ n: loadedRows }]] = await connection.query<any[]>("SELECT COUNT(*) AS n FROM ??.??", [pipeline.database.name, pipeline.database.table]);
  await connection.end();
  const expected = [...producedAt.keys()];
  const latencies = expected.filter((key) => seen.has(key)).map((key) => seen.get(key)! - producedAt.get(key)!).sort((a, b) => a - b);
  const lastSeen = [...seen.values()].reduce((latest, time) => Math.max(latest, time), started);
  const projections: Record<string, number> = {};
  for (const [name, table] of Object.entries(pipeline.outputs.poc.projectionTables as Record<string, string>)) {
    const items = await scanAll(pipeline, table);
    // An aggregate counts records in its items; an index holds one item per record.
    projections[name] = items.some((item) => item.count?.N) ? items.reduce((sum, item) => sum + Number(item.count?.N ?? 0), 0) : items.length;
  }
  const deadLetters = (pipeline.accessMode === "pull" ? pipeline.outputs.poc.deadLetterBucketName : pipeline.outputs.prod.deadLetterBucketName) as string;
  const matched = expected.filter((key) => seen.has(key)).length;
  return {
    produced: records.length,
    valid: expected.length,
    malformed: records.length - expected.length,
    dedupItems: await countItems(pipeline.clients.dynamodb, dedupTable),
    archivedRows: pipeline.firehose.counts.delivered,
    rejected: await rejectedByReason(pipeline, deadLetters),
    loadedRows: Number(loadedRows),
    duplicated: Number(loadedRows) - matched,
    lost: expected.length - matched,
    projections,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
    eventsPerSecond: expected.length / ((lastSeen - started) / 1000),
  };
}
