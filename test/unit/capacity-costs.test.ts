import { expect } from "chai";
import { costTotals, costsOf, dedupTableSize, runningCosts, type Cost } from "../../capacity/costs";
import { ESTIMATES } from "../../capacity/estimates";
import { acusFor, cpuSeconds, forwardBatchSeconds, ingestBatchSeconds } from "../../capacity/model";
import { pipelineSettings, type SettingsInput } from "../../capacity/settings";
import { archiveRecordBytes, itemBytes } from "../../capacity/sizes";

/** Seconds in AWS's 730-hour month, and bytes in a GB as AWS bills them. */
const MONTH = 730 * 3_600;
const GB = 2 ** 30;
const close = (actual: number, expected: number) => expect(actual).to.be.closeTo(expected, Math.abs(expected) * 1e-9 + 1e-12);

function costs(load: { eventsPerSecond: number; eventBytes: number }, input: Partial<SettingsInput> = {}): Map<string, Cost> {
  return new Map(runningCosts(load, pipelineSettings({ region: "eu-west-1", ...input })).map((c) => [c.id, c]));
}

/** 1,000 events/s of 600 bytes: smaller than the bench's events, so the model costs them as it measured; 2,628 million events a month. */
const LOAD = { eventsPerSecond: 1_000, eventBytes: 600 };

