import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SECTIONS } from "../../bench/run";
import { SIZES } from "../../bench/sizes";
import { MEASURED_FIGURES_PATH } from "../../capacity/measured";

const ROOT = join(__dirname, "..", "..");
const bench = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "bench", "run.ts"), ...args], { encoding: "utf8", cwd: ROOT, env: { ...process.env, ...env } });

describe("npm run bench", () => {
  it("--help lists every section with its size variables and their defaults, exits 0 and changes nothing (Why: it said there was no section named --help)", () => {
    const before = { text: readFileSync(MEASURED_FIGURES_PATH, "utf8"), mtime: statSync(MEASURED_FIGURES_PATH).mtimeMs };
    const help = bench(["--help"]);
    expect(help.status, help.stderr).to.equal(0);
    expect(help.stderr).to.equal("");
    expect(help.stdout).to.match(/^npm run bench -- \[section \.\.\.\] \[--write\] \[--help\]\n/);
    for (const name of Object.keys(SECTIONS)) expect(help.stdout).to.match(new RegExp(`\\n  ${name} +\\S`));
    for (const [name, size] of Object.entries(SIZES)) expect(help.stdout).to.include(`${name}=${size.default} `);
    expect(help.stdout).to.include("BENCH_SCALING_EVENTS=1000,3000,10000,100000");
    expect(help.stdout).not.to.include("Machine:");
    expect({ text: readFileSync(MEASURED_FIGURES_PATH, "utf8"), mtime: statSync(MEASURED_FIGURES_PATH).mtimeMs }).to.deep.equal(before);
  });

  it("runs a section at a size from its variable and prints its ratio", () => {
    const run = bench(["forward"], { BENCH_FORWARD_RECORDS: "300" });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include("## Forward: Firehose API calls for 300 table stream records");
    expect(run.stdout).to.match(/\n100 +300 +3 +300 +0\.0100x\n/);
  });

  it("reports a failing section in one line, its name and the error's message, and exits 1", () => {
    const run = bench(["forward"], { BENCH_FORWARD_RECORDS: "0" });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.equal('bench section forward failed: BENCH_FORWARD_RECORDS must be a whole number of at least 1, got "0"\n');
  });

  it("refuses an unknown section, and --write without a section that writes figures, with exit 2", () => {
    const unknown = bench(["nope"]);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.equal("no bench section named nope: the sections are ingest, transform, forward, projection, load, capacity, cold-start, scaling (npm run bench -- --help)\n");
    const write = bench(["forward", "--write"]);
    expect(write.status).to.equal(2);
    expect(write.stderr).to.equal("--write needs a section that writes figures: load, capacity (npm run bench -- --help)\n");
  });

  it("writes the model's figures only from a full-size run", () => {
    const before = readFileSync(MEASURED_FIGURES_PATH, "utf8");
    const small = bench(["capacity", "--write"], { BENCH_CAPACITY_ROUNDS: "1" });
    expect(small.status).to.equal(1);
    expect(small.stderr).to.equal("bench section capacity failed: --write takes figures from full-size runs only: unset BENCH_CAPACITY_RECORDS and BENCH_CAPACITY_ROUNDS\n");
    expect(readFileSync(MEASURED_FIGURES_PATH, "utf8")).to.equal(before);
  });
});
