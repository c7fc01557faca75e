import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as surface from "../../components";

const COMPONENTS = path.join(__dirname, "..", "..", "components");
const STACKS = path.join(__dirname, "..", "..", "stacks");
const PUBLIC = ["CrossAccountStreamSource", "DedupTable", "PushIngest", "FirehoseArchive", "StreamProjection", "AuroraLoader"];

/** Relative module specifiers a TypeScript file imports or re-exports. */
const importsOf = (file: string): string[] => [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => m[1]);

describe("the package's public surface (components/index.ts)", () => {
  it("exports the six components as component resources", () => {
    for (const name of PUBLIC) {
      const exported = (surface as Record<string, unknown>)[name] as { prototype: unknown } | undefined;
      expect(exported, name).to.be.a("function");
      expect(exported!.prototype, name).to.be.an.instanceOf(pulumi.ComponentResource);
    }
  });

  it("exports each component's defaults object", () => {
    for (const name of ["crossAccountStreamSourceDefaults", "dedupTableDefaults", "pushIngestDefaults", "firehoseArchiveDefaults", "streamProjectionDefaults", "auroraLoaderDefaults"]) {
      expect((surface as Record<string, unknown>)[name], name).to.be.an("object");
    }
  });

  it("keeps only the components (and the index) at the top of components/: helpers live in components/internal/", () => {
    const top = readdirSync(COMPONENTS).filter((f) => f.endsWith(".ts") && f !== "index.ts");
    const classes = top.map((f) => readFileSync(path.join(COMPONENTS, f), "utf8").match(/export class (\w+) extends pulumi\.ComponentResource/)?.[1]);
    expect(classes.sort()).to.deep.equal([...PUBLIC].sort());
  });

  it("is all the stacks import from components/", () => {
    for (const file of readdirSync(STACKS).filter((f) => f.endsWith(".ts"))) {
      const deep = importsOf(path.join(STACKS, file)).filter((spec) => spec.startsWith("../components") && spec !== "../components");
      expect(deep, `stacks/${file} imports past the public surface`).to.deep.equal([]);
    }
  });
});