describe("running costs", () => {
  describe("at 1,000 events/s of 600 bytes, the components' defaults (checked by hand)", () => {
    const lines = costs(LOAD);
    const line = (id: string) => {
      const found = lines.get(id);
      if (!found) throw new Error(`no cost ${id}; there are ${[...lines.keys()].join(", ")}`);
      return found;
    };

    it("the event sizes the lines below rest on", () => {
      expect([itemBytes(600), archiveRecordBytes(600)]).to.deep.equal([775, 993]);
    });

    it("an on-demand stream: 730 stream-hours, each 600-byte record billed as 1 KB in, the bytes as they are out to the ingest function", () => {
      close(line("kinesis.stream").perMonth, 730 * 0.04); // $29.20
      close(line("kinesis.writes").quantity, (1_000 * 1_024 * MONTH) / GB); // 2,506.26 GB
      close(line("kinesis.writes").perMonth, ((1_000 * 1_024 * MONTH) / GB) * 0.08); // $200.50
      close(line("kinesis.reads").perMonth, ((1_000 * 600 * MONTH) / GB) * 0.04); // $58.74
      expect(costsOf(runningCosts(LOAD, pipelineSettings({ region: "eu-west-1" })), "source").map((c) => c.id)).to.deep.equal([
        "kinesis.stream",
        "kinesis.writes",
        "kinesis.reads",
      ]);
    });

    it("the ingest function: a 250-record batch per poll of each of the 4 shards, 4 invocations a second, each as long as the model's batch time", () => {
      close(line("lambda.ingest.requests").quantity, (4 * MONTH) / 1e6); // 10.5 million
      close(line("lambda.ingest.requests").perMonth, ((4 * MONTH) / 1e6) * 0.2); // $2.10
      const settings = pipelineSettings({ region: "eu-west-1" });
      close(line("lambda.ingest.duration").quantity, 4 * ingestBatchSeconds(settings, 600, 250) * MONTH * (256 / 1_024));
      close(line("lambda.ingest.duration").perMonth, line("lambda.ingest.duration").quantity * 0.0000133334);
    });

    it("the dedup table: a write request unit per 775-byte item; 5 days of items (3 to expire, 2 until deleted) of 875 billed bytes, stored and backed up", () => {
      close(line("dynamodb.table.writes").perMonth, ((1_000 * MONTH) / 1e6) * 0.625); // $1,642.50
      const bytes = 1_000 * 875 * 5 * 86_400; // 352 GB
      close(line("dynamodb.table.storage").quantity, bytes / GB);
      close(line("dynamodb.table.storage").perMonth, (bytes / GB) * 0.25); // $88.01
      close(line("dynamodb.table.pitr").perMonth, (bytes / GB) * 0.2); // $70.41
      expect(line("dynamodb.table.storage").grows).to.equal(false);
      expect(line("dynamodb.stream.reads").perMonth).to.equal(0);
    });

    it("the archive: forward 62.5 records per poll of each of 4 table stream shards; Firehose bills each 993-byte record as 5 KB; an S3 object per 5 MiB", () => {
      close(line("lambda.forward.requests").quantity, (16 * MONTH) / 1e6);
      close(line("lambda.forward.duration").quantity, 16 * forwardBatchSeconds(pipelineSettings({ region: "eu-west-1" }), 600, 62.5) * MONTH * (256 / 1_024));
      close(line("firehose.ingestion").perMonth, ((1_000 * 5_120 * MONTH) / GB) * 0.029); // $363.41
      const transformRecords = 1_048_576 / 993; // a 1 MiB buffer
      close(line("lambda.transform.requests").quantity, ((1_000 / transformRecords) * MONTH) / 1e6);
      close(line("lambda.transform.duration").quantity, 1_000 * cpuSeconds("transform", 600, 256) * MONTH * (256 / 1_024));
      const csvBytes = 1_000 * 600 * ESTIMATES.csvBytesPerEventByte;
      close(line("s3.puts").perMonth, (((csvBytes / (5 * 1_048_576)) * MONTH) / 1_000) * 0.005);
      close(line("s3.storage").perMonth, ((csvBytes * MONTH) / GB) * 0.023);
      expect(line("s3.storage").grows).to.equal(true);
    });

    it("Aurora at its minimum 0.5 ACU, which carries 1,000 rows a second", () => {
      close(line("aurora.capacity").perMonth, 0.5 * 730 * 0.12); // $43.80
      expect(line("aurora.storage").grows).to.equal(true);
    });

    it("each line per million events is its month over the 2,628 million events of the month; the totals leave out what grows", () => {
      for (const cost of lines.values()) close(cost.perMillionEvents, cost.perMonth / 2_628);
      const all = [...lines.values()];
      const totals = costTotals(all);
      close(
        totals.perMonth,
        all.filter((c) => !c.grows).reduce((sum, c) => sum + c.perMonth, 0),
      );
      close(totals.growsPerMonth, line("s3.storage").perMonth + line("aurora.storage").perMonth);
    });
  });

  describe("as the settings change them", () => {
    it("a provisioned stream: shard-hours, PUT payload units of 25 KB begun, retention past 24 hours, the fan-out consumer's shard-hours and bytes", () => {
      const lines = costs({ eventsPerSecond: 100, eventBytes: 30_000 }, { stream: { shardCount: 4, retentionHours: 48 }, fanOut: true });
      close(lines.get("kinesis.shards")!.perMonth, 4 * 730 * 0.015); // $43.80
      close(lines.get("kinesis.writes")!.quantity, (100 * 2 * MONTH) / 1e6); // two units per 30,000-byte record
      close(lines.get("kinesis.retention")!.perMonth, 4 * 730 * 0.02); // $58.40
      close(lines.get("kinesis.fanOut")!.perMonth, 4 * 730 * 0.015);
      close(lines.get("kinesis.reads")!.perMonth, ((100 * 30_000 * MONTH) / GB) * 0.013);
      expect(costs({ eventsPerSecond: 100, eventBytes: 30_000 }, { stream: { shardCount: 4 } }).has("kinesis.retention")).to.equal(false);
    });

    it("a provisioned table: the capacity autoscaling keeps at 70% for the load, or its minimum", () => {
      const table = (write: number) => ({ table: { billingMode: "PROVISIONED" as const, capacity: { read: 5, write } } });
      close(costs(LOAD, table(100)).get("dynamodb.table.writes")!.perMonth, (1_000 / 0.7) * 730 * 0.00065); // $677.86
      close(costs(LOAD, table(5_000)).get("dynamodb.table.writes")!.perMonth, 5_000 * 730 * 0.00065);
    });

    it("an aggregate writes four units per event (an entry and a group update, each a transaction); an index an item's", () => {
      const aggregate = costs(LOAD, { projections: [{ name: "hits", projection: { kind: "aggregate", groupBy: ["page_id"] } }] });
      close(aggregate.get("dynamodb.projection.hits.writes")!.perMonth, ((4 * 1_000 * MONTH) / 1e6) * 0.625);
      const index = costs(
        { eventsPerSecond: 1_000, eventBytes: 1_024 },
        { projections: [{ name: "by-user", projection: { kind: "index", hashKey: "useremail" } }] },
      );
      close(index.get("dynamodb.projection.by-user.writes")!.perMonth, ((2 * 1_000 * MONTH) / 1e6) * 0.625); // 1,199-byte items: 2 units
    });

    it("Aurora at the ACUs the load needs, past a maximum too low to carry it, as writes are costed past a quota (Why: plan costed 1,000,000 rows/s at the default 4 ACUs)", () => {
      const load = { eventsPerSecond: 100_000, eventBytes: 600 };
      const acus = acusFor(100_000, 600);
      expect(acus).to.be.above(pipelineSettings({ region: "eu-west-1" }).aurora!.maxCapacity);
      close(costs(load).get("aurora.capacity")!.perMonth, acus * 730 * 0.12);
      close(costs({ eventsPerSecond: 10_000_000, eventBytes: 600 }).get("aurora.capacity")!.quantity, 256 * 730); // Serverless v2's most
    });

    it("no loader, no Aurora and no GETs when the stack keeps only the archive", () => {
      const ids = [...costs(LOAD, { aurora: { enabled: false } }).keys()];
      expect(ids.filter((id) => /aurora|lambda\.load|s3\.gets/.test(id))).to.deep.equal([]);
    });
  });

  describe("the dedup table's size", () => {
    const settings = (input: Partial<SettingsInput>) => pipelineSettings({ region: "eu-west-1", ...input });

    it("steady when items expire: events/s × billed item bytes × (expiry window + 2 days of deletion lag)", () => {
      // The example configs: 2,000 events/s of 1 KiB, prod keeping records 48 hours: 4 days to expire.
      const size = dedupTableSize({ eventsPerSecond: 2_000, eventBytes: 1_024 }, settings({ stream: { retentionHours: 48 } }));
      expect(size).to.deep.equal({ kind: "steady", bytes: 2_000 * 1_299 * 6 * 86_400, itemBytes: 1_299, keptDays: 6, expireAfterDays: 4 });
      expect(Math.round(size.kind === "steady" ? size.bytes / GB : 0)).to.equal(1_254);
    });

    it("growing by a month's items a month when they never expire, and its storage a cost that grows", () => {
      const never = settings({ table: { expireItems: false } });
      expect(dedupTableSize({ eventsPerSecond: 2_000, eventBytes: 1_024 }, never)).to.deep.equal({
        kind: "growing",
        bytesPerMonth: 2_000 * 1_299 * MONTH,
        itemBytes: 1_299,
      });
      const storage = runningCosts({ eventsPerSecond: 2_000, eventBytes: 1_024 }, never).find((c) => c.id === "dynamodb.table.storage")!;
      expect(storage).to.include({ grows: true, unit: "GB added" });
      close(storage.perMonth, ((2_000 * 1_299 * MONTH) / GB) * 0.25);
    });
  });
});
