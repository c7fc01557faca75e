import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeMeasuredPart } from "../../bench/figures-file";
import { estimatesFrom } from "../../capacity/estimates";
import { LAMBDA_ARM64_MS, lambdaSpeedRatios } from "../../capacity/lambda-speed";
import { MEASURED_FIGURES_PATH, readMeasuredFigures, type MeasuredFigures } from "../../capacity/measured";

const machine = { date: "2026-12-07T08:00:00.000Z", cpu: "AMD EPYC", cores: 2, node: "v20.20.2", loadAverage: 0.5 };
const FIGURES: MeasuredFigures = {
  functions: {
    measuredOn: machine,
    rounds: 3,
    records: 20_000,
    eventBytes: 640,
    csvBytesPerEventByte: 0.5,
    cpuMicrosPerRecord: { ingest: 20, forward: 18, transform: 10, projectIndex: 8, projectAggregate: 11 },
    calibrationCpuMs: { sha256Chain: 1_000, float64Sort: 2_000 },
  },
  load: { measuredOn: machine, rounds: 3, rows: 100_000, rowBytes: 300, rowsPerSecond: 30_000 },
};

const dir = mkdtempSync(join(tmpdir(), "capacity-figures-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const refusal = (path: string) => {
  try {
    readMeasuredFigures(path);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${path} was accepted`);
};

describe("the capacity model's measured figures", () => {
  it("come from a file the bench wrote, with the machine and the date they were measured on", () => {
    const committed = readMeasuredFigures(MEASURED_FIGURES_PATH);
    for (const part of [committed.functions, committed.load])
      expect(Date.parse(part.measuredOn.date), "a measurement date").to.be.above(Date.parse("2026-01-01"));
    expect(committed.functions.measuredOn.node).to.match(/^v\d+\./);
    expect(readMeasuredFigures(file("good.json", JSON.stringify(FIGURES)))).to.deep.equal(FIGURES);
  });

  it("refuses a missing file, naming it and the command that writes it", () => {
    expect(refusal(join(dir, "missing.json"))).to.equal(
      `capacity figures ${join(dir, "missing.json")}: no such file; write them with \`npm run bench -- capacity load --write\``,
    );
  });

  it("refuses a file that is not JSON", () => {
    expect(refusal(file("torn.json", '{"functions": {'))).to.match(
      /^capacity figures .*torn\.json: not JSON \(.+\); write them with `npm run bench -- capacity load --write`$/,
    );
  });

  it("refuses a malformed file with every problem at once", () => {
    const { load: _load, ...withoutLoad } = structuredClone(FIGURES);
    const { ingest: _ingest, ...cpuWithoutIngest } = withoutLoad.functions.cpuMicrosPerRecord;
    const broken = {
      functions: {
        ...withoutLoad.functions,
        measuredOn: { ...machine, date: "yesterday" },
        cpuMicrosPerRecord: cpuWithoutIngest,
        calibrationCpuMs: { sha256Chain: 1_000, float64Sort: -1 },
      },
    };
    expect(refusal(file("broken.json", JSON.stringify(broken)))).to.equal(
      `capacity figures ${join(dir, "broken.json")}: functions.measuredOn.date must be an ISO 8601 time, got "yesterday"; ` +
        "functions.cpuMicrosPerRecord.ingest must be a positive number, got undefined; functions.calibrationCpuMs.float64Sort must be a positive number, got -1; " +
        "load must be an object, got undefined; load.measuredOn must be an object, got undefined; load.measuredOn.date must be an ISO 8601 time, got undefined; " +
        "load.measuredOn.cpu must be a non-empty string, got undefined; load.measuredOn.node must be a Node version such as v20.19.0, got undefined; " +
        "load.measuredOn.cores must be a positive number, got undefined; load.measuredOn.loadAverage must be a number of at least 0, got undefined; " +
        "load.rounds must be a positive number, got undefined; load.rows must be a positive number, got undefined; load.rowBytes must be a positive number, got undefined; load.rowsPerSecond must be a positive number, got undefined" +
        "; write them with `npm run bench -- capacity load --write`",
    );
    expect(refusal(file("array.json", "[]"))).to.match(/: the file must be an object, got \[\];/);
  });

  it("scale to Lambda arm64 by the larger of the published workloads' ratios, for the Node major they were measured on", () => {
    const speed = lambdaSpeedRatios(FIGURES.functions);
    expect(speed.byWorkload).to.deep.equal({ sha256Chain: LAMBDA_ARM64_MS.v20.sha256Chain / 1_000, float64Sort: LAMBDA_ARM64_MS.v20.float64Sort / 2_000 });
    expect(speed.factor).to.equal(1.56116);
    const estimates = estimatesFrom(FIGURES);
    expect(estimates.cpuMicrosPerRecord.ingest).to.be.closeTo(20 * 1.56116, 1e-9);
    expect(estimates.loadRowsPerSecond).to.be.closeTo(30_000 / 1.56116, 1e-9);
    const node18 = { ...FIGURES.functions, measuredOn: { ...machine, node: "v18.20.0" } };
    expect(() => lambdaSpeedRatios(node18)).to.throw(
      "capacity figures: measured on Node v18.20.0, for which no Lambda arm64 durations are published here (v20, v22); measure on one of those",
    );
  });

  it("are written a part at a time by the bench, keeping the other part", () => {
    const path = file("parts.json", JSON.stringify(FIGURES));
    const faster = { ...FIGURES.load, rowsPerSecond: 40_000 };
    const log = console.log;
    console.log = () => {};
    try {
      writeMeasuredPart("load", faster, path);
    } finally {
      console.log = log;
    }
    expect(JSON.parse(readFileSync(path, "utf8"))).to.deep.equal({ ...FIGURES, load: faster });
  });
});
