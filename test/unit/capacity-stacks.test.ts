import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { PRICES_NOTE } from "../../capacity/prices";
import { stackConfig, up } from "../support/stacks";

/** Runs `run`, collecting what the program warns about its capacity. */
async function capacityWarnings<T>(run: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const log = pulumi.log as { warn: (message: string) => void };
  const original = log.warn;
  log.warn = (message: string) => {
    if (message.startsWith("capacity:")) warnings.push(message);
    else original(message);
  };
  try {
    return { result: await run(), warnings };
  } finally {
    log.warn = original;
  }
}

const tenThousand = JSON.stringify({ eventsPerSecond: 10_000, eventBytes: 1_024 });

describe("capacity checked at preview", () => {
  describe("the consumer stack", () => {
    it("warns, naming the stage, what it needs, its limit and the fix, when the config cannot carry the load", async () => {
      const { result, warnings } = await capacityWarnings(() => up("consumer", { expectedLoad: tenThousand }));
      expect(warnings).to.deep.equal([
        "capacity: Firehose Direct PUT throughput [firehose.bytes] needs 13.5 MiB/s for 10,000 events/s of 1,024 bytes, over its limit of 5: " +
          "request a Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it) of 14, then declare it in serviceQuotas.firehoseMiBPerSecond",
      ]);
      expect(result.outputs.capacityHeadroom["firehose.bytes"]).to.deep.equal({ need: 13.51, limit: 5, unit: "MiB/s", headroom: 0.37 });
    });

    it("says nothing when the config carries the load, and reports each stage's headroom", async () => {
      const config = { expectedLoad: tenThousand, serviceQuotas: JSON.stringify({ firehoseMiBPerSecond: 14 }) };
      const { result, warnings } = await capacityWarnings(() => up("consumer", config));
      expect(warnings).to.deep.equal([]);
      const headroom = result.outputs.capacityHeadroom as Record<string, { headroom: number }>;
      expect(Object.keys(headroom)).to.include.members(["ingest.throughput", "table.writes", "firehose.bytes", "aurora.rows", "lambda.consumer"]);
      expect(Object.keys(headroom)).not.to.include("stream.onDemand");
      for (const [id, stage] of Object.entries(headroom)) expect(stage.headroom, id).to.be.at.least(1);
    });

    it("fails the preview instead, with every shortfall, when capacityCheck is fail", async () => {
      const config = { expectedLoad: JSON.stringify({ eventsPerSecond: 100_000, eventBytes: 1_024 }), capacityCheck: "fail" };
      const failure = await up("consumer", config).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure).to.be.instanceOf(pulumi.RunError);
      expect(failure!.message).to.match(/^stack "poc" cannot carry its expectedLoad \(capacityCheck is "fail"\):\n {2}- capacity: /);
      expect(failure!.message).to.include("[table.writes] needs 200,000 WRU/s");
      expect(failure!.message).to.include("[aurora.rows]");
    });

    it("takes the source stream's shard count from the source stack", async () => {
      const source = { streamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics", streamShardCount: 20 };
      const { outputs } = await up("consumer", { expectedLoad: tenThousand }, source);
      expect(outputs.capacityHeadroom["ingest.throughput"].need).to.equal(500);
    });

    it("has no capacity output without an expected load", async () => {
      const { outputs } = await up("consumer", {});
      expect(outputs).not.to.have.property("capacityHeadroom");
    });

    it("names every problem with the capacity config at once", async () => {
      const config = {
        expectedLoad: JSON.stringify({ eventsPerSecond: -1, eventBytes: 1_024 }),
        capacityCheck: "sometimes",
        serviceQuotas: JSON.stringify({ lambdaConcurency: 2_000, firehoseMiBPerSecond: "10" }),
      };
      const failure = await up("consumer", config).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure!.message).to.equal(
        'stack "poc": invalid config:\n' +
          "  - expectedLoad.eventsPerSecond must be a positive number, got -1\n" +
          '  - capacityCheck must be one of "warn", "fail", got "sometimes"\n' +
          "  - serviceQuotas.lambdaConcurency is not a quota the capacity model knows; known: lambdaConcurrency, kinesisShards, kinesisOnDemandMaxWriteMiBPerSecond, dynamodbTableWriteUnits, firehoseMiBPerSecond, firehoseRequestsPerSecond, firehoseRecordsPerSecond\n" +
          '  - serviceQuotas.firehoseMiBPerSecond must be a positive number, got "10"',
      );
    });
  });

  describe("the source stack", () => {
    it("warns when its shards cannot carry the load, and tells the consumer stack its shard count", async () => {
      const config = { expectedLoad: tenThousand, stream: JSON.stringify({ shardCount: 8 }) };
      const { result, warnings } = await capacityWarnings(() => up("source", config));
      expect(warnings).to.deep.equal([
        "capacity: Kinesis shards (1 MiB/s or 1,000 records/s each) [stream.shards] needs 10 shards for 10,000 events/s of 1,024 bytes, over its limit of 8: set stream.shardCount to 10",
      ]);
      expect(result.outputs.streamShardCount).to.equal(8);
      expect(Object.keys(result.outputs.capacityHeadroom)).to.deep.equal(["stream.shards", "stream.accountShards", "stream.read"]);
    });

    it("checks the push function where it runs, in push mode", async () => {
      // The least memory and batches of 10, a write round trip each: too slow for a shard's 1,000 records a second.
      const config = {
        accessMode: "push",
        expectedLoad: tenThousand,
        stream: JSON.stringify({ shardCount: 10 }),
        ingest: JSON.stringify({ memorySize: 128, batchSize: 10 }),
      };
      const { result, warnings } = await capacityWarnings(() => up("source", config));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(
        /^capacity: Ingest function, records\/s per source shard \[ingest\.throughput\] needs 1,000 records\/s per source shard .* \(estimated\): set ingest\.parallelizationFactor to [2-9]$/,
      );
      expect(result.outputs.capacityHeadroom).to.have.property("lambda.source");
    });
  });

  describe("the running cost", () => {
    /** Runs `run`, collecting the preview's running-cost line. */
    async function costLines<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
      const lines: string[] = [];
      const log = pulumi.log as { info: (message: string) => void };
      const original = log.info;
      log.info = (message: string) => (message.startsWith("running cost:") ? lines.push(message) : original(message));
      try {
        return { result: await run(), lines };
      } finally {
        log.info = original;
      }
    }

    it("gives each stack's side at its expected load: per line, per million events and per month, with the prices' source, and the dedup table's size", async () => {
      const config = { expectedLoad: JSON.stringify({ eventsPerSecond: 2_000, eventBytes: 1_024 }), stream: JSON.stringify({ retentionHours: 48 }) };
      const consumer = await costLines(() => up("consumer", { expectedLoad: config.expectedLoad, sourceStreamRetentionHours: "48" }));
      const cost = consumer.result.outputs.runningCost as {
        perMonth: number;
        perMillionEvents: number;
        growsPerMonth: number;
        prices: string;
        lines: Record<string, { perMonth: number; unit: string; grows: boolean }>;
      };
      expect(cost.prices).to.equal(PRICES_NOTE);
      expect(Object.keys(cost.lines)).to.include.members([
        "lambda.ingest.duration",
        "dynamodb.table.writes",
        "dynamodb.table.storage",
        "firehose.ingestion",
        "aurora.capacity",
      ]);
      expect(Object.keys(cost.lines)).not.to.include("kinesis.stream");
      expect(cost.lines["dynamodb.table.writes"]).to.deep.include({ perMonth: 6_570, unit: "million write request units" });
      const steady = Object.values(cost.lines).filter((line) => !line.grows);
      expect(cost.perMonth).to.be.closeTo(
        steady.reduce((sum, line) => sum + line.perMonth, 0),
        0.05,
      );
      expect(consumer.lines).to.have.length(1);
      expect(consumer.lines[0]).to.match(
        /^running cost: \$[\d,]+ a month, \$[\d.]+ per million events at 2,000 events\/s in this account, and \$[\d,.]+ more each month for storage that is kept \(AWS list prices for us-east-1, checked [\d-]+ \(capacity\/prices\.ts\); npm run plan gives each line\)\. Dedup table: 2,000 events\/s × 1,299 bytes an item × 6 days \(4 until items expire, then 2 until DynamoDB deletes them\) = 1,254 GB at steady state; \$564 a month with point-in-time recovery\.$/,
      );
      const source = await costLines(() => up("source", config));
      expect(Object.keys((source.result.outputs.runningCost as { lines: object }).lines)).to.deep.equal(["kinesis.stream", "kinesis.writes", "kinesis.reads"]);
      expect(source.lines[0]).to.match(/^running cost: \$[\d,.]+ a month, .* in this account \(AWS list prices/);
    });

    it("has no running cost without an expected load", async () => {
      expect((await up("consumer", {})).outputs).not.to.have.property("runningCost");
    });
  });

  describe("the example configs", () => {
    it("carry the load they declare, in both stacks", async () => {
      const { warnings } = await capacityWarnings(async () => {
        const poc1 = await up("consumer", stackConfig("poc"), {});
        const prod = await up("source", stackConfig("prod"), poc1.outputs);
        await up("consumer", stackConfig("poc"), prod.outputs);
      });
      expect(warnings).to.deep.equal([]);
    });
  });
});
