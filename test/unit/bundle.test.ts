import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildFunctionCode, PROJECT_ROOT } from "../../components/bundle";

describe("function bundling", () => {
  it("builds byte-identical code for an unchanged function, so preview shows no diff", () => {
    expect(buildFunctionCode("ingest")).to.equal(buildFunctionCode("ingest"));
  });

  it("leaves no machine-specific path in the bundle", () => {
    expect(buildFunctionCode("ingest")).not.to.include(PROJECT_ROOT);
  });

  it("bundles the AWS SDK it uses, so the code runs with nothing installed beside it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bundle-"));
    const saved = { ...process.env };
    try {
      writeFileSync(path.join(dir, "index.js"), buildFunctionCode("ingest"));
      Object.assign(process.env, { TABLE_NAME: "clicks", DEAD_LETTER_BUCKET: "dead-letters", AWS_REGION: "eu-west-1" });
      // A require from a folder with no node_modules: only what the bundle carries can load.
      const loaded = require(path.join(dir, "index.js"));
      expect(loaded.handler).to.be.a("function");
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with the function's name when its source does not exist", () => {
    expect(() => buildFunctionCode("no-such-function")).to.throw(/no-such-function/);
  });
});
