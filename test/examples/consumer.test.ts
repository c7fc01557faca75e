import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/internal/bundle";
import { MockCloud, resolve } from "../harness/mock-cloud";

/**
 * examples/consumer is a program of a user's own: it depends on this package through a `file:`
 * dependency and imports the components from the built package (`npm run build`, which `npm test`
 * runs first; `.ci/run` installs the example's dependencies). Here it is type-checked against the
 * package's declarations and realized under mocks as `pulumi preview` would run it.
 */
const EXAMPLE = path.join(PROJECT_ROOT, "examples", "consumer");
const STREAM = "arn:aws:kinesis:eu-west-1:111111111111:stream/clicks";

describe("examples/consumer: another program uses the components from the built package", function () {
  this.timeout(300_000);
  let cloud: MockCloud;
  let outputs: Record<string, unknown>;

  before(async function () {
    const installed = path.join(EXAMPLE, "node_modules", "stream-replication");
    if (!existsSync(installed))
      throw new Error(
        `the example's dependencies are not installed: run \`npm install --prefix examples/consumer\` (it has no lock file; .ci/run does the same)`,
      );
    if (!existsSync(path.join(PROJECT_ROOT, "dist", "components", "index.js"))) throw new Error("the package is not built: run `npm run build`");
    cloud = new MockCloud({ project: "clicks-consumer", stack: "dev", accountId: "999999999999" });
    await cloud.install({ "aws:region": "eu-west-1", sourceStreamArn: STREAM, tableName: "clicks-dedup" });
    const program = require(path.join(EXAMPLE, "index.ts")) as Record<string, unknown>;
    await cloud.settle();
    outputs = {};
    for (const [name, value] of Object.entries(program)) outputs[name] = await resolve(value as pulumi.Output<unknown>);
  });

  it("resolves the package through its `exports` to the built JavaScript, not the TypeScript sources", () => {
    const entry = realpathSync(require.resolve("stream-replication", { paths: [EXAMPLE] }));
    expect(entry).to.equal(path.join(PROJECT_ROOT, "dist", "components", "index.js"));
  });

  it("type-checks against the package's declarations", () => {
    const tsc = require.resolve("typescript/bin/tsc", { paths: [EXAMPLE] });
    execFileSync(process.execPath, [tsc, "-p", path.join(EXAMPLE, "tsconfig.json")], { stdio: "pipe" });
  });

  it("registers both components under the package's type tokens, with their children parented to them", async () => {
    const table = cloud.one("stream-replication:index:DedupTable");
    const archive = cloud.one("stream-replication:index:FirehoseArchive");
    expect(await cloud.childrenOf(table)).to.not.be.empty;
    expect(await cloud.childrenOf(archive)).to.not.be.empty;
  });

  it("passes the program's settings through: the table's name, the stream it reads, the archive's buffering", () => {
    expect(cloud.one("aws:dynamodb/table:Table").inputs.name).to.equal("clicks-dedup");
    expect(cloud.named("clicks-ingest-mapping").inputs.eventSourceArn).to.equal(STREAM);
    const delivery = cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream");
    expect(delivery.inputs.extendedS3Configuration.bufferingInterval).to.equal(60);
  });

  it("builds the functions' code from the installed package's sources", () => {
    const built = require(path.join(PROJECT_ROOT, "dist", "components", "internal", "bundle.js")) as {
      PROJECT_ROOT: string;
      buildFunctionCode(name: string): string;
    };
    expect(built.PROJECT_ROOT, "the built package's root, where functions/ is shipped").to.equal(PROJECT_ROOT);
    expect(built.buildFunctionCode("ingest")).to.include("exports").and.not.include(PROJECT_ROOT);
    const functions = cloud.ofType("aws:lambda/function:Function");
    expect(functions.map((f) => f.name)).to.include.members(["clicks-ingest-function", "clicks-archive-forward-function", "clicks-archive-transform-function"]);
    for (const fn of functions) expect(fn.inputs.handler).to.equal("index.handler");
  });

  it("exports the outputs a user wires onward", () => {
    expect(outputs.tableName).to.equal("clicks-dedup");
    expect(outputs.ingestFunctionName)
      .to.be.a("string")
      .and.match(/^clicks-ingest-function/);
    expect(outputs.archiveBucket).to.be.a("string").and.not.be.empty;
    expect(outputs.deliveryStream).to.be.a("string").and.not.be.empty;
  });
});
