import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const PROGRAM = path.join(__dirname, "..", "support", "documented-mocks-program.ts");

/** Runs the user's test program with one kind of mocks, and answers what it read and what Pulumi left active. */
function run(mocks: "documented" | "aws"): { outputs: number; leaks: number } {
  return JSON.parse(execFileSync(process.execPath, ["-r", "tsx/cjs", PROGRAM, mocks], { cwd: ROOT, encoding: "utf8" }));
}

/**
 * The components under the mocks a user's own tests use: Pulumi's documented ones, where a
 * resource's state is its inputs (so the outputs a provider computes are absent, as on a fresh
 * deployment), and the package's AwsMocks (`stream-replication/testing`).
 */
describe("the components in a user's unit tests", function () {
  this.timeout(300_000);

  it("realize under Pulumi's documented mocks with no crash and no promise left active", () => {
    const { outputs, leaks } = run("documented");
    expect(outputs).to.be.greaterThan(50);
    expect(leaks).to.equal(0);
  });

  it("realize under the package's AwsMocks, which answer with AWS-shaped outputs", () => {
    const { outputs, leaks } = run("aws");
    expect(outputs).to.be.greaterThan(50);
    expect(leaks).to.equal(0);
  });
});
