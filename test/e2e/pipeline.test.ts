import { expect } from "chai";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import { runClickstream, type RunSummary } from "../../local/run";
import { startLocalPipeline, type LocalPipeline } from "../../local/runtime/pipeline";
import { countItems } from "../../local/tables";
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
    ...Object.values(stages.projections).map(({ functionName }) => [functionName, "dynamodb"] as [string, EventKind]),
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
      expect(handle.pipeline!.throttledWrites()).to.be.greaterThan(0);
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
