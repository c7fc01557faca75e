import { DeleteItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import { runClickstream, type RunSummary } from "../../local/run";
import { startLocalPipeline, type LocalPipeline } from "../../local/runtime/pipeline";
import { countItems } from "../../engines/tables";
import { nonConformance, type EventKind } from "../support/aws-event-schemas";

/** The local pipeline, started for one describe block and stopped after it. */
function withPipeline(accessMode: "pull" | "push", options: { throttle?: () => number } = {}) {
  const handle: { pipeline?: LocalPipeline } = {};
  before(async () => {
    handle.pipeline = await startLocalPipeline({ accessMode, dynamodbThrottleShare: options.throttle });
  });
  after(async () => handle.pipeline?.stop());
  return handle;
}

/** Checks every event the runtime hands a function against AWS's format for the kind its stage receives. */
function checkEvents(pipeline: LocalPipeline) {
  const { stages } = pipeline;
  const kinds = new Map<string, EventKind>([
    [stages.ingest, "kinesis"],
    [stages.forward, "dynamodb"],
    // Every projection, of the dedup table or of the source's shared table, reads a DynamoDB stream.
    ...pipeline.functions
      .all()
      .filter((fn) => "PROJECTION" in fn.environment)
      .map(({ name }) => [name, "dynamodb"] as [string, EventKind]),
    [stages.transform, "firehose"],
    [stages.load, "s3"],
  ]);
  const seen: Record<EventKind, number> = { kinesis: 0, dynamodb: 0, firehose: 0, s3: 0 };
  const problems: string[] = [];
  pipeline.functions.beforeInvoke = (name, event) => {
    const kind = kinds.get(name);
    if (!kind) return void problems.push(`${name} plays no known part`);
    seen[kind] += 1;
    problems.push(...nonConformance(kind, event).map((problem) => `${name}: ${problem}`));
  };
  return { seen, problems };
}

const expectConforming = ({ seen, problems }: ReturnType<typeof checkEvents>) => {
  expect(problems.slice(0, 10)).to.deep.equal([]);
  for (const [kind, count] of Object.entries(seen)) expect(count, `${kind} events`).to.be.greaterThan(0);
};

const expectExact = (summary: RunSummary) => {
  expect(summary.lost, "lost").to.equal(0);
  expect(summary.duplicated, "duplicated").to.equal(0);
  expect(summary.loadedRows).to.equal(summary.valid);
  expect(summary.dedupItems).to.equal(summary.valid);
  expect(summary.projections["hits-per-page"].count, "aggregate count").to.equal(summary.valid);
};

describe("the whole pipeline on local engines", function () {
  this.timeout(300_000);

  describe("pull mode, a clean run", () => {
    const handle = withPipeline("pull");
    let summary: RunSummary;
    let events: ReturnType<typeof checkEvents>;

    before(async () => {
      events = checkEvents(handle.pipeline!);
      summary = await runClickstream(handle.pipeline!, { events: 2_000, rate: 4_000, malformedShare: 0.03, duplicateShare: 0.1, seed: 1 });
    });

    it("ends with every valid event as one row and every malformed event parked with its reason", () => {
      expectExact(summary);
      expect(Object.values(summary.rejected).reduce((a, b) => a + b, 0)).to.equal(summary.malformed);
      expect(Object.keys(summary.rejected).sort()).to.deep.equal(["item-too-large", "not-an-object", "not-json"]);
    });

    it("keeps each user's score exact in poc from prod's shared GameScoreRecords table, across accounts (the cross-account DynamoDB Streams design)", async () => {
      const pipeline = handle.pipeline!;
      const { dynamodb } = pipeline.clients;
      const sharedTable = pipeline.outputs.prod.sharedTableName as string;
      const users = ["jane", "li", "amir", "zoe"];
      const final = new Map<number, { user: string; score: number }>();
      for (let id = 1; id <= 60; id++) {
        const record = { user: users[id % users.length], score: (id * 37) % 101 };
        await dynamodb.send(
          new PutItemCommand({
            TableName: sharedTable,
            Item: { RecordID: { N: String(id) }, Username: { S: record.user }, Score: { N: String(record.score) } },
          }),
        );
        final.set(id, record);
      }
      // Corrections and deletions, as a game backend makes them: MODIFY and REMOVE must move the sums.
      for (const id of [3, 10, 17]) {
        await dynamodb.send(
          new PutItemCommand({ TableName: sharedTable, Item: { RecordID: { N: String(id) }, Username: { S: final.get(id)!.user }, Score: { N: "1000" } } }),
        );
        final.set(id, { ...final.get(id)!, score: 1000 });
      }
      for (const id of [4, 22]) {
        await dynamodb.send(new DeleteItemCommand({ TableName: sharedTable, Key: { RecordID: { N: String(id) } } }));
        final.delete(id);
      }
      await pipeline.drain();
      const expected = new Map<string, { count: number; score: number }>();
      for (const { user, score } of final.values())
        expected.set(user, { count: (expected.get(user)?.count ?? 0) + 1, score: (expected.get(user)?.score ?? 0) + score });
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: pipeline.outputs.poc.sharedTableProjectionTables["scores-by-user"] }));
      const actual = new Map(Items.map((item) => [item.group.S!, { count: Number(item.count.N), score: Number(item.score.N) }]));
      expect(Object.fromEntries(actual)).to.deep.equal(Object.fromEntries(expected));
    });

    it("hands every function its events in AWS's format (Kinesis, DynamoDB stream, Firehose, S3), as Powertools' parser schemas encode it", () => {
      expectConforming(events);
    });
  });

  describe("push mode", () => {
    const handle = withPipeline("push");
    let summary: RunSummary;
    let events: ReturnType<typeof checkEvents>;

    before(async () => {
      events = checkEvents(handle.pipeline!);
      summary = await runClickstream(handle.pipeline!, { events: 800, rate: 4_000, malformedShare: 0.02, duplicateShare: 0.1, seed: 2 });
    });

    it("writes through the writer role and ends exact too", () => {
      expectExact(summary);
    });

    it("hands the source account's ingest function Kinesis events in AWS's format too", () => {
      expectConforming(events);
    });
  });

  describe("pull mode under faults", () => {
    let throttleShare = 0;
    const handle = withPipeline("pull", { throttle: () => throttleShare });
    let summary: RunSummary;

    before(async () => {
      const pipeline = handle.pipeline!;
      let ingestCalls = 0;
      let loaderCalls = 0;
      pipeline.functions.beforeInvoke = (name) => {
        // The ingest function crashes once, mid-run; the database is down for the first load attempts.
        if (name.startsWith("clicks-ingest") && ++ingestCalls === 3) throw new Error("Runtime.ExitError: the function crashed mid-batch");
        if (name.startsWith("clicks-load") && ++loaderCalls <= 2) throw new Error("connect ECONNREFUSED: the database is down");
      };
      throttleShare = 0.2;
      let refused = 0;
      pipeline.firehose.refuse = () => refused < 200 && Math.random() < 0.2 && ++refused > 0;
      pipeline.notifications.deliveries = 2;
      summary = await runClickstream(pipeline, { events: 1_500, rate: 4_000, malformedShare: 0.02, duplicateShare: 0.2, seed: 3 });
      throttleShare = 0;
    });

    it("loses and duplicates nothing through a crash, throttling, Firehose failures, a database down and doubled S3 events", () => {
      expectExact(summary);
      expect(handle.pipeline!.throttledWrites().BatchWriteItem).to.be.greaterThan(0);
      expect(handle.pipeline!.notifications.counts.events).to.be.greaterThan(handle.pipeline!.firehose.counts.objects);
    });

    it("stays exact when the ingest mapping is re-created and reads the stream again from the trim horizon", async () => {
      const pipeline = handle.pipeline!;
      const before = pipeline.mappings.counts.batches;
      await pipeline.restartMapping("clicks-ingest");
      await pipeline.drain();
      expect(pipeline.mappings.counts.batches).to.be.greaterThan(before);
      expect(await countItems(pipeline.clients.dynamodb, pipeline.outputs.poc.tableName)).to.equal(summary.valid);
      const { host, port, user, password, name, table } = pipeline.database;
      const connection = await createConnection({ host, port, user, password });
      const [[counts]] = await connection.query<RowDataPacket[]>("SELECT COUNT(*) AS n, COUNT(DISTINCT dedup_key) AS keys_ FROM ??.??", [name, table]);
      await connection.end();
      expect([Number(counts.n), Number(counts.keys_)]).to.deep.equal([summary.valid, summary.valid]);
    });
  });
});
