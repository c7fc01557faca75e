import { expect } from "chai";
import { quotasFor } from "../../capacity/limits";
import { fits, planCapacity, type Stage } from "../../capacity/model";
import { fixCell, fixText, formatDollars, formatNumber, formatRatio, markdownTable, planRows, shortfallMessage, textTable } from "../../capacity/report";
import { pipelineSettings } from "../../capacity/settings";
import { sizeFor } from "../../capacity/sizing";

const settings = (input = {}) => pipelineSettings({ region: "eu-west-1", ...input });
const byUser = { name: "by-user", projection: { kind: "index" as const, hashKey: "useremail" } };
/** Batches of one record: a projection that falls behind at this load. */
const byUserOneByOne = { ...byUser, project: { batchSize: 1 } };
const load = { eventsPerSecond: 10_000, eventBytes: 1_024 };

describe("capacity report", () => {
  it("writes every number one way: thousands separated, whole from 100, three significant digits below, never a small value as 0 (Why: plan wrote numbers two ways)", () => {
    expect([0.004, 0.25, 1.456, 13.51, 97.66, 1_234.5, 2_000_000, Infinity].map(formatNumber)).to.deep.equal([
      "0.004",
      "0.25",
      "1.46",
      "13.5",
      "97.7",
      "1,235",
      "2,000,000",
      "∞",
    ]);
    expect([0.000742, 0.37, 1, 1_049.2, Infinity].map(formatRatio)).to.deep.equal(["0.000742x", "0.37x", "1x", "1,049x", "∞x"]);
    expect([0.0000133334, 6_570.4].map(formatDollars)).to.deep.equal(["$0.0000133", "$6,570"]);
    // A setting's value as the numbers beside it, not as JavaScript prints it.
    expect(fixCell({ kind: "setting", key: "stream.shardCount", value: 12_000 })).to.equal("stream.shardCount: 12,000");
    expect(fixText({ kind: "setting", key: "aurora.database.maxCapacity", value: 4.5 })).to.equal("set aurora.database.maxCapacity to 4.5");
  });

  it("names the stage, what it needs, its limit and the fix in a shortfall", () => {
    const firehose = planCapacity(load, settings(), quotasFor("eu-west-1")).find((s) => s.id === "firehose.bytes")!;
    expect(shortfallMessage(firehose, load)).to.equal(
      "capacity: Firehose Direct PUT throughput [firehose.bytes] needs 13.5 MiB/s for 10,000 events/s of 1,024 bytes, over its limit of 5: " +
        "request a Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it) of 14, then declare it in serviceQuotas.firehoseMiBPerSecond",
    );
    const projection = planCapacity(load, settings({ projections: [byUserOneByOne] }), quotasFor("eu-west-1")).find(
      (s) => s.id === "projection.by-user.throughput",
    )!;
    expect(shortfallMessage(projection, load)).to.equal(
      `capacity: Projection by-user, records/s per table stream shard [projection.by-user.throughput] needs 250 records/s per table stream shard for 10,000 events/s of 1,024 bytes, over its limit of ${formatNumber(projection.limit)} (estimated): set projections[0].project.parallelizationFactor to 3`,
    );
  });

  it("says each kind of fix as an instruction", () => {
    expect(fixText({ kind: "setting", key: "fanOutConsumerName", value: 1 })).to.match(/^set fanOutConsumerName in the source stack/);
    expect(fixText({ kind: "quota", name: "lambdaConcurrency", value: 1_500 })).to.equal(
      "request a Lambda concurrent executions quota of 1,500, then declare it in serviceQuotas.lambdaConcurrency",
    );
    expect(fixText({ kind: "design", text: "several streams" })).to.equal("change the design: several streams");
  });

  it("tabulates every stage: estimated limits marked, headroom as a ratio, the fix only where a stage falls short", () => {
    const rows = planRows(planCapacity(load, settings(), quotasFor("eu-west-1")));
    expect(rows[0]).to.deep.equal(["stage", "need", "limit", "unit", "headroom", "fix"]);
    const row = (id: string) => rows.find((r) => r[0] === id)!;
    expect(row("firehose.bytes")).to.deep.equal(["firehose.bytes", "13.5", "5", "MiB/s", "0.37x", "quota firehoseMiBPerSecond: 14"]);
    expect(row("table.writes")).to.deep.equal(["table.writes", "20,000", "40,000", "WRU/s", "2x", "ok"]);
    expect(row("ingest.throughput")[2]).to.match(/^~/);
    const text = textTable(rows).split("\n");
    expect(text).to.have.length(rows.length);
    expect(text[0]).to.match(/^stage +need +limit +unit +headroom +fix$/);
  });

  it("writes a Markdown table whose cells cannot break it", () => {
    expect(
      markdownTable([
        ["a", "b"],
        ["x|y", "1"],
      ]),
    ).to.equal("| a | b |\n|---|---:|\n| x\\|y | 1 |");
    expect(
      markdownTable(
        [
          ["a", "b"],
          ["1", "x"],
        ],
        [0],
      ),
    ).to.equal("| a | b |\n|---:|---|\n| 1 | x |");
  });
});

describe("capacity sizing", () => {
  it("raises settings and quotas until every stage fits, and lists what it changed", () => {
    const sized = sizeFor(load, settings({ projections: [byUserOneByOne] }));
    expect(sized.unresolved).to.deep.equal([]);
    expect(sized.stages.every(fits)).to.equal(true);
    expect(sized.changes).to.deep.equal([
      { kind: "quota", name: "firehoseMiBPerSecond", value: 14 },
      { kind: "setting", key: "projections[0].project.parallelizationFactor", value: 3 },
    ]);
    expect(sized.granted).to.deep.equal({ firehoseMiBPerSecond: 14 });
    expect(sized.settings.projections[0].mapping.parallelizationFactor).to.equal(3);
  });

  it("leaves what only a change of design carries", () => {
    const two = settings({ projections: [byUser, { ...byUser, name: "by-page" }] });
    const sized = sizeFor({ eventsPerSecond: 100, eventBytes: 1_024 }, two);
    expect(sized.unresolved.map((s: Stage) => s.id)).to.deep.equal(["tableStream.readers"]);
    expect(sized.changes).to.deep.equal([]);
  });

  it("keeps quotas already granted, and the settings a stack already has when they are higher", () => {
    const sized = sizeFor(load, settings({ projections: [{ ...byUser, project: { parallelizationFactor: 5 } }] }), { firehoseMiBPerSecond: 20 });
    expect(sized.changes).to.deep.equal([]);
    expect(sized.granted).to.deep.equal({ firehoseMiBPerSecond: 20 });
    expect(sized.settings.projections[0].mapping.parallelizationFactor).to.equal(5);
  });
});
