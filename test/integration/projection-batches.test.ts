import { DynamoDBClient, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import * as fc from "fast-check";
import { TRANSACTION_LIMITS } from "../../functions/project/write-limits";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { type IndexSpec, type ProjectionSpec } from "../../functions/project/spec";
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
  scanAll,
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
  /** An index keyed by page alone: items on one page share its key. */
  let byPageAlone: ProjectDependencies;

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
    byPageAlone = deps({ kind: "index", hashKey: "page" }, await createTable(dynamodb, "batches-by-page-alone", ["page", "S"]));
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

  /** A dead-letter bucket that keeps what is parked: each parked record's item id and reason, by object key (a redelivered record overwrites its own). */
  function parkingBucket() {
    const parked = new Map<string, { item: string; detail: string }>();
    const s3 = {
      send: async (command: { input: { Key: string; Body: string } }) => {
        const { record, detail } = JSON.parse(command.input.Body) as { record: DynamoDBRecord; detail: string };
        parked.set(command.input.Key, { item: record.dynamodb!.Keys!.id.S!, detail });
        return {};
      },
    } as unknown as ProjectDependencies["s3"];
    return { parked, s3 };
  }

  /** The index keyed by page alone under `prefix`: which item each page's index item copies, with its values. */
  async function copiesByPage(prefix: string): Promise<Record<string, { id: string; hits: string; note: string; sourceItem: string }>> {
    const items = (await scanAll(dynamodb, byPageAlone.tables.target)).map((i) => unmarshall(i)).filter((i) => String(i.page).startsWith(prefix));
    return Object.fromEntries(items.map((i) => [i.page, { id: i.id, hits: String(i.hits), note: i.note, sourceItem: i.sourceItem }]));
  }

  const HELD = /^the index item under .* copies another item of the table \(\[\["id",\{"S":".*"\}\]\]\): an index holds one item per key/;

  it("never lets one item's change overwrite or delete another item's copy when items share an index key (Why: the removal of either deleted the one index item)", async () => {
    const { parked, s3 } = parkingBucket();
    const lines: { message: string; reason?: unknown }[] = [];
    const history = new History("shared-");
    history.apply({ item: 0, next: { page: "p0", hits: "1", note: "a" } });
    history.apply({ item: 1, next: { page: "p0", hits: "2", note: "a" } });
    history.apply({ item: 1, next: undefined });
    const outcome = await projectBatch(
      { Records: history.records.slice(0, 2) },
      { ...byPageAlone, s3, log: { info: (message, extra) => void lines.push({ message, reason: extra?.reason }), warn() {} } },
    );
    expect(outcome.counts).to.include({ written: 1, parked: 1 });
    expect([...parked.values()]).to.have.length(1);
    expect([...parked.values()][0])
      .to.include({ item: "shared-i1" })
      .and.property("detail")
      .match(HELD);
    const removal = await projectBatch(
      { Records: history.records.slice(2) },
      { ...byPageAlone, s3, log: { info: (message, extra) => void lines.push({ message, reason: extra?.reason }), warn() {} } },
    );
    expect(removal.counts).to.include({ skipped: 1, written: 0, parked: 0 });
    expect(lines.find((l) => l.message === LOG_MESSAGES.skippedRecord)?.reason).to.match(/copies another item of the table .*, not this one$/);
    expect(await copiesByPage("shared-")).to.deep.equal({ "shared-p0": { id: "shared-i0", hits: "1", note: "a", sourceItem: '[["id",{"S":"shared-i0"}]]' } });
  });

  it("gives an index key to the item that takes it in the batch where the item holding it leaves", async () => {
    const { parked, s3 } = parkingBucket();
    const history = new History("handover-");
    history.apply({ item: 0, next: { page: "p0", hits: "1", note: "a" } });
    history.apply({ item: 1, next: { page: "p1", hits: "2", note: "a" } });
    history.apply({ item: 1, next: { page: "p0", hits: "3", note: "b" } });
    history.apply({ item: 0, next: undefined });
    await projectBatch({ Records: history.records.slice(0, 2) }, { ...byPageAlone, s3 });
    const outcome = await projectBatch({ Records: history.records.slice(2) }, { ...byPageAlone, s3 });
    expect(outcome.counts).to.include({ written: 2, parked: 0 });
    expect(parked.size).to.equal(0);
    expect(await copiesByPage("handover-")).to.deep.equal({
      "handover-p0": { id: "handover-i1", hits: "3", note: "b", sourceItem: '[["id",{"S":"handover-i1"}]]' },
    });
  });

  it("takes over a copy written before copies recorded their item by a newer change only, and one past its expiry in an index whose items expire", async () => {
    const { parked, s3 } = parkingBucket();
    const history = new History("legacy-");
    history.apply({ item: 1, next: { page: "p0", hits: "2", note: "b" } });
    history.apply({ item: 2, next: { page: "p1", hits: "3", note: "c" } });
    const [older, newer] = history.records.map((r) => r.dynamodb!.SequenceNumber!);
    const copyOfItem0 = (page: string, sequence: string, extra: Record<string, AttributeValue> = {}) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: byPageAlone.tables.target,
          Item: {
            page: { S: `legacy-${page}` },
            id: { S: "legacy-i0" },
            hits: { N: "1" },
            note: { S: "a" },
            sourceSequence: { S: sequence.padStart(40, "0") },
            ...extra,
          },
        }),
      );
    // Between the two records' sequence numbers: item 1's older change is a replay to it, item 2's newer one takes it over.
    const between = String(BigInt(older) + 1n);
    await copyOfItem0("p0", between);
    await copyOfItem0("p1", between);
    const outcome = await projectBatch({ Records: history.records }, { ...byPageAlone, s3 });
    expect(outcome.counts).to.include({ written: 1, replayed: 1, parked: 0 });
    expect(await copiesByPage("legacy-")).to.deep.include({ "legacy-p1": { id: "legacy-i2", hits: "3", note: "c", sourceItem: '[["id",{"S":"legacy-i2"}]]' } });
    expect((await copiesByPage("legacy-"))["legacy-p0"].id, "a replay to it").to.equal("legacy-i0");
    expect(parked.size).to.equal(0);
    expect(newer > between).to.equal(true);

    const expiring = { ...byPageAlone, spec: { kind: "index", hashKey: "page", ttlDays: 1 } as IndexSpec };
    const later = new History("legacy-", 200_000_000_000);
    later.apply({ item: 3, next: { page: "p2", hits: "4", note: "d" } });
    later.apply({ item: 4, next: { page: "p3", hits: "5", note: "e" } });
    const owned = { sourceItem: { S: '[["id",{"S":"legacy-i0"}]]' } };
    await copyOfItem0("p2", "1", { ...owned, expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } });
    await copyOfItem0("p3", "1", { ...owned, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3_600) } });
    const taken = await projectBatch({ Records: later.records }, { ...expiring, s3 });
    expect(taken.counts).to.include({ written: 1, parked: 1 });
    const copies = await copiesByPage("legacy-");
    expect([copies["legacy-p2"].id, copies["legacy-p3"].id]).to.deep.equal(["legacy-i3", "legacy-i0"]);
  });

  it("when items share an index key, whatever the batches, lost answers and parallel lanes: each index item is a live item's newest state, and every other item on its key is parked", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          changes: fc.array(changeArbitrary(5, 2), { minLength: 1, maxLength: 30, size: "max" }),
          lanes: fc.integer({ min: 1, max: 3 }),
          choices: mappingChoices(8).map((choices) => choices.map((c) => ({ ...c, duplicate: false }))),
          faults: faultArbitrary,
        }),
        async ({ changes, lanes, choices, faults }) => {
          const prefix = `s${++run}-`;
          const history = new History(prefix);
          for (const change of changes) history.apply(change);
          const { parked, s3 } = parkingBucket();
          const deps = { ...byPageAlone, s3, dynamodb: faultyDynamoDb(dynamodb, faults) };
          await deliver(history.records, (records) => projectBatch({ Records: records }, deps), { lanes, choices, finalBatch: 100 });

          const copies = await copiesByPage(prefix);
          for (const [page, copy] of Object.entries(copies)) {
            const state = history.states.get(Number(copy.id.slice(`${prefix}i`.length)));
            expect(state && `${prefix}${state.page}`, `${page} copies a live item on it`).to.equal(page);
            expect({ hits: copy.hits, note: copy.note, sourceItem: copy.sourceItem }, `${page} holds its item's newest state`).to.deep.equal({
              hits: String(Number(state!.hits)),
              note: state!.note,
              sourceItem: JSON.stringify([["id", { S: copy.id }]]),
            });
          }
          const newest = new Map(history.records.map((r) => [r.dynamodb!.Keys!.id.S!, r.dynamodb!.SequenceNumber!]));
          const parkedSequences = new Set([...parked.keys()].map((key) => key.replace(/^.*\/(\d+)\.json$/, "$1")));
          for (const [item, state] of history.states) {
            const id = `${prefix}i${item}`;
            if (state.page === undefined || copies[`${prefix}${state.page}`]?.id === id) continue;
            expect(parkedSequences.has(newest.get(id)!), `${id} on ${state.page}: indexed, or its newest change parked`).to.equal(true);
          }
          for (const { detail } of parked.values()) expect(detail).to.match(HELD);
          const removals = new Set(history.records.filter((r) => r.eventName === "REMOVE").map((r) => r.dynamodb!.SequenceNumber!));
          expect(
            [...parkedSequences].filter((sequence) => removals.has(sequence)),
            "a removal is never parked",
          ).to.deep.equal([]);
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
