import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runningCosts } from "../../capacity/costs";
import { quotasFor } from "../../capacity/limits";
import { headroom, planCapacity } from "../../capacity/model";
import { PRICES_CHECKED } from "../../capacity/prices";
import { formatNumber, formatRatio } from "../../capacity/report";
import { pipelineSettings } from "../../capacity/settings";
import { UsageError } from "../../tools/cli-args";
import { planReport } from "../../tools/plan";
import { parsePlanArgs, type PlanRequest } from "../../tools/plan-args";
import { runEntry } from "../support/command-line";

const ROOT = join(__dirname, "..", "..");
const parse = (...args: string[]) => parsePlanArgs(args) as PlanRequest;
const usageError = (...args: string[]) => {
  try {
    parsePlanArgs(args);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${args.join(" ")} was accepted`);
};

describe("npm run plan", () => {
  describe("arguments", () => {
    it("takes the load, and plans the components' defaults in eu-west-1", () => {
      const request = parse("--events-per-second", "2500.5", "--event-bytes", "800");
      expect(request.load).to.deep.equal({ eventsPerSecond: 2500.5, eventBytes: 800 });
      expect(request.input).to.include({ region: "eu-west-1", fanOut: false });
      expect(request.input.stream).to.equal(undefined);
      expect(request.granted).to.deep.equal({});
    });

    it("says which argument is missing or wrong, every problem in one line", () => {
      expect(usageError("--event-bytes", "800")).to.equal("--events-per-second is required (or expectedLoad.eventsPerSecond in a --config file)");
      expect(usageError("--events-per-second", "10k", "--event-bytes", "800")).to.equal('--events-per-second takes a number above 0, got "10k"');
      expect(usageError("--events-per-second", "0", "--event-bytes", "1.5")).to.equal(
        '--events-per-second takes a number above 0, got "0"; --event-bytes takes a whole number of at least 1, got "1.5"',
      );
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--shards", "2.5")).to.equal(
        '--shards takes a whole number of at least 1, got "2.5"',
      );
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--quota", "lambda=5")).to.match(
        /^--quota lambda=5: no quota "lambda"; known: lambdaConcurrency, /,
      );
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--quota", "lambdaConcurrency=0")).to.equal(
        "--quota lambdaConcurrency=0: the value must be a number above 0",
      );
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--hottest-group-share", "2")).to.equal(
        '--hottest-group-share takes a number above 0 and at most 1, got "2"',
      );
      expect(usageError("--events", "1")).to.equal("unknown option --events (did you mean --events-per-second?)");
    });

    it("calls a negative number out of range, not an ambiguous argument", () => {
      expect(usageError("--events-per-second", "-5", "--event-bytes", "800")).to.equal('--events-per-second takes a number above 0, got "-5"');
      expect(usageError("--events-per-second", "5", "--event-bytes", "800", "--quota", "lambdaConcurrency=-5")).to.equal(
        "--quota lambdaConcurrency=-5: the value must be a number above 0",
      );
    });

    it("checks a load from a config file as the flags are checked, naming the setting", () => {
      const dir = mkdtempSync(join(tmpdir(), "plan-"));
      writeFileSync(join(dir, "zero.yaml"), "config:\n  stream-replication:expectedLoad:\n    eventsPerSecond: 0\n    eventBytes: 512\n");
      expect(usageError("--config", join(dir, "zero.yaml"))).to.equal("expectedLoad.eventsPerSecond (--events-per-second) must be a positive number, got 0");
    });

    it("reads the stacks' config files: their settings, region, load and granted quotas", () => {
      const request = parse("--config", join(ROOT, "Pulumi.prod.yaml"), "--config", join(ROOT, "Pulumi.poc.yaml"), "--quota", "lambdaConcurrency=3000");
      expect(request.load).to.deep.equal({ eventsPerSecond: 2000, eventBytes: 1024 });
      expect(request.input.region).to.equal("eu-west-1");
      expect(request.input.fanOut).to.equal(true);
      expect(request.input.projections![0].project).to.deep.equal({ parallelizationFactor: 3 });
      expect(request.granted).to.deep.equal({ lambdaConcurrency: 3000 });
      const flags = parse("--config", join(ROOT, "Pulumi.poc.yaml"), "--events-per-second", "9", "--shards", "4", "--region", "us-east-1");
      expect(flags.load.eventsPerSecond).to.equal(9);
      expect(flags.input.stream).to.deep.equal({ shardCount: 4 });
      expect(flags.input.region).to.equal("us-east-1");
    });

    it("says which config file it cannot read", () => {
      const dir = mkdtempSync(join(tmpdir(), "plan-"));
      writeFileSync(join(dir, "empty.yaml"), "name: x\n");
      expect(usageError("--config", join(dir, "empty.yaml"))).to.equal(`--config ${join(dir, "empty.yaml")}: no "config:" block, as a Pulumi.<stack>.yaml has`);
      expect(usageError("--config", join(dir, "missing.yaml"))).to.match(/^--config .*missing\.yaml: ENOENT/);
    });
  });

  describe("the table", () => {
    const example = () => parse("--config", join(ROOT, "Pulumi.prod.yaml"), "--config", join(ROOT, "Pulumi.poc.yaml"));
    /** The plan's stage rows, by stage: need, limit, unit, headroom, fix. */
    const stageRows = (text: string) =>
      new Map(
        [...text.matchAll(/^([a-z][\w.-]*\.[\w.-]+) {2,}(\S+) {2,}(~?\S+) {2,}(.+?) {2,}(\S+x) {2,}(.+)$/gm)].map((m) => [
          m[1],
          { need: m[2], limit: m[3], unit: m[4], headroom: m[5], fix: m[6] },
        ]),
      );

    it("lists every stage of both accounts, and says when every stage carries the load", () => {
      const request = example();
      const { text, fits } = planReport(request);
      expect(fits).to.equal(true);
      expect(text).to.match(
        /^2,000 events\/s of 1,024 bytes, an on-demand stream, eu-west-1, pull mode\n\nsource account\nstage +need +limit +unit +headroom +fix\nstream\.onDemand /,
      );
      expect(text).to.match(/\nconsumer account\nstage +need +limit/);
      const stages = planCapacity(request.load, pipelineSettings(request.input), quotasFor("eu-west-1", request.granted));
      const projection = stages.find((st) => st.id === "projection.by-user.throughput")!;
      expect(stageRows(text).get("projection.by-user.throughput")).to.deep.equal({
        need: "250",
        limit: `~${formatNumber(projection.limit)}`,
        unit: "records/s per table stream shard",
        headroom: formatRatio(headroom(projection)),
        fix: "ok",
      });
      expect(text.endsWith("Every stage carries this load.")).to.equal(true);
    });

    it("labels every per-shard figure per shard (Why: plan gave records/s where it meant per shard)", () => {
      const { text } = planReport(
        parse("--events-per-second", "5000", "--event-bytes", "800", "--shards", "8", "--other-stream-readers", "1", "--config", join(ROOT, "Pulumi.poc.yaml")),
      );
      const rows = stageRows(text);
      expect(rows.get("ingest.throughput")!.unit).to.equal("records/s per source shard");
      expect(rows.get("forward.throughput")!.unit).to.equal("records/s per table stream shard");
      expect(rows.get("projection.by-user.throughput")!.unit).to.equal("records/s per table stream shard");
      expect(rows.get("stream.read")!.unit).to.equal("MiB/s per shard");
      expect(rows.get("table.keySpread")!.unit).to.equal("WCU/s per hash key");
    });

    it("gives each quota one value, in the table and in what would carry the load (Why: 1,352, 10 and 40 MiB/s for one quota at 1,000,000 events/s)", () => {
      const { text, fits } = planReport(parse("--events-per-second", "1000000", "--event-bytes", "1024", "--region", "eu-central-1"));
      expect(fits).to.equal(false);
      const quotaValues = new Map<string, Set<string>>();
      for (const { fix } of stageRows(text).values()) {
        const quota = /^quota (\w+): (\S+)$/.exec(fix);
        if (quota) quotaValues.set(quota[1], (quotaValues.get(quota[1]) ?? new Set()).add(quota[2]));
      }
      expect(quotaValues.get("firehoseMiBPerSecond")).to.deep.equal(new Set(["1,352"]));
      for (const [quota, values] of quotaValues) expect([...values], quota).to.have.length(1);
      expect(text).to.include("cannot carry this load. What would:\n");
      expect(text).to.include(
        "  - request a Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it) of 1,352, then declare it in serviceQuotas.firehoseMiBPerSecond\n",
      );
      expect(text).to.match(/\n {2}- set aurora\.database\.maxCapacity to \d+(\.5)?\n/);
      expect(text).to.include("  - request a Kinesis on-demand write maximum, MiB/s (support case) of 977");
    });

    it("writes every number one way: thousands separated, whole from 100, three significant digits below (Why: two formats in one table)", () => {
      const loads = [
        ["100", "500"],
        ["2500.5", "800"],
        ["1000000", "1024"],
      ];
      const shown = (value: number) => (value >= 100 ? Math.round(value) : Number(value.toPrecision(3)));
      const read = (cell: string) => Number(cell.replace(/[~,x]/g, ""));
      for (const [events, bytes] of loads) {
        const request = parse("--events-per-second", events, "--event-bytes", bytes, "--region", "eu-central-1");
        const { text } = planReport(request);
        const rows = stageRows(text);
        for (const stage of planCapacity(request.load, pipelineSettings(request.input), quotasFor("eu-central-1"))) {
          const row = rows.get(stage.id)!;
          expect([read(row.need), read(row.limit)], stage.id).to.deep.equal([shown(stage.need), shown(stage.limit)]);
          if (Number.isFinite(headroom(stage))) expect(read(row.headroom), stage.id).to.equal(shown(headroom(stage)));
          const fixValue = /: ([\d,.]+)$/.exec(row.fix)?.[1];
          if (fixValue && "value" in stage.fix) expect(read(fixValue), stage.id).to.equal(shown(stage.fix.value));
        }
        for (const line of text.split("\n").filter((l) => !/^npm run|https?:/.test(l))) {
          // Every number in the output: separated in thousands (1,352), or a small one with at most three significant digits (0.000742, 13.5).
          for (const [number] of line
            .replace(/\bv\d+\.\d+\.\d+|\d{4}-\d\d-\d\d|[\w.]*\[\d+\][\w.]*/g, "")
            .matchAll(/(?<![\w.-])\d(?:[\d,]*\d)?(?:\.\d+)?(?!\w)/g)) {
            expect(number, line).to.match(/^(\d{1,3}(,\d{3})*|0\.0*[1-9]\d{0,2}|[1-9]\d?\.\d{1,2}|[1-9]\.\d{1,2})$/);
          }
        }
      }
    });

    it("gives the running cost of each account, line by line, per million events and per month, with the prices' source and date", () => {
      const request = example();
      const { text } = planReport(request);
      expect(text).to.include(`Running cost at 2,000 events/s all month, AWS list prices for us-east-1, checked ${PRICES_CHECKED} (capacity/prices.ts):`);
      const costs = runningCosts(request.load, pipelineSettings(request.input));
      for (const cost of costs)
        expect(text).to.match(
          new RegExp(
            `\\n${cost.id.replace(/\./g, "\\.")} +${formatNumber(cost.quantity)} +${cost.unit} +\\$${formatNumber(cost.perMillionEvents).replace(/\./g, "\\.")} +\\+?\\$${formatNumber(cost.perMonth).replace(/\./g, "\\.")}`,
          ),
        );
      expect(text.match(/^total +\$[\d.,]+ +\$[\d.,]+$/gm)).to.have.length(2);
      expect(text).to.match(
        /\nDedup table: 2,000 events\/s × 1,299 bytes an item × 6 days \(4 until items expire, then 2 until DynamoDB deletes them\) = 1,254 GB at steady state; \$564 a month with point-in-time recovery\.\n/,
      );
    });
  });

  describe("the command", function () {
    this.timeout(30_000);
    const run = (...args: string[]) => runEntry("tools/plan-cli.ts", args, { forbidSideEffects: true });

    it("exits 0 when the load fits, 1 when it does not, 2 with one line pointing to --help for a bad argument", () => {
      const fitting = run("--events-per-second", "100", "--event-bytes", "500");
      expect(fitting.status, fitting.stderr).to.equal(0);
      expect(fitting.stdout).to.include("Every stage carries this load.");
      expect(run("--events-per-second", "100000", "--event-bytes", "1024").status).to.equal(1);
      expect(run("--event-bytes", "500")).to.deep.equal({
        status: 2,
        stdout: "",
        stderr: "--events-per-second is required (or expectedLoad.eventsPerSecond in a --config file); see npm run plan -- --help\n",
      });
    });

    it("answers --help with its options and exit statuses, exit 0", () => {
      const help = run("--help");
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/^npm run plan -- --events-per-second <n> --event-bytes <n> \[options\]\n/);
      expect(help.stdout).to.include("  --quota <name>=<value>").and.include("Exit status: 0 when every stage carries the load; 1 when one does not;");
    });
  });
});
