import { expect } from "chai";
import { readFileSync } from "node:fs";
import { componentSchema, PUBLIC_COMPONENTS, SCHEMA_FILE } from "../../tools/component-schema";

/**
 * Pulumi's component analyzer (what `pulumi package add` runs for a Python, Go, .NET or Java
 * program) must accept every public component: it refuses unions, `unknown` and anonymous object
 * types, naming the property. schema.json is its output, committed so a change to it shows in review.
 */
describe("the components from other languages (Pulumi's component analyzer)", function () {
  this.timeout(600_000);
  let generated: string;

  before(() => {
    generated = componentSchema();
  });

  it("produces a schema with all six components, each a component resource", () => {
    const schema = JSON.parse(generated) as { resources: Record<string, { isComponent?: boolean }> };
    expect(Object.keys(schema.resources).sort()).to.deep.equal(PUBLIC_COMPONENTS.map((name) => `stream-replication:index:${name}`).sort());
    for (const resource of Object.values(schema.resources)) expect(resource.isComponent).to.equal(true);
  });

  it("gives each choice as an enum another language can name (a table's billing mode, the loader's load mode, a projection's kind)", () => {
    const types = (JSON.parse(generated) as { types: Record<string, { enum?: { value: string }[] }> }).types;
    expect(types["stream-replication:index:BillingMode"].enum!.map((e) => e.value)).to.deep.equal(["PAY_PER_REQUEST", "PROVISIONED"]);
    expect(types["stream-replication:index:LoadMode"].enum!.map((e) => e.value)).to.deep.equal(["s3", "streamed"]);
    expect(types["stream-replication:index:ProjectionKind"].enum!.map((e) => e.value)).to.deep.equal(["index", "aggregate"]);
  });

  it("offers every component's child resources as outputs, as references to the AWS provider's resources", () => {
    const resources = (JSON.parse(generated) as { resources: Record<string, { properties: Record<string, { $ref?: string }> }> }).resources;
    expect(resources["stream-replication:index:DedupTable"].properties.table.$ref).to.match(
      /\/aws\/v[\d.]+\/schema\.json#\/resources\/aws:dynamodb%2Ftable:Table$/,
    );
    expect(resources["stream-replication:index:FirehoseArchive"].properties.bucket.$ref).to.match(/resources\/aws:s3%2Fbucket:Bucket$/);
    expect(resources["stream-replication:index:AuroraLoader"].properties.failedEventsQueue.$ref).to.match(/resources\/aws:sqs%2Fqueue:Queue$/);
  });

  it("matches the committed schema.json (run `npm run schema` after changing a component's interface)", () => {
    expect(generated === readFileSync(SCHEMA_FILE, "utf8"), "schema.json differs from what the analyzer gives: run `npm run schema`").to.equal(true);
  });
});
