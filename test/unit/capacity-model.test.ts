import { expect } from "chai";
import { ACUS_PER_VCPU, DYNAMODB_REQUEST_SECONDS, DYNAMODB_TRANSACTION_SECONDS, FIREHOSE_REQUEST_SECONDS } from "../../capacity/assumptions";
import { ESTIMATES } from "../../capacity/estimates";
import { MiB, quotasFor, type ServiceQuotas } from "../../capacity/limits";
import { fits, headroom, loadProblems, planCapacity, stagesOf, type ExpectedLoad, type Stage } from "../../capacity/model";
import { pipelineSettings, type SettingsInput } from "../../capacity/settings";
import { archiveRecordBytes, itemBytes } from "../../capacity/sizes";

const REGION = "eu-west-1";
/** The measured figures, scaled to Lambda: CPU µs per record at one vCPU, for events up to the bench's size. */
const CPU_MICROS_PER_RECORD = ESTIMATES.cpuMicrosPerRecord;
/** A whole number of bytes no larger than the bench's events: the model costs them as the bench measured. */
const BENCH_EVENT_BYTES = Math.floor(ESTIMATES.eventBytes);
/** Rows one ACU loads a second, of rows no longer than the bench's. */
const ROWS_PER_ACU = ESTIMATES.loadRowsPerSecond / ACUS_PER_VCPU;
/** One vCPU's worth of memory: the bench's CPU figures apply unscaled. */
const ONE_VCPU = 1_769;

function plan(load: Partial<ExpectedLoad>, input: Partial<SettingsInput> = {}, granted: Partial<ServiceQuotas> = {}): Stage[] {
  const region = input.region ?? REGION;
  return planCapacity({ eventsPerSecond: 1, eventBytes: BENCH_EVENT_BYTES, ...load }, pipelineSettings({ region, ...input }), quotasFor(region, granted));
}

function stage(id: string, load: Partial<ExpectedLoad>, input: Partial<SettingsInput> = {}, granted: Partial<ServiceQuotas> = {}): Stage {
  const found = plan(load, input, granted).find((s) => s.id === id);
  if (!found) throw new Error(`the plan has no stage ${id}`);
  return found;
}

/** A stage's verdict just below, exactly at and just above its limit, where `load(x)` makes its need x. */
function verdicts(
  id: string,
  limit: number,
  load: (need: number) => Partial<ExpectedLoad>,
  input: Partial<SettingsInput> = {},
  granted: Partial<ServiceQuotas> = {},
  step = 1,
) {
  return [limit - step, limit, limit + step].map((need) => {
    const found = stage(id, load(need), input, granted);
    expect(found.need).to.be.closeTo(need, 1e-6 * need);
    return fits(found);
  });
}

/** Events just below, at and just above the rate where a stage's need, proportional to the rate, meets its limit. */
function proportionalVerdicts(id: string, input: Partial<SettingsInput> = {}, load: Partial<ExpectedLoad> = {}, probeEvents = 1) {
  const probe = stage(id, { ...load, eventsPerSecond: probeEvents }, input);
  const atLimit = (probeEvents * probe.limit) / probe.need;
  return [atLimit * (1 - 1e-9), atLimit, atLimit * (1 + 1e-9)].map((events) => fits(stage(id, { ...load, eventsPerSecond: events }, input)));
}

const BELOW_AT_ABOVE = [true, true, false];

