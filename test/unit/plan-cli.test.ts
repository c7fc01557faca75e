import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
      expect(usageError("--events-per-second", "0", "--event-bytes", "1.5")).to.equal('--events-per-second takes a number above 0, got "0"; --event-bytes takes a whole number of at least 1, got "1.5"');
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--shards", "2.5")).to.equal('--shards takes a whole number of at least 1, got "2.5"');
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--quota", "lambda=5")).to.match(/^--quota lambda=5: no quota "lambda"; known: lambdaConcurrency, /);
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--quota", "lambdaConcurrency=0")).to.equal("--quota lambdaConcurrency=0: the value must be a number above 0");
      expect(usageError("--events-per-second", "1", "--event-bytes", "1", "--hottest-group-share", "2")).to.equal('--hottest-group-share takes a number above 0 and at most 1, got "2"');
      expect(usageError("--events", "1")).to.equal("unknown option --events (did you mean --events-per-second?)");
    });

    it("calls a negative number out of range, not an ambiguous argument", () => {
      expect(usageError("--events-per-second", "-5", "--event-bytes", "800")).to.equal('--events-per-second takes a number above 0, got "-5"');
      expect(usageError("--events-per-second", "5", "--event-bytes", "800", "--quota", "lambdaConcurrency=-5")).to.equal("--quota lambdaConcurrency=-5: the value must be a number above 0");
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
    it("lists every stage of both accounts, and says when every stage carries the load", () => {
      const { text, fits } = planReport(parse("--config", join(ROOT, "Pulumi.prod.yaml"), "--config", join(ROOT, "Pulumi.poc.yaml")));
      expect(fits).to.equal(true);
      expect(text).to.match(/^2,000 events\/s of 1,024 bytes, an on-demand stream, eu-west-1, pull mode\n\nsource account\nstage +need +limit +unit +headroom +fix\nstream\.onDemand /);
      expect(text).to.match(/\nconsumer account\nstage +need +limit/);
      expect(text).to.match(/\nprojection\.by-user\.throughput +250 +~3,218 +records\/s +12\.9x +ok\n/);
      expect(text.endsWith("Every stage carries this load.")).to.equal(true);
    });

    it("says what would carry a load the pipeline cannot: settings, quotas, and changes of design", () => {
      const { text, fits } = planReport(parse("--events-per-second", "1000000", "--event-bytes", "1024", "--region", "eu-central-1"));
      expect(fits).to.equal(false);
      expect(text).to.match(/\nfirehose\.bytes +1,351 +1 +MiB\/s +0\.00074x +quota firehoseMiBPerSecond: 1,352\n/);
      expect(text).to.include("cannot carry this load. What would:\n");
      expect(text).to.include("  - request a Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it) of 1,352, then declare it in serviceQuotas.firehoseMiBPerSecond\n");
      expect(text).to.include("  - set aurora.database.maxCapacity to 229\n");
      expect(text).to.include("  - request a Kinesis on-demand write maximum, MiB/s (support case) of 977");
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
      expect(run("--event-bytes", "500")).to.deep.equal({ status: 2, stdout: "", stderr: "--events-per-second is required (or expectedLoad.eventsPerSecond in a --config file); see npm run plan -- --help\n" });
    });

    it("answers --help with its options and exit statuses, exit 0", () => {
      const help = run("--help");
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/^npm run plan -- --events-per-second <n> --event-bytes <n> \[options\]\n/);
      expect(help.stdout).to.include("  --quota <name>=<value>").and.include("Exit status: 0 when every stage carries the load; 1 when one does not;");
    });
  });
});
