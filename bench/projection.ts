import { performance } from "node:perf_hooks";
import { BatchWriteItemCommand, DeleteTableCommand, DynamoDBClient, TransactWriteItemsCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { mergeDeltas, type Delta } from "../functions/project/aggregate-core";
import { groupUpdate } from "../functions/project/apply";
import { indexChange } from "../functions/project/index-core";
import { itemChange, itemLedgerKey, planItem, type ItemChange } from "../functions/project/item-state";
import { projectBatch, type ProjectDependencies } from "../functions/project/project-batch";
import { COUNT, COUNTED, GROUP_KEY, LEDGER_KEY, SOURCE_SEQUENCE, type AggregateSpec, type IndexSpec } from "../functions/project/spec";
import { TRANSACTION_LIMITS } from "../functions/project/write-limits";
import { chunk, mapWithConcurrency } from "../functions/shared/retry";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from "../engines";
import { countItems, createTable } from "../engines/tables";
import { tableStreamRecords } from "./archive-records";
import { median } from "./median";
import { projectOneByOne } from "./projection-baseline";
import { benchSize, checkSizes } from "./sizes";
import { printTable } from "./table";

const RECORDS = benchSize("BENCH_PROJECTION_RECORDS");
const ROUNDS = benchSize("BENCH_PROJECTION_ROUNDS");
/** One transaction per record: a thousand give it a stable rate. */
const BASELINE_RECORDS = Math.min(RECORDS, 1_000);
/** The StreamProjection component's default batch size. */
const BATCH_SIZE = 100;
const CEILING_CONCURRENCY = 4;

/** The pipeline's two projections of the dedup table: hits per page per day, and each user's clicks in order. */
const HITS_PER_PAGE_PER_DAY: AggregateSpec = {
  kind: "aggregate",
  groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
  sums: [{ name: "hits", attribute: "Hits" }],
};
const BY_USER: IndexSpec = { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" };
type Spec = typeof HITS_PER_PAGE_PER_DAY | typeof BY_USER;

interface Tables {
  target: string;
  ledger: string;
}

interface Contender {
  name: string;
  /** Runs the batches into fresh tables; what it needs beforehand is built off the clock. */
  prepare(batches: readonly DynamoDBRecord[][]): (tables: Tables) => Promise<void>;
}

function oneByOne(dynamodb: DynamoDBClient, spec: Spec): Contender {
  return {
    name: "one record at a time (before)",
    prepare: (batches) => async (tables) => {
      for (const batch of batches) await projectOneByOne(dynamodb, spec, { ...tables, ledgerTtlDays: 7, countedEntriesExpire: false }, batch);
    },
  };
}

function ours(dynamodb: DynamoDBClient, s3: S3Client, spec: Spec): Contender {
  return {
    name: "ours (projectBatch)",
    prepare: (batches) => async (tables) => {
      const deps: ProjectDependencies = {
        dynamodb,
        s3,
        deadLetterBucket: "unused",
        spec,
        tables: { ...tables, ledgerTtlDays: 7, countedEntriesExpire: false },
        retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000 },
        log: { info() {}, warn() {} },
      };
      for (const [i, batch] of batches.entries()) {
        const { batchItemFailures, counts } = await projectBatch({ Records: batch }, deps);
        if (batchItemFailures.length > 0 || counts.parked > 0) throw new Error(`projectBatch did not project batch ${i} whole: ${JSON.stringify(counts)}`);
      }
    },
  };
}

/** What an aggregate writes for a batch of INSERTs of new items, by the projection's own planning: each item's ledger entry, and each group's change. */
function aggregateWrites(spec: AggregateSpec, batch: readonly DynamoDBRecord[]): { entries: Record<string, AttributeValue>[]; deltas: Delta[] } {
  const changes = batch.map((r) => itemChange(r, itemLedgerKey(r)!, spec)).filter((c): c is ItemChange => !("problem" in c));
  const plans = changes.map((c) => planItem([c], { kind: "absent" }));
  const entries = plans.map((p, i) => ({
    [LEDGER_KEY]: { S: changes[i].item },
    [SOURCE_SEQUENCE]: { S: p.entry!.sequence },
    [COUNTED]: { S: p.entry!.counted },
  }));
  return { entries, deltas: mergeDeltas(plans.flatMap((p) => p.deltas)) };
}

/** Exactly the items ours writes for a batch of INSERTs of new items: each item's ledger entry and each group's item, or each index item. */
function itemsOursWrites(spec: Spec, batch: readonly DynamoDBRecord[]): { ledger: Record<string, AttributeValue>[]; target: Record<string, AttributeValue>[] } {
  if (spec.kind === "index") {
    const target = batch.map((r) => indexChange(r, spec)).flatMap((c) => (c.kind === "put" ? [c.item] : []));
    return { ledger: [], target };
  }
  const { entries, deltas } = aggregateWrites(spec, batch);
  const target = deltas.map((d) => ({
    [GROUP_KEY]: { S: d.group },
    [COUNT]: { N: String(d.count) },
    ...Object.fromEntries(Object.entries(d.sums).map(([name, amount]) => [name, { N: amount }])),
    ...Object.fromEntries(Object.entries(d.values).map(([name, value]) => [name, { S: value }])),
  }));
  return { ledger: entries, target };
}

/**
 * The same entries and group updates as ours, in transactions of 100 actions sent at once, with no
 * conditions and nothing learned: what DynamoDB Local's transactions allow, so that the gap between
 * ours and the ceiling shows how much of it is the engine's transactions and how much ours.
 */
function unconditionalTransactions(dynamodb: DynamoDBClient, spec: AggregateSpec): Contender {
  return {
    name: "same actions, unconditional transactions",
    prepare: (batches) => {
      const writes = batches.map((batch) => aggregateWrites(spec, batch));
      return async (tables) => {
        for (const { entries, deltas } of writes) {
          const actions = [...entries.map((Item) => ({ Put: { TableName: tables.ledger, Item } })), ...deltas.map((d) => groupUpdate(tables.target, d))];
          await Promise.all(chunk(actions, TRANSACTION_LIMITS.actions).map((TransactItems) => dynamodb.send(new TransactWriteItemsCommand({ TransactItems }))));
        }
      };
    },
  };
}

function ceiling(dynamodb: DynamoDBClient, spec: Spec): Contender {
  return {
    name: "ceiling (BatchWriteItem, same items)",
    prepare: (batches) => {
      const items = batches.map((batch) => itemsOursWrites(spec, batch));
      return async (tables) => {
        for (const { ledger, target } of items) {
          const requests = [...ledger.map((Item) => [tables.ledger, Item] as const), ...target.map((Item) => [tables.target, Item] as const)];
          await mapWithConcurrency(chunk(requests, 25), CEILING_CONCURRENCY, async (puts) => {
            const byTable: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> = {};
            for (const [table, Item] of puts) (byTable[table] ??= []).push({ PutRequest: { Item } });
            const response = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: byTable }));
            const unprocessed = Object.values(response.UnprocessedItems ?? {}).reduce((sum, r) => sum + r.length, 0);
            if (unprocessed > 0) throw new Error(`${unprocessed} unprocessed items: the ceiling would not be honest`);
          });
        }
      };
    },
  };
}

