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

  it("gives each choice as an enum another language can name (DedupTable's access mode, a projection's kind)", () => {
    const types = (JSON.parse(generated) as { types: Record<string, { enum?: { value: string }[] }> }).types;
    expect(types["stream-replication:index:AccessMode"].enum!.map((e) => e.value)).to.deep.equal(["pull", "push"]);
    expect(types["stream-replication:index:ProjectionKind"].enum!.map((e) => e.value)).to.deep.equal(["index", "aggregate"]);
  });

  it("matches the committed schema.json (run `npm run schema` after changing a component's interface)", () => {
    expect(generated === readFileSync(SCHEMA_FILE, "utf8"), "schema.json differs from what the analyzer gives: run `npm run schema`").to.equal(true);
  });
});
