import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildFunctionCode, PROJECT_ROOT } from "../../components/internal/bundle";
import { defaultFunctionEnvironments } from "../../components/settings/function-environments";
import { fixture } from "../support/kinesis";

describe("function bundling", () => {
  it("builds byte-identical code for an unchanged function, so preview shows no diff", () => {
    expect(buildFunctionCode("ingest")).to.equal(buildFunctionCode("ingest"));
  });

  it("leaves no machine-specific path in the bundle", () => {
    expect(buildFunctionCode("ingest")).not.to.include(PROJECT_ROOT);
  });

  /** Each function's environment as its component writes it with its default settings. */
  const environments: Record<string, Record<string, string>> = defaultFunctionEnvironments();

  /** Loads a bundle from a folder with no node_modules: only what the bundle carries can load. */
  function loadBundle(name: string): { handler: (...args: unknown[]) => Promise<unknown> } {
    const dir = mkdtempSync(path.join(tmpdir(), "bundle-"));
    const saved = { ...process.env };
    try {
      writeFileSync(path.join(dir, "index.js"), buildFunctionCode(name));
      Object.assign(process.env, environments[name], { AWS_REGION: "eu-west-1", POWERTOOLS_LOG_LEVEL: "SILENT" });
      return require(path.join(dir, "index.js"));
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  for (const name of Object.keys(environments)) {
    it(`bundles everything the ${name} function imports, so it runs with nothing installed beside it`, () => {
      expect(loadBundle(name).handler).to.be.a("function");
    });
  }

  it("runs the bundled transform on Firehose's own event", async () => {
    const { handler } = loadBundle("transform");
    const result = (await handler(fixture("firehose-direct-put.json"), { functionName: "transform" })) as { records: { result: string }[] };
    expect(result.records.map((r) => r.result)).to.deep.equal(["ProcessingFailed", "ProcessingFailed"]);
  });

  it("fails with the function's name when its source does not exist", () => {
    expect(() => buildFunctionCode("no-such-function")).to.throw(/no-such-function/);
  });
});
