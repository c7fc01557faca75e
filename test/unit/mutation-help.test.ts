import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../support/command-line";

describe("npm run mutation -- --help", function () {
  this.timeout(30_000);
  let bin: string;
  const installed = () => path.join(bin, "npm-was-run");
  before(() => {
    // An npm that only notes it was run: the script installs Stryker with npm before anything else.
    bin = mkdtempSync(path.join(tmpdir(), "fake-npm-"));
    writeFileSync(path.join(bin, "npm"), `#!/bin/sh\ntouch "${installed()}"\nexit 1\n`);
    chmodSync(path.join(bin, "npm"), 0o755);
  });
  after(() => rmSync(bin, { recursive: true, force: true }));

  for (const argv of [["--help"], ["--mutate", "functions/ingest/item-size.ts", "-h"]]) {
    it(`${argv.join(" ")}: prints the help and exits 0 without installing anything`, () => {
      const result = spawnSync("bash", [path.join(PROJECT_ROOT, "mutation", "run.sh"), ...argv], {
        encoding: "utf8",
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: bin },
      });
      expect(result.status, result.stderr).to.equal(0);
      expect(existsSync(installed()), "npm was run").to.equal(false);
      expect(result.stdout).to.match(/^npm run mutation -- \[Stryker's options\]\n/);
      expect(result.stdout).to.include("--mutate functions/ingest/item-size.ts").and.include("Exit status: 0 when every mutated file scores at least 90%;");
    });
  }
});
