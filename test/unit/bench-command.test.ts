import { expect } from "chai";
import { readFileSync, statSync } from "node:fs";
import { SECTIONS } from "../../bench/run";
import { SIZES } from "../../bench/sizes";
import { MEASURED_FIGURES_PATH } from "../../capacity/measured";
import { runEntry } from "../support/command-line";

describe("npm run bench's command line", function () {
  this.timeout(30_000);
  const run = (argv: string[], env: Record<string, string> = {}, forbidSideEffects = true) => runEntry("bench/run.ts", argv, { env, forbidSideEffects });
  const figures = () => ({ text: readFileSync(MEASURED_FIGURES_PATH, "utf8"), mtime: statSync(MEASURED_FIGURES_PATH).mtimeMs });

  it("answers --help at once, naming every section with its size variables and their defaults: no section runs, no child process, exit 0 (Why: it said there was no section named --help)", () => {
    const before = figures();
    const result = run(["--help"]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run bench -- \[options\] \[section …\]\n/);
    const help = result.stdout.replace(/\s+/g, " ");
    expect(help).to.include("ingest, transform, forward, projection, load, capacity, cold-start, scaling");
    for (const name of Object.keys(SECTIONS)) expect(help).to.match(new RegExp(` ${name}: \\w`));
    for (const [name, size] of Object.entries(SIZES)) expect(help).to.include(`${name}=${size.default}, ${size.what}`);
    expect(help).to.include("BENCH_SCALING_EVENTS=1000,3000,10000,100000");
    expect(help).to.include("--write with load and capacity: write what they measured to capacity/measured-figures.json");
    expect(result.stdout).to.not.include("Machine:");
    expect(figures()).to.deep.equal(before);
  });

  it("refuses a section it does not have, in one line naming those it has, exit 2", () => {
    expect(run(["ingest", "loader"])).to.deep.equal({
      status: 2,
      stdout: "",
      stderr:
        "no section named loader: the sections are ingest, transform, forward, projection, load, capacity, cold-start, scaling; see npm run bench -- --help\n",
    });
  });

  it("refuses an option it does not have, and --write without a section that writes figures, exit 2", () => {
    expect(run(["--rounds", "3"])).to.deep.include({ status: 2, stderr: "unknown option --rounds; see npm run bench -- --help\n" });
    expect(run(["forward", "--write"])).to.deep.equal({
      status: 2,
      stdout: "",
      stderr: "--write needs a section that writes figures: load, capacity; see npm run bench -- --help\n",
    });
  });

  it("runs a section at the size its variable gives and prints its ratio", () => {
    const result = run(["forward"], { BENCH_FORWARD_RECORDS: "300" }, false);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include("## Forward: Firehose API calls for 300 table stream records");
    expect(result.stdout).to.match(/\n100 +300 +3 +300 +0\.0100x\n/);
  });

  it("reports a failing section in one line, its name and the error's message, runs the others, and exits 1", () => {
    const result = run(["forward", "transform"], { BENCH_FORWARD_RECORDS: "0", BENCH_TRANSFORM_RECORDS: "300", BENCH_TRANSFORM_ROUNDS: "1" }, false);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.equal('bench section forward failed: BENCH_FORWARD_RECORDS must be a whole number of at least 1, got "0"\n');
    expect(result.stdout).to.include("## Transform: 300 archive records");
  });

  it("writes the model's figures only from a full-size run", () => {
    const before = figures();
    const result = run(["capacity", "--write"], { BENCH_CAPACITY_ROUNDS: "1" }, false);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.equal(
      "bench section capacity failed: --write takes figures from full-size runs only: unset BENCH_CAPACITY_RECORDS and BENCH_CAPACITY_ROUNDS\n",
    );
    expect(figures()).to.deep.equal(before);
  });
});
