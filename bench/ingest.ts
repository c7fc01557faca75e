import { performance } from "node:perf_hooks";
import { BatchWriteItemCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { decodeRecord, type DynamoItem } from "../functions/ingest/core";
import { ingestBatch } from "../functions/ingest/ingest-batch";
import { chunk, mapWithConcurrency } from "../functions/shared/retry";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startS3Engine, type Engine } from "../engines";
import { countItems, createDedupTable } from "../engines/tables";
import { printTable } from "./table";
import { clickstreamBatches } from "../local/clickstream";
import { median } from "./median";
import { benchSize, checkSizes } from "./sizes";

const RECORDS = benchSize("BENCH_RECORDS");
const REPETITIONS = benchSize("BENCH_REPETITIONS");
/** The cross-account replication design's way takes one round trip per record: a few thousand give it a stable rate. */
const BASELINE_RECORDS = Math.min(RECORDS, 6_000);
const BATCH_SIZE = 300;
const CONCURRENCY = 4;
const DEAD_LETTER_BUCKET = "bench-dead-letter";

/** Runs one batch into a table; whatever it needs beforehand is built by `prepare`, off the clock. */
type BatchRunner = (table: string, batch: number) => Promise<void>;

interface Contender {
  name: string;
  prepare(batches: readonly KinesisStreamEvent[]): BatchRunner;
}

function baseline(dynamodb: DynamoDBClient): Contender {
  return {
    name: "baseline (PutItem per record)",
    prepare: (batches) => async (table, batch) => {
      for (const record of batches[batch].Records) {
        const payload = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8")) as Record<string, unknown>;
        const { sequenceNumber } = record.kinesis;
        const shardId = record.eventID.split(":")[0];
        const attributes: Record<string, unknown> = {
          ...payload,
          sequenceNumber,
          shardId,
          seqNumbershardIdHash: `${sequenceNumber.slice(-3, -1)}_${shardId}`,
        };
        for (const [name, value] of Object.entries(attributes)) if (value === null || value === "") delete attributes[name];
        await dynamodb.send(new PutItemCommand({ TableName: table, Item: marshall(attributes) }));
      }
    },
  };
}

function ours(dynamodb: DynamoDBClient, s3: S3Client): Contender {
  const log = { info() {}, warn() {} };
  return {
    name: "ours (ingestBatch)",
    prepare: (batches) => async (table, batch) => {
      const { batchItemFailures, counts } = await ingestBatch(batches[batch], {
        dynamodb,
        s3,
        deadLetterBucket: DEAD_LETTER_BUCKET,
        write: { tableName: table, concurrency: CONCURRENCY, maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2000 },
        log,
      });
      if (batchItemFailures.length > 0 || counts.written !== counts.received) {
        throw new Error(`ingestBatch did not write batch ${batch} whole: ${JSON.stringify(counts)}`);
      }
    },
  };
}

function ceiling(dynamodb: DynamoDBClient): Contender {
  return {
    name: "ceiling (BatchWriteItem)",
    prepare: (batches) => {
      const items: DynamoItem[][] = batches.map((event) =>
        event.Records.map((record) => {
          const outcome = decodeRecord(record);
          if (!outcome.ok) throw new Error(`record ${record.kinesis.sequenceNumber} is poison: ${outcome.detail}`);
          return outcome.item;
        }),
      );
      return async (table, batch) => {
        await mapWithConcurrency(chunk(items[batch], 25), CONCURRENCY, async (requests) => {
          const response = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.map((Item) => ({ PutRequest: { Item } })) } }));
          const unprocessed = response.UnprocessedItems?.[table]?.length ?? 0;
          if (unprocessed > 0) throw new Error(`${unprocessed} unprocessed items in ${table}: the ceiling would not be honest`);
        });
      };
    },
  };
}

/** Records a second of the ingest ceiling, on the JVM just started and once warmed up. */
export interface IngestCeiling {
  cold: number;
  warm: number;
}

/**
 * The ingest ceiling of a DynamoDB Local: clickstream records a second written by BatchWriteItem
 * alone (the items ours writes, none of its work), one batch of 300 after another, each pass into
 * a fresh table dropped afterwards. The scaling section compares the whole pipeline with it.
 * `warm` is measured after two passes that warm the JVM up, as the pipeline's own run does within
 * seconds: on a JVM that has just started (`cold`, the first pass) the rate is two to three times
 * lower (about 1,000–1,100 against 2,400–2,900 records/s in the same runs here), and a ratio to it
 * would flatter the pipeline.
 */
export async function ingestCeiling(dynamodb: DynamoDBClient, records: number, table: string): Promise<IngestCeiling> {
  const batches = clickstreamBatches({ records, batchSize: BATCH_SIZE, seed: 0 });
  const pass = async (name: string) => (await measure(dynamodb, ceiling(dynamodb), batches, await createDedupTable(dynamodb, name))).perSecond;
  const cold = await pass(`${table}-cold`);
  await pass(`${table}-warm-up`);
  return { cold, warm: await pass(table) };
}