interface Result {
  name: string;
  records: number;
  perSecond: number;
}

async function measure(dynamodb: DynamoDBClient, spec: Spec, contender: Contender, batches: readonly DynamoDBRecord[][], run: number): Promise<Result> {
  const target =
    spec.kind === "index"
      ? await createTable(dynamodb, `bench-index-${run}`, ["useremail", "S"], ["nanotimestamp", "S"])
      : await createTable(dynamodb, `bench-hits-${run}`, [GROUP_KEY, "S"]);
  const ledger = spec.kind === "aggregate" ? await createTable(dynamodb, `bench-ledger-${run}`, [LEDGER_KEY, "S"]) : "";
  const go = contender.prepare(batches);
  const records = batches.reduce((sum, b) => sum + b.length, 0);
  const started = performance.now();
  await go({ target, ledger });
  const seconds = (performance.now() - started) / 1000;
  // Every contender leaves one index item per record with a user, or groups counting every record.
  const stored = await countItems(dynamodb, target);
  const expected =
    spec.kind === "index"
      ? batches.flat().filter((r) => r.dynamodb!.NewImage!.useremail?.S).length
      : new Set(batches.flat().map((r) => `${r.dynamodb!.NewImage!.page_id.S}|${r.dynamodb!.NewImage!.client_timestamp.S!.slice(0, 10)}`)).size;
  if (stored !== expected) throw new Error(`${contender.name}: ${target} holds ${stored} items, expected ${expected}`);
  // Dropping the tables keeps DynamoDB Local's memory flat across runs.
  for (const table of [target, ledger].filter(Boolean)) await dynamodb.send(new DeleteTableCommand({ TableName: table }));
  return { name: contender.name, records, perSecond: records / seconds };
}

