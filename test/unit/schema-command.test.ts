import { expect } from "chai";
import { readFileSync, statSync } from "node:fs";
import { SCHEMA_FILE } from "../../tools/component-schema";
import { runEntry } from "../support/command-line";

describe("npm run schema's command line", function () {
  this.timeout(30_000);
  const run = (...argv: string[]) => runEntry("tools/component-schema.ts", argv, { forbidSideEffects: true });

  /** schema.json's content and modification time: writing it again, even unchanged, moves the time. */
  const schemaFile = () => ({ text: readFileSync(SCHEMA_FILE, "utf8"), modified: statSync(SCHEMA_FILE).mtimeMs });

  it("answers --help without writing schema.json, exit 0", () => {
    const before = schemaFile();
    const result = run("--help");
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run schema\n\nWrites schema.json/);
    expect(schemaFile()).to.deep.equal(before);
  });

  it("refuses an argument it does not take without writing schema.json, exit 2", () => {
    const before = schemaFile();
    expect(run("--check")).to.deep.equal({ status: 2, stdout: "", stderr: "unknown option --check; see npm run schema -- --help\n" });
    expect(schemaFile()).to.deep.equal(before);
  });
});
