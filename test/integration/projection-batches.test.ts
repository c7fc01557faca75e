import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import * as fc from "fast-check";
import { TRANSACTION_LIMITS } from "../../functions/project/write-limits";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { type ProjectionSpec } from "../../functions/project/spec";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type Engine } from "../../engines";
import { prng } from "../../local/clickstream";
import { startThrottlingProxy } from "../../local/runtime/throttling-proxy";
import { createTable } from "../../engines/tables";
import {
  aggregatesIn,
  BY_PAGE_AND_ID,
  changeArbitrary,
  expectedAggregates,
  expectedIndex,
  History,
  HITS_PER_PAGE,
  indexIn,
} from "../support/projection-history";
import { propertySettings } from "../support/property";
import { deliver, faultyDynamoDb, mappingChoices, type CallFault } from "../support/stream-mapping";

const faultArbitrary = fc.array(fc.constantFrom<CallFault>("none", "none", "none", "before", "after", "conflict"), { maxLength: 40, size: "max" });

describe("projections in batches on DynamoDB Local: every record counted once, the newest change winning", function () {
  this.timeout(900_000);
  let engine: Engine;
  let dynamodb: DynamoDBClient;
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9" });
  let aggregate: ProjectDependencies;
  let index: ProjectDependencies;

  before(async () => {
    engine = await startDynamoDbLocal();
    dynamodb = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const deps = (spec: ProjectionSpec, target: string, ledger = ""): ProjectDependencies => ({
      dynamodb,
      s3,
      deadLetterBucket: "unused",
      spec,
      tables: { target, ledger, ledgerTtlDays: 7, countedEntriesExpire: false },
      retry: { maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 20 },
      log: { info() {}, warn() {} },
    });
    aggregate = deps(
      HITS_PER_PAGE,
      await createTable(dynamodb, "batches-hits", ["group", "S"]),
      await createTable(dynamodb, "batches-ledger", ["eventId", "S"]),
    );
    index = deps(BY_PAGE_AND_ID, await createTable(dynamodb, "batches-by-page", ["page", "S"], ["id", "S"]));
  });

  after(async () => {
    dynamodb?.destroy();
    s3.destroy();
    await engine?.stop();
  });

  const through = (deps: ProjectDependencies, faults: CallFault[]) => (records: DynamoDBRecord[]) =>
    projectBatch({ Records: records }, { ...deps, dynamodb: faultyDynamoDb(dynamodb, faults) });

  it("whatever the batches, replays, bisections, lost answers, conflicts and parallel lanes", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          changes: fc.array(changeArbitrary(6, 3), { minLength: 1, maxLength: 40, size: "max" }),
          lanes: fc.integer({ min: 1, max: 3 }),
          aggregateChoices: mappingChoices(12),
          // The index keeps no tombstones: a late duplicate of a change older than a removal would bring the removed item back, so only in-order deliveries here.
          indexChoices: mappingChoices(12).map((choices) => choices.map((c) => ({ ...c, duplicate: false }))),
          aggregateFaults: faultArbitrary,
          indexFaults: faultArbitrary,
        }),
        async ({ changes, lanes, aggregateChoices, indexChoices, aggregateFaults, indexFaults }) => {
          const prefix = `b${++run}-`;
          const history = new History(prefix);
          for (const change of changes) history.apply(change);
          await deliver(history.records, through(aggregate, aggregateFaults), { lanes, choices: aggregateChoices, finalBatch: 100 });
          await deliver(history.records, through(index, indexFaults), { lanes, choices: indexChoices, finalBatch: 100 });
          expect(await aggregatesIn(dynamodb, aggregate.tables.target, prefix), "aggregate").to.deep.equal(expectedAggregates(prefix, history.states));
          expect(await indexIn(dynamodb, index.tables.target, prefix), "index").to.deep.equal(expectedIndex(prefix, history.states));
        },
      ),
      propertySettings(60),
    );
  });

  it("writes a batch of many items and groups in transactions of at most 100 actions, each group once per transaction, exactly", async () => {
    const history = new History("large-");
    // 250 items over 40 pages, then half of them changed: one batch of 375 records.
    for (let item = 0; item < 250; item++) history.apply({ item, next: { page: `p${item % 40}`, hits: String(item % 7), note: "a" } });
    for (let item = 0; item < 250; item += 2)
      history.apply({ item, next: item % 4 === 0 ? undefined : { page: `p${(item + 1) % 40}`, hits: "2.5", note: "b" } });
    const sizes: number[] = [];
    const counting = {
      send: (command: Parameters<DynamoDBClient["send"]>[0]) => {
        if (command instanceof TransactWriteItemsCommand) {
          const items = command.input.TransactItems ?? [];
          sizes.push(items.length);
          const groups = items.filter((i) => i.Update).map((i) => i.Update!.Key!.group.S);
          expect(new Set(groups).size, "each group once").to.equal(groups.length);
        }
        return dynamodb.send(command as never);
      },
    } as Pick<DynamoDBClient, "send">;
    const outcome = await projectBatch({ Records: history.records }, { ...aggregate, dynamodb: counting });
    expect(outcome.batchItemFailures).to.deep.equal([]);
    // An item inserted and removed in the same batch changes no group: its records are skipped.
    expect(outcome.counts).to.include({ received: 375, written: 375 - 2 * 63, skipped: 2 * 63, replayed: 0, parked: 0 });
    expect(Math.max(...sizes)).to.be.at.most(TRANSACTION_LIMITS.actions);
    expect(await aggregatesIn(dynamodb, aggregate.tables.target, "large-")).to.deep.equal(expectedAggregates("large-", history.states));

    const again = await projectBatch({ Records: history.records }, aggregate);
    expect(again.counts).to.include({ written: 0, replayed: 375 });
    expect(await aggregatesIn(dynamodb, aggregate.tables.target, "large-")).to.deep.equal(expectedAggregates("large-", history.states));
  });

  it("tries a transaction a conflicting one cancelled again, with backoff, and counts it once (Why: a conflict never retried went unnoticed)", async () => {
    const history = new History("conflict-");
    for (let item = 0; item < 5; item++) history.apply({ item, next: { page: "p0", hits: "3", note: "a" } });
    const waits: number[] = [];
    const outcome = await projectBatch(
      { Records: history.records },
      {
        ...aggregate,
        dynamodb: faultyDynamoDb(dynamodb, ["conflict", "conflict"]),
        retry: { maxAttempts: 3, baseDelayMs: 8, maxDelayMs: 8, random: () => (waits.push(1), 0.5) },
      },
    );
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(waits, "two backoffs").to.have.length(2);
    expect(await aggregatesIn(dynamodb, aggregate.tables.target, "conflict-")).to.deep.equal({ "conflict-p0": { count: 5, hits: "15" } });

    const exhausted = new History("exhausted-");
    exhausted.apply({ item: 0, next: { page: "p0", hits: "1", note: "a" } });
    const failed = await projectBatch(
      { Records: exhausted.records },
      { ...aggregate, dynamodb: faultyDynamoDb(dynamodb, ["conflict", "conflict", "conflict"]), retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    expect(failed.batchItemFailures).to.deep.equal([{ itemIdentifier: exhausted.records[0].dynamodb!.SequenceNumber }]);
    expect(await aggregatesIn(dynamodb, aggregate.tables.target, "exhausted-")).to.deep.equal({});
  });

  it("counts every record once through throttled writes: transactions cancelled with a ThrottlingError reason, batch writes refused (the chaos run's bursts)", async () => {
    let share = 1;
    const proxy = await startThrottlingProxy(engine.endpoint, () => share, prng(11));
    const throttled = new DynamoDBClient({ endpoint: proxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      const history = new History("throttled-");
      for (let item = 0; item < 30; item++) history.apply({ item, next: { page: `p${item % 4}`, hits: String(item), note: "a" } });
      for (let item = 0; item < 30; item += 3) history.apply({ item, next: item % 2 ? undefined : { page: "p0", hits: "1.5", note: "b" } });
      // As the SDK reads the proxy's answer: the whole transaction cancelled, one reason per action, one of them throttling.
      const cancelled = await throttled
        .send(new TransactWriteItemsCommand({ TransactItems: [0, 1, 2].map((n) => groupPut(aggregate, `throttled-probe-${n}`)) }))
        .catch((e) => e);
      expect(cancelled).to.be.instanceOf(TransactionCanceledException);
      expect((cancelled as TransactionCanceledException).CancellationReasons?.map((r) => r.Code).sort()).to.deep.equal(["None", "None", "ThrottlingError"]);

      share = 0.5;
      const through = (deps: ProjectDependencies) => (records: DynamoDBRecord[]) => projectBatch({ Records: records }, { ...deps, dynamodb: throttled });
      await deliver(history.records, through(aggregate), { lanes: 1, choices: [], finalBatch: 7 });
      await deliver(history.records, through(index), { lanes: 1, choices: [], finalBatch: 7 });
      expect(proxy.throttled()).to.have.property("TransactWriteItems").above(0);
      expect(await aggregatesIn(dynamodb, aggregate.tables.target, "throttled-")).to.deep.equal(expectedAggregates("throttled-", history.states));
      expect(await indexIn(dynamodb, index.tables.target, "throttled-")).to.deep.equal(expectedIndex("throttled-", history.states));
    } finally {
      throttled.destroy();
      await proxy.stop();
    }
  });

  it("parks the one change DynamoDB refuses in a batch (a sum past 38 digits) and applies the rest of the batch, that item's older changes included", async () => {
    const parked: string[] = [];
    const bucket = {
      send: async (command: { input: { Body: string } }) => (parked.push(JSON.parse(command.input.Body).detail), {}),
    } as unknown as ProjectDependencies["s3"];
    const history = new History("refused-");
    history.apply({ item: 0, next: { page: "p0", hits: "99999999999999999999999999999999999999", note: "a" } });
    history.apply({ item: 1, next: { page: "p1", hits: "1", note: "a" } });
    history.apply({ item: 2, next: { page: "p0", hits: "1", note: "a" } });
    history.apply({ item: 2, next: { page: "p0", hits: "0.5", note: "b" } });
    history.apply({ item: 3, next: { page: "p1", hits: "2", note: "a" } });
    const outcome = await projectBatch({ Records: history.records }, { ...aggregate, s3: bucket });
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(outcome.counts).to.include({ written: 4, parked: 1 });
    expect(parked).to.have.length(1);
    expect(parked[0]).to.match(/^(rejected by DynamoDB: |the change to sum hits)/);
    // Item 2's newest change would pass 38 digits in p0: its older one (hits 1) counts instead.
    expect(await aggregatesIn(dynamodb, aggregate.tables.target, "refused-")).to.deep.equal({
      "refused-p0": { count: 2, hits: "100000000000000000000000000000000000000" },
      "refused-p1": { count: 2, hits: "3" },
    });
  });
});

const groupPut = (deps: ProjectDependencies, group: string) => ({ Put: { TableName: deps.tables.target, Item: { group: { S: group } } } });