function report(title: string, runs: readonly Result[][]): void {
  const names = runs[0].map((r) => r.name);
  const rates = names.map((_, i) => runs.map((run) => run[i].perSecond));
  console.log(`\n${title}\n`);
  printTable([
    ["contender", "records", `records/s (median of ${runs.length})`, "slowest", "fastest"],
    ...names.map((name, i) => [
      name,
      String(runs[0][i].records),
      median(rates[i]).toFixed(0),
      Math.min(...rates[i]).toFixed(0),
      Math.max(...rates[i]).toFixed(0),
    ]),
  ]);
  const ratio = (a: number, b: number) =>
    `${median(rates[a]).toFixed(0)}/${median(rates[b]).toFixed(0)} = ${(median(rates[a]) / median(rates[b])).toFixed(2)}x`;
  // Each round runs the contenders back to back, so a round's own ratio is the least touched by the machine's load drifting.
  const rounds = (a: number, b: number) => runs.map((run) => (run[a].perSecond / run[b].perSecond).toFixed(2)).join(", ");
  console.log(`\nours/one-by-one = ${ratio(1, 0)} (goal: 10x); round by round ${rounds(1, 0)}`);
  console.log(`ours/ceiling    = ${ratio(1, 2)} (goal: 0.8x); round by round ${rounds(1, 2)}`);
  if (names.length > 3) {
    console.log(`${names[3]}/ceiling = ${ratio(3, 2)}: what the engine's transactions allow`);
    console.log(`ours/${names[3]} = ${ratio(1, 3)}: what ours costs on top (conditions, CPU)`);
  }
}

/**
 * The projection function's write path against one record at a time (the way before batches) and
 * against a ceiling that writes exactly the items it writes, ledger entries included, with plain
 * BatchWriteItem: the dedup table's stream (INSERTs of clickstream items) in batches of 100,
 * one batch after another as one shard's mapping sends them, on DynamoDB Local. ROUNDS
 * interleaved rounds, medians compared; the one-by-one way runs on fewer records.
 */
export async function benchProjection(): Promise<void> {
  checkSizes("BENCH_PROJECTION_RECORDS", "BENCH_PROJECTION_ROUNDS");
  const stream = tableStreamRecords(RECORDS).map((r) => ({ ...r, eventID: `event-${r.eventID}` }));
  const batches = chunk(stream, BATCH_SIZE);
  const baselineBatches = chunk(stream.slice(0, BASELINE_RECORDS), BATCH_SIZE);
  const warmUp = chunk(stream.slice(0, Math.min(RECORDS, 500)), BATCH_SIZE);
  const engine = await startDynamoDbLocal();
  const dynamodb = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9" });
  let run = 0;
  try {
    console.log(
      `## Projection: ${RECORDS} table stream records (one by one: ${BASELINE_RECORDS}) in batches of ${BATCH_SIZE}, one batch after another, on DynamoDB Local, ${ROUNDS} rounds`,
    );
    for (const [title, spec] of [
      ["Aggregate, hits per page per day (ledger entries included)", HITS_PER_PAGE_PER_DAY],
      ["Index, each user's clicks", BY_USER],
    ] as const) {
      const contenders = [
        oneByOne(dynamodb, spec),
        ours(dynamodb, s3, spec),
        ceiling(dynamodb, spec),
        ...(spec.kind === "aggregate" ? [unconditionalTransactions(dynamodb, spec)] : []),
      ];
      for (const contender of contenders) await measure(dynamodb, spec, contender, warmUp, ++run);
      const runs: Result[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const results: Result[] = [];
        for (const [i, contender] of contenders.entries()) results.push(await measure(dynamodb, spec, contender, i === 0 ? baselineBatches : batches, ++run));
        runs.push(results);
      }
      report(title, runs);
    }
    console.log("\nDynamoDB Local (SQLite on the JVM) is not the AWS service: its absolute speed says nothing about production; read the ratios.");
  } finally {
    dynamodb.destroy();
    s3.destroy();
    await engine.stop();
  }
}