interface Result {
  name: string;
  records: number;
  seconds: number;
  perSecond: number;
}

async function measure(dynamodb: DynamoDBClient, contender: Contender, batches: readonly KinesisStreamEvent[], table: string): Promise<Result> {
  const run = contender.prepare(batches);
  const records = batches.reduce((sum, event) => sum + event.Records.length, 0);
  const started = performance.now();
  for (let batch = 0; batch < batches.length; batch++) await run(table, batch);
  const seconds = (performance.now() - started) / 1000;
  const stored = await countItems(dynamodb, table);
  if (stored !== records) throw new Error(`${contender.name}: table ${table} holds ${stored} items, expected ${records}`);
  // Each run gets an empty table; dropping the full one keeps DynamoDB Local's memory flat across runs.
  await dynamodb.send(new DeleteTableCommand({ TableName: table }));
  return { name: contender.name, records, seconds, perSecond: records / seconds };
}

function report(runs: readonly Result[][]): void {
  const names = runs[0].map((r) => r.name);
  const perSecond = names.map((_, i) => runs.map((run) => run[i].perSecond));
  printTable([
    ["contender", "records", `records/s (median of ${runs.length})`, "slowest", "fastest"],
    ...names.map((name, i) => [
      name,
      String(runs[0][i].records),
      median(perSecond[i]).toFixed(0),
      Math.min(...perSecond[i]).toFixed(0),
      Math.max(...perSecond[i]).toFixed(0),
    ]),
  ]);
  const ratio = (a: number, b: number) =>
    `${median(perSecond[a]).toFixed(0)}/${median(perSecond[b]).toFixed(0)} = ${(median(perSecond[a]) / median(perSecond[b])).toFixed(2)}x`;
  console.log(`\nours/baseline = ${ratio(1, 0)}`);
  console.log(`ours/ceiling  = ${ratio(1, 2)}`);
  // Each round runs the contenders back to back, so a round's own ratio is the least touched by the machine's load drifting.
  const perRound = runs.map((run) => run[1].perSecond / run[2].perSecond);
  console.log(`ours/ceiling round by round: ${perRound.map((r) => r.toFixed(2)).join(", ")} (median ${median(perRound).toFixed(2)}x)`);
  console.log("\nDynamoDB Local (SQLite on the JVM) is not the AWS service: its absolute speed says nothing about production; read the ratios.");
}

/**
 * Ingest function vs the cross-account replication design's one PutItem per record vs a bare BatchWriteItem ceiling, on
 * DynamoDB Local: REPETITIONS interleaved runs (each contender once per round, on a fresh table),
 * medians compared. The baseline writes one record per round trip, so it runs on fewer records.
 */
export async function benchIngest(): Promise<void> {
  checkSizes("BENCH_RECORDS", "BENCH_REPETITIONS");
  const batches = clickstreamBatches({ records: RECORDS, batchSize: BATCH_SIZE, seed: 0 });
  const baselineBatches = batches.slice(0, Math.ceil(BASELINE_RECORDS / BATCH_SIZE));
  const warmUpBatches = clickstreamBatches({ records: BATCH_SIZE, batchSize: BATCH_SIZE, seed: 1 });
  const dynamoEngine = await startDynamoDbLocal();
  let s3Engine: Engine | undefined;
  const dynamodb = new DynamoDBClient({ endpoint: dynamoEngine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    s3Engine = await startS3Engine();
    const s3 = new S3Client({ endpoint: s3Engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: DEAD_LETTER_BUCKET }));
    const contenders = [baseline(dynamodb), ours(dynamodb, s3), ceiling(dynamodb)];
    let tables = 0;
    const table = () => createDedupTable(dynamodb, `bench-${++tables}`);
    for (const contender of contenders) await measure(dynamodb, contender, warmUpBatches, await table());
    const runs: Result[][] = [];
    for (let round = 0; round < REPETITIONS; round++) {
      const results: Result[] = [];
      for (const [index, contender] of contenders.entries())
        results.push(await measure(dynamodb, contender, index === 0 ? baselineBatches : batches, await table()));
      runs.push(results);
    }
    console.log(
      `## Ingest: ${RECORDS} clickstream records (the baseline ${baselineBatches.length * BATCH_SIZE}) in Kinesis batches of ${BATCH_SIZE}, one batch after another, on DynamoDB Local, ${REPETITIONS} rounds\n`,
    );
    report(runs);
  } finally {
    dynamodb.destroy();
    await Promise.all([dynamoEngine.stop(), s3Engine?.stop()]);
  }
}