describe("capacity model", () => {
  describe("the expected load", () => {
    it("names every problem with a load at once", () => {
      expect(loadProblems({ eventsPerSecond: 0, eventBytes: 1.5, otherStreamReaders: 21, hottestGroupShare: 0 })).to.deep.equal([
        "eventsPerSecond must be a positive number, got 0",
        "eventBytes must be a positive integer, got 1.5",
        "otherStreamReaders must be an integer from 0 to 20, got 21",
        "hottestGroupShare must be a number above 0 and at most 1, got 0",
      ]);
      expect(loadProblems({ eventsPerSecond: 0.5, eventBytes: 1 })).to.deep.equal([]);
    });

    it("refuses to plan for a load it cannot read", () => {
      expect(() => plan({ eventsPerSecond: Number.NaN })).to.throw(/expectedLoad: eventsPerSecond must be a positive number, got null/);
    });
  });

  describe("Kinesis", () => {
    it("provisioned: a shard takes 1,000 records/s", () => {
      expect(verdicts("stream.shards", 2, (shards) => ({ eventsPerSecond: shards * 1_000, eventBytes: 1 }), { stream: { shardCount: 2 } })).to.deep.equal(
        BELOW_AT_ABOVE,
      );
      expect(stage("stream.shards", { eventsPerSecond: 2_001, eventBytes: 1 }, { stream: { shardCount: 2 } }).fix).to.deep.equal({
        kind: "setting",
        key: "stream.shardCount",
        value: 3,
      });
    });

    it("provisioned: a shard takes 1 MiB/s", () => {
      const at = (bytes: number) => fits(stage("stream.shards", { eventsPerSecond: 2, eventBytes: bytes }, { stream: { shardCount: 2 } }));
      expect([at(MiB - 1), at(MiB), at(MiB + 1)]).to.deep.equal(BELOW_AT_ABOVE);
    });

    it("provisioned: the account's shard quota, 20,000 in eu-west-1 and 1,000 in eu-central-1 by default, or as granted", () => {
      expect(stage("stream.accountShards", {}, { stream: { shardCount: 5 } }).limit).to.equal(20_000);
      expect(stage("stream.accountShards", {}, { region: "eu-central-1", stream: { shardCount: 5 } }).limit).to.equal(1_000);
      const at = (shardCount: number) => fits(stage("stream.accountShards", {}, { stream: { shardCount } }, { kinesisShards: 10 }));
      expect([at(9), at(10), at(11)]).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("stream.accountShards", {}, { stream: { shardCount: 11 } }, { kinesisShards: 10 }).fix).to.deep.equal({
        kind: "quota",
        name: "kinesisShards",
        value: 11,
      });
    });

    it("on-demand: scales to 200 MiB/s of writes outside the three largest regions; beyond 10 GiB/s only several streams carry it", () => {
      const input = { region: "eu-central-1" };
      expect(verdicts("stream.onDemand", 200, (mib) => ({ eventsPerSecond: mib, eventBytes: MiB }), input)).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("stream.onDemand", { eventsPerSecond: 201, eventBytes: MiB }, input).fix).to.deep.equal({
        kind: "quota",
        name: "kinesisOnDemandMaxWriteMiBPerSecond",
        value: 201,
      });
      expect(stage("stream.onDemand", {}, {}).limit).to.equal(10_240);
      expect(stage("stream.onDemand", { eventsPerSecond: 10_241, eventBytes: MiB }).fix.kind).to.equal("design");
    });

    it("shared reads: 2 MiB/s per shard for the ingest function and every other shared-throughput reader", () => {
      // One shard written at 1 MiB/s: each shared reader reads 1 MiB/s of it.
      const load = (readers: number) => ({ eventsPerSecond: 512, eventBytes: 2_048, otherStreamReaders: readers - 1 });
      expect(verdicts("stream.read", 2, load, { stream: { shardCount: 1 } })).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("stream.read", load(3), { stream: { shardCount: 1 } }).fix).to.deep.equal({ kind: "setting", key: "fanOutConsumerName", value: 1 });
    });

    it("shared reads: with enhanced fan-out the ingest function reads on its own, and only other readers share", () => {
      expect(plan({}, { fanOut: true }).map((s) => s.id)).not.to.include("stream.read");
      const shared = stage("stream.read", { eventsPerSecond: 512, eventBytes: 2_048, otherStreamReaders: 3 }, { stream: { shardCount: 1 }, fanOut: true });
      expect(shared.need).to.equal(3);
      expect(shared.fix.kind).to.equal("advice");
    });

    it("on-demand: estimates twice the fewest shards that carry the load, and at least 4", () => {
      // 10 MiB/s needs 10 shards: an on-demand stream is taken to have 20, each read at half a MiB/s.
      expect(stage("stream.read", { eventsPerSecond: 5_120, eventBytes: 2_048 }).need).to.equal(0.5);
      expect(stage("ingest.throughput", { eventsPerSecond: 100 }).need).to.equal(25);
    });
  });

  describe("the ingest function", () => {
    const input = { stream: { shardCount: 1 }, ingest: { memorySize: ONE_VCPU } };

    it("decodes a batch at the bench's CPU per record and writes it 25 items a request, 4 requests at a time", () => {
      // 300 records: 300 × 121 µs of CPU, then 12 requests in 3 rounds of 10 ms.
      const perBatch = 300 / (300 * CPU_MICROS_PER_RECORD.ingest * 1e-6 + 3 * DYNAMODB_REQUEST_SECONDS);
      expect(stage("ingest.throughput", {}, input).limit).to.be.closeTo(perBatch, 1e-9);
      expect(stage("ingest.throughput", {}, { ...input, ingest: { memorySize: ONE_VCPU, parallelizationFactor: 3 } }).limit).to.be.closeTo(3 * perBatch, 1e-9);
    });

    it("gets a share of a vCPU proportional to its memory, and works harder on larger events", () => {
      const at = (memorySize: number, eventBytes: number) =>
        stage("ingest.throughput", { eventBytes }, { stream: { shardCount: 1 }, ingest: { memorySize, batchSize: 25, writeConcurrency: 1 } }).limit;
      const cpu = (share: number, size: number) => 25 / (25 * CPU_MICROS_PER_RECORD.ingest * 1e-6 * share * size + DYNAMODB_REQUEST_SECONDS);
      expect(at(256, BENCH_EVENT_BYTES)).to.be.closeTo(cpu(ONE_VCPU / 256, 1), 1e-9);
      expect(at(3_538, 4 * BENCH_EVENT_BYTES)).to.be.closeTo(cpu(1, (4 * BENCH_EVENT_BYTES) / ESTIMATES.eventBytes), 1e-9);
    });

    it("keeps up while one shard's records fit its concurrent batches, and says which parallelization factor would", () => {
      expect(proportionalVerdicts("ingest.throughput", input)).to.deep.equal(BELOW_AT_ABOVE);
      const perBatch = stage("ingest.throughput", {}, input).limit;
      expect(stage("ingest.throughput", { eventsPerSecond: perBatch * 2.5 }, input).fix).to.deep.equal({
        kind: "setting",
        key: "ingest.parallelizationFactor",
        value: 3,
      });
      expect(stage("ingest.throughput", { eventsPerSecond: perBatch * 10.5 }, input).fix.kind).to.equal("advice");
    });

    it("runs in the consumer account in pull mode and in the source account in push mode", () => {
      expect(stage("ingest.throughput", {}, { accessMode: "pull" }).account).to.equal("consumer");
      expect(stage("ingest.throughput", {}, { accessMode: "push" }).account).to.equal("source");
    });
  });

  describe("the dedup table", () => {
    const oneUnit = 1_024 - itemBytes(0);

    it("an item holds at most 400 KB: the event plus what the ingest function adds", () => {
      const at = (eventBytes: number) => fits(stage("table.itemSize", { eventBytes }));
      const largest = 409_600 - itemBytes(0);
      expect([at(largest - 1), at(largest), at(largest + 1)]).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("table.itemSize", { eventBytes: largest + 1 }).fix).to.deep.equal({
        kind: "advice",
        text: `events under ${largest} bytes: keep large payloads in S3 and send their key`,
      });
    });

    it("on-demand: takes 40,000 write units a second by default, a write unit per KB of item", () => {
      expect(verdicts("table.writes", 40_000, (units) => ({ eventsPerSecond: units, eventBytes: oneUnit }))).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("table.writes", { eventsPerSecond: 20_001, eventBytes: oneUnit + 1 }).need).to.equal(40_002);
      expect(stage("table.writes", { eventsPerSecond: 40_001, eventBytes: oneUnit }).fix).to.deep.equal({
        kind: "quota",
        name: "dynamodbTableWriteUnits",
        value: 40_001,
      });
      expect(stage("table.writes", { eventsPerSecond: 40_001, eventBytes: oneUnit }, {}, { dynamodbTableWriteUnits: 50_000 }).limit).to.equal(50_000);
    });

    it("provisioned: takes what autoscaling may give, ten times the minimum unless maxWrite says", () => {
      const table = (capacity: { read: number; write: number; maxWrite?: number }) => ({ table: { billingMode: "PROVISIONED" as const, capacity } });
      expect(stage("table.writes", {}, table({ read: 5, write: 100 })).limit).to.equal(1_000);
      expect(
        verdicts("table.writes", 1_500, (units) => ({ eventsPerSecond: units, eventBytes: oneUnit }), table({ read: 5, write: 100, maxWrite: 1_500 })),
      ).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("table.writes", { eventsPerSecond: 1_501, eventBytes: oneUnit }, table({ read: 5, write: 100, maxWrite: 1_500 })).fix).to.deep.equal({
        kind: "setting",
        key: "table.capacity.maxWrite",
        value: 1_501,
      });
      // Past the table-level quota, the quota binds first.
      expect(stage("table.writes", { eventsPerSecond: 50_000, eventBytes: oneUnit }, table({ read: 5, write: 100, maxWrite: 60_000 })).fix).to.deep.equal({
        kind: "quota",
        name: "dynamodbTableWriteUnits",
        value: 50_000,
      });
    });

    it("spreads each shard's writes over 100 hash keys, each good for a partition's 1,000 write units", () => {
      expect(
        verdicts("table.keySpread", 1_000, (units) => ({ eventsPerSecond: units * 100, eventBytes: oneUnit }), { stream: { shardCount: 1 } }),
      ).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("table.keySpread", { eventsPerSecond: 100_001, eventBytes: oneUnit }, { stream: { shardCount: 1 } }).fix).to.deep.equal({
        kind: "setting",
        key: "stream.shardCount",
        value: 2,
      });
    });

    it("lets at most two readers share its stream: the forward function and one projection", () => {
      const projections = (n: number) => ({
        projections: Array.from({ length: n }, (_, i) => ({ name: `p${i}`, projection: { kind: "index" as const, hashKey: "useremail" } })),
      });
      expect([0, 1, 2].map((n) => fits(stage("tableStream.readers", {}, projections(n))))).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("tableStream.readers", {}, projections(2)).fix.kind).to.equal("design");
    });
  });

  /** A provisioned table of 200,000 write units: 200 stream shards, each with a 200th of the events. */
  const provisionedTable = { billingMode: "PROVISIONED" as const, capacity: { read: 1, write: 200_000, maxWrite: 200_000 } };

  describe("the forward function", () => {
    const input = { table: provisionedTable, archive: { forward: { memorySize: ONE_VCPU } } };

    it("puts a batch of 100 in one PutRecordBatch call, after the bench's CPU per record", () => {
      const perBatch = 100 / (100 * CPU_MICROS_PER_RECORD.forward * 1e-6 + FIREHOSE_REQUEST_SECONDS);
      expect(stage("forward.throughput", {}, input).limit).to.be.closeTo(perBatch, 1e-9);
    });

    it("splits a batch into calls of at most 500 records or 4 MiB", () => {
      const big = 4 * MiB - archiveRecordBytes(0);
      const perBatch = 100 / (100 * CPU_MICROS_PER_RECORD.forward * 1e-6 * (big / ESTIMATES.eventBytes) + 100 * FIREHOSE_REQUEST_SECONDS);
      expect(stage("forward.throughput", { eventBytes: big }, input).limit).to.be.closeTo(perBatch, 1e-9);
    });

    it("keeps up while a table stream shard's records fit its concurrent batches", () => {
      // Batches of 10 records, a call each: slow enough to fall behind before the table's 200 stream shards grow.
      const small = { ...input, archive: { forward: { memorySize: 128, batchSize: 10 } } };
      expect(proportionalVerdicts("forward.throughput", small)).to.deep.equal(BELOW_AT_ABOVE);
      const perBatch = stage("forward.throughput", {}, small).limit;
      expect(stage("forward.throughput", { eventsPerSecond: 200 * perBatch * 1.2 }, small).fix).to.deep.equal({
        kind: "setting",
        key: "archive.forward.parallelizationFactor",
        value: 2,
      });
    });

    it("estimates an on-demand table's stream shards from twice its writes, at least 4", () => {
      expect(stage("forward.throughput", { eventsPerSecond: 100 }).need).to.equal(25);
      expect(stage("forward.throughput", { eventsPerSecond: 10_000, eventBytes: 1_024 - itemBytes(0) }).need).to.equal(500);
    });
  });

  describe("Firehose Direct PUT", () => {
    it("takes 5 MiB/s in eu-west-1 and 1 MiB/s in eu-central-1 by default", () => {
      const at = (eventBytes: number, region = REGION) => fits(stage("firehose.bytes", { eventBytes }, { region }));
      const largest = 5 * MiB - archiveRecordBytes(0);
      expect([at(largest - 1), at(largest), at(largest + 1)]).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("firehose.bytes", {}, { region: "eu-central-1" }).limit).to.equal(1);
      expect(stage("firehose.bytes", { eventBytes: largest + 1 }).fix).to.deep.equal({ kind: "quota", name: "firehoseMiBPerSecond", value: 6 });
    });

    it("takes 500,000 records/s in eu-west-1; more records means a higher byte quota, as the three scale together", () => {
      expect(verdicts("firehose.records", 500_000, (records) => ({ eventsPerSecond: records, eventBytes: 1 }))).to.deep.equal(BELOW_AT_ABOVE);
      // 600,000 records/s need 6 MiB/s of the byte quota; their bytes (each archive record carries the item's key and times) need more, and that one value is asked for.
      const short = { eventsPerSecond: 600_000, eventBytes: 1 };
      const fix = stage("firehose.records", short).fix;
      expect(fix).to.deep.equal(stage("firehose.bytes", short).fix);
      expect(fix).to.include({ kind: "quota", name: "firehoseMiBPerSecond" }).and.to.have.property("value").at.least(6);
      expect(stage("firehose.records", { eventsPerSecond: 600_000, eventBytes: 1 }, {}, { firehoseMiBPerSecond: 6 }).limit).to.equal(600_000);
    });

    it("takes 2,000 calls/s; calls carry up to a batch, 500 records or what arrived in the batching window", () => {
      const input = { archive: { forward: { maximumBatchingWindowInSeconds: 10 } } };
      expect(verdicts("firehose.requests", 2_000, (calls) => ({ eventsPerSecond: calls * 100, eventBytes: 1 }), input)).to.deep.equal(BELOW_AT_ABOVE);
      const short = { eventsPerSecond: 200_100, eventBytes: 1 };
      expect(stage("firehose.requests", short, input).fix).to.deep.equal(stage("firehose.bytes", short, input).fix);
      expect(fits(stage("firehose.requests", short, input, { firehoseMiBPerSecond: 6 }))).to.equal(true);
    });

    it("asks for one value of the byte quota, the highest any of its three stages needs (Why: plan showed 1,352, 10 and 40 MiB/s for one quota)", () => {
      // 1,000,000 events/s of 1 KiB: the bytes need 1,352 MiB/s, the records alone 10, the calls alone 40.
      const firehose = plan({ eventsPerSecond: 1_000_000, eventBytes: 1_024 }).filter((s) => s.id.startsWith("firehose."));
      expect(firehose.map((s) => s.id)).to.deep.equal(["firehose.bytes", "firehose.records", "firehose.requests"]);
      expect(firehose.every((s) => !fits(s))).to.equal(true);
      expect(firehose.map((s) => s.fix)).to.deep.equal(Array(3).fill({ kind: "quota", name: "firehoseMiBPerSecond", value: 1_352 }));
      // Each table takes the table-level quota: the dedup table's and the projection's ask for the same value.
      const tables = plan(
        { eventsPerSecond: 100_000, eventBytes: 1_024 },
        { projections: [{ name: "p", projection: { kind: "aggregate", groupBy: ["page_id"] } }] },
      ).filter((s) => s.id.endsWith(".writes"));
      expect(new Set(tables.map((s) => JSON.stringify(s.fix))).size).to.equal(1);
    });

    it("suggests the batching window that fills calls enough, when one does", () => {
      // 200 stream shards of 200 records/s: a caught-up mapping sends 50 records a call, 800 calls/s.
      const input = { table: provisionedTable };
      const load = { eventsPerSecond: 40_000, eventBytes: 1 };
      expect(stage("firehose.requests", load, input).need).to.equal(800);
      const short = stage("firehose.requests", load, input, { firehoseRequestsPerSecond: 600 });
      expect(short.fix).to.deep.equal({ kind: "setting", key: "archive.forward.maximumBatchingWindowInSeconds", value: 1 });
      expect(
        fits(stage("firehose.requests", load, { ...input, archive: { forward: { maximumBatchingWindowInSeconds: 1 } } }, { firehoseRequestsPerSecond: 600 })),
      ).to.equal(true);
    });
  });

  describe("projections", () => {
    const index = { name: "by-user", projection: { kind: "index" as const, hashKey: "useremail" }, project: { memorySize: ONE_VCPU } };
    const aggregate = { name: "hits", projection: { kind: "aggregate" as const, groupBy: ["page_id"] }, project: { memorySize: ONE_VCPU } };

    it("a batch at a time: an index makes a write per record, 16 at once; an aggregate, transactions of up to 100 actions (an entry per item, an update per group) one after another", () => {
      // 100 records: 7 rounds of index writes; 200 actions at most, 2 transactions.
      expect(stage("projection.by-user.throughput", {}, { projections: [index] }).limit).to.be.closeTo(
        100 / (100 * CPU_MICROS_PER_RECORD.projectIndex * 1e-6 + 7 * DYNAMODB_REQUEST_SECONDS),
        1e-9,
      );
      expect(stage("projection.hits.throughput", {}, { projections: [aggregate] }).limit).to.be.closeTo(
        100 / (100 * CPU_MICROS_PER_RECORD.projectAggregate * 1e-6 + 2 * DYNAMODB_TRANSACTION_SECONDS),
        1e-9,
      );
      const smaller = { ...aggregate, project: { memorySize: ONE_VCPU, batchSize: 10 } };
      expect(stage("projection.hits.throughput", {}, { projections: [smaller] }).limit).to.be.closeTo(
        10 / (10 * CPU_MICROS_PER_RECORD.projectAggregate * 1e-6 + DYNAMODB_TRANSACTION_SECONDS),
        1e-9,
      );
    });

    it("carries a table stream shard's 1,000 writes a second at the default memory, an index and an aggregate alike (Why: one record at a time capped an aggregate at about 50 a second)", () => {
      const defaults = [
        { ...index, project: undefined },
        { ...aggregate, project: undefined },
      ];
      for (const name of ["by-user", "hits"]) expect(stage(`projection.${name}.throughput`, {}, { projections: defaults }).limit, name).to.be.at.least(1_000);
    });

    it("keeps up while a table stream shard's records fit its concurrent batches; past 10, a larger batch or more memory would", () => {
      // Batches of one record: slow enough to fall behind a shard's writes.
      const one = (projection: typeof index | typeof aggregate) => ({
        table: provisionedTable,
        projections: [{ ...projection, project: { memorySize: ONE_VCPU, batchSize: 1 } }],
      });
      expect(proportionalVerdicts("projection.by-user.throughput", one(index))).to.deep.equal(BELOW_AT_ABOVE);
      const perBatch = stage("projection.by-user.throughput", {}, one(index)).limit;
      expect(stage("projection.by-user.throughput", { eventsPerSecond: 200 * perBatch * 2.5 }, one(index)).fix).to.deep.equal({
        kind: "setting",
        key: "projections[0].project.parallelizationFactor",
        value: 3,
      });
      const perTransaction = stage("projection.hits.throughput", {}, one(aggregate)).limit;
      expect(stage("projection.hits.throughput", { eventsPerSecond: 200 * perTransaction * 10.5 }, one(aggregate)).fix).to.deep.equal({
        kind: "advice",
        text: "a larger projections[0].project.batchSize (more records per write round trip) or memorySize (more CPU per batch)",
      });
    });

    it("an index table takes an item's write units per event, an aggregate two per event (transactions), both against the table quota", () => {
      expect(proportionalVerdicts("projection.by-user.writes", { projections: [index] }, { eventBytes: 2_000 })).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("projection.by-user.writes", { eventsPerSecond: 100, eventBytes: 2_000 }, { projections: [index] }).need).to.equal(300);
      expect(stage("projection.hits.writes", { eventsPerSecond: 100, eventBytes: 2_000 }, { projections: [aggregate] }).need).to.equal(200);
    });

    it("an aggregate's busiest group is one item: 1,000 write units, 500 transactions a second", () => {
      const input = { projections: [aggregate] };
      expect(verdicts("projection.hits.hotKey", 1_000, (units) => ({ eventsPerSecond: units / 2 / 0.1 }), input)).to.deep.equal(BELOW_AT_ABOVE);
      expect(fits(stage("projection.hits.hotKey", { eventsPerSecond: 5_000, hottestGroupShare: 0.11 }, input))).to.equal(false);
      expect(stage("projection.hits.hotKey", { eventsPerSecond: 5_001 }, input).fix.kind).to.equal("design");
      expect(plan({}, { projections: [index] }).map((s) => s.id)).not.to.include("projection.by-user.hotKey");
    });
  });

  describe("the archive and the loader", () => {
    it("S3 takes 3,500 PUTs a second under the one hourly prefix Firehose writes to", () => {
      expect(proportionalVerdicts("s3.objects", { archive: { delivery: { bufferSizeMiB: 1 } } }, {}, 1e6)).to.deep.equal(BELOW_AT_ABOVE);
      // At a trickle, Firehose still writes an object every buffer interval.
      expect(stage("s3.objects", { eventsPerSecond: 1 }, { archive: { delivery: { bufferIntervalSeconds: 60 } } }).need).to.equal(1 / 60);
    });

    it("Aurora loads a quarter of the measured rows per vCPU a second per ACU, up to its maximum capacity, fewer of longer rows", () => {
      expect(stage("aurora.rows", {}).limit).to.be.closeTo(4 * ROWS_PER_ACU, 1e-9);
      expect(proportionalVerdicts("aurora.rows")).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("aurora.rows", { eventsPerSecond: 4 * ROWS_PER_ACU + 1 }).fix).to.deep.equal({
        kind: "setting",
        key: "aurora.database.maxCapacity",
        value: 4.5,
      });
      const longer = (2 * ESTIMATES.loadRowBytes) / ESTIMATES.csvBytesPerEventByte;
      expect(stage("aurora.rows", { eventBytes: Math.round(longer) }, { aurora: { database: { maxCapacity: 8 } } }).limit).to.be.closeTo(
        (8 * ROWS_PER_ACU * ESTIMATES.loadRowBytes) / (Math.round(longer) * ESTIMATES.csvBytesPerEventByte),
        1e-6,
      );
    });

    it("past 256 ACUs, the largest Serverless v2 cluster, the load path itself must change", () => {
      expect(stage("aurora.rows", { eventsPerSecond: 255.9 * ROWS_PER_ACU }).fix).to.deep.equal({
        kind: "setting",
        key: "aurora.database.maxCapacity",
        value: 256,
      });
      expect(stage("aurora.rows", { eventsPerSecond: 256 * ROWS_PER_ACU + 1 }).fix.kind).to.equal("design");
    });

    it("runs as many loads at once as the loader reserves; past it, a larger reservation while the cluster has the connections, else a larger cluster", () => {
      const rows = ESTIMATES.loadRowsPerSecond;
      expect(stage("aurora.loaders", {}).limit).to.equal(67);
      expect(stage("aurora.loaders", { eventsPerSecond: 3.5 * rows }, { aurora: { load: { maximumConcurrency: 2 } } }).fix).to.deep.equal({
        kind: "setting",
        key: "aurora.load.maximumConcurrency",
        value: 4,
      });
      expect(stage("aurora.loaders", { eventsPerSecond: 70 * rows }).fix).to.deep.equal({ kind: "setting", key: "aurora.database.maxCapacity", value: 8 });
      // Half the connections of a large cluster is more than an account with Lambda's default quota can reserve: at most 100 unless given.
      expect(stage("aurora.loaders", {}, { aurora: { database: { maxCapacity: 16 } } }).limit).to.equal(100);
      expect(stage("aurora.loaders", {}, { aurora: { database: { maxCapacity: 16 }, load: { maximumConcurrency: 800 } } }).limit).to.equal(800);
    });

    it("has no Aurora stage when the stack keeps only the archive", () => {
      expect(plan({}, { aurora: { enabled: false } }).map((s) => s.id)).not.to.include("aurora.rows");
    });
  });

  describe("Lambda concurrency", () => {
    it("counts every function of an account: mappings at shards × parallelization factor, the transform as busy, and the loader's reservation with 100 left unreserved", () => {
      // 100 events/s: 4 stream shards and 4 table stream shards (both on-demand minimums), one busy transform.
      const load = { eventsPerSecond: 100 };
      const noLoader = { aurora: { enabled: false } };
      expect(stage("lambda.consumer", load, noLoader).need).to.equal(4 + 4 + 1);
      const projections = [{ name: "by-user", projection: { kind: "index" as const, hashKey: "useremail" }, project: { parallelizationFactor: 3 } }];
      expect(stage("lambda.consumer", load, { ...noLoader, ingest: { parallelizationFactor: 2 }, projections }).need).to.equal(8 + 4 + 12 + 1);
      const push = plan(load, { ...noLoader, accessMode: "push" });
      expect(stagesOf(push, "source").find((s) => s.id === "lambda.source")!.need).to.equal(4);
      expect(stagesOf(push, "consumer").find((s) => s.id === "lambda.consumer")!.need).to.equal(4 + 1);
      // The loader reserves 67 (half the 135 connections at 4 ACUs) out of the pool, used or not, and Lambda keeps 100 of it unreserved.
      expect(stage("lambda.consumer", load).need).to.equal(67 + 100);
      expect(stage("lambda.consumer", load, { aurora: { load: { maximumConcurrency: 5 } } }).need).to.equal(5 + 100);
    });

    it("takes 1,000 concurrent executions by default, or the granted quota", () => {
      expect(stage("lambda.consumer", {}).limit).to.equal(1_000);
      const at = (quota: number) => fits(stage("lambda.consumer", { eventsPerSecond: 100 }, {}, { lambdaConcurrency: quota }));
      expect([at(168), at(167), at(166)]).to.deep.equal(BELOW_AT_ABOVE);
      expect(stage("lambda.consumer", { eventsPerSecond: 100 }, {}, { lambdaConcurrency: 166 }).fix).to.deep.equal({
        kind: "quota",
        name: "lambdaConcurrency",
        value: 167,
      });
    });
  });

  describe("the plan", () => {
    it("gives each stage's headroom as limit over need", () => {
      const table = stage("table.writes", { eventsPerSecond: 10_000, eventBytes: 1_024 - itemBytes(0) });
      expect(headroom(table)).to.equal(4);
    });

    it("marks the stages whose limits rest on the bench's figures as estimated", () => {
      const estimated = plan({}, { projections: [{ name: "p", projection: { kind: "index", hashKey: "u" } }] })
        .filter((s) => s.basis === "estimated")
        .map((s) => s.id);
      expect(estimated).to.deep.equal(["ingest.throughput", "forward.throughput", "projection.p.throughput", "aurora.rows"]);
    });

    it("cites an AWS documentation page for every published limit, and the bench figures for every estimated one", () => {
      const aggregate = { name: "hits", projection: { kind: "aggregate" as const, groupBy: ["page_id"] } };
      for (const s of [...plan({}, { projections: [aggregate] }), ...plan({}, { stream: { shardCount: 1 }, accessMode: "push" })]) {
        expect(s.source, s.id).to.match(s.basis === "published" ? /^https:\/\/docs\.aws\.amazon\.com\/[\w./#-]+$/ : /^capacity\/measured-figures\.json$/);
      }
    });

    it("splits the stages between the accounts: the stream in the source, the rest in the consumer", () => {
      const stages = plan({}, { stream: { shardCount: 2 } });
      expect(stagesOf(stages, "source").map((s) => s.id)).to.deep.equal(["stream.shards", "stream.accountShards", "stream.read"]);
      expect(stagesOf(stages, "consumer").map((s) => s.id)).to.include.members([
        "ingest.throughput",
        "table.writes",
        "firehose.bytes",
        "aurora.rows",
        "lambda.consumer",
      ]);
    });
  });
});
