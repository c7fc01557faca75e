import { expect } from "chai";
import { runEntry } from "../support/command-line";

describe("npm run bench's command line", function () {
  this.timeout(30_000);
  const run = (...argv: string[]) => runEntry("bench/run.ts", argv, { forbidSideEffects: true });

  it("answers --help at once, naming every section: no section runs, no child process, exit 0", () => {
    const result = run("--help");
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run bench -- \[section …\]\n/);
    expect(result.stdout.replace(/\s+/g, " ")).to.include("ingest, transform, forward, projection, load, capacity, cold-start, scaling");
    expect(result.stdout).to.not.include("Machine:");
  });

  it("refuses a section it does not have, in one line naming those it has, exit 2", () => {
    expect(run("ingest", "loader")).to.deep.equal({
      status: 2,
      stdout: "",
      stderr:
        "no section named loader: the sections are ingest, transform, forward, projection, load, capacity, cold-start, scaling; see npm run bench -- --help\n",
    });
  });

  it("refuses an option it does not have, exit 2", () => {
    expect(run("--rounds", "3")).to.deep.include({ status: 2, stderr: "unknown option --rounds; see npm run bench -- --help\n" });
  });
});
