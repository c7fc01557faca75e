import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as surface from "../../components";
import * as testing from "../../components/testing";
import { PAGES, ROOT } from "../support/markdown";

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
    for (const name of [
      "crossAccountStreamSourceDefaults",
      "dedupTableDefaults",
      "pushIngestDefaults",
      "firehoseArchiveDefaults",
      "streamProjectionDefaults",
      "auroraLoaderDefaults",
    ]) {
      expect((surface as Record<string, unknown>)[name], name).to.be.an("object");
    }
  });

  it("exports every defaults object of the settings models, and the archive's default schema, columns and types, for a program to extend", () => {
    const sources = [
      ...readdirSync(path.join(COMPONENTS, "settings")).map((f) => path.join(COMPONENTS, "settings", f)),
      path.join(COMPONENTS, "internal", "web-analytics.ts"),
    ];
    const defaults = sources.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/export const (\w+Defaults|WEB_ANALYTICS_\w+)\b/g)].map((m) => m[1]));
    expect(defaults.length).to.be.greaterThan(10);
    expect(defaults.filter((name) => !(name in surface))).to.deep.equal([]);
  });

  it("exports every defaults object, default schema and mock the README and docs/ name as the package's", () => {
    const named = new Set(
      PAGES.flatMap((page) => [...readFileSync(path.join(ROOT, page), "utf8").matchAll(/`(\w+Defaults|WEB_ANALYTICS_\w+|AwsMocks)\b/g)].map((m) => m[1])),
    );
    expect(named.size).to.be.greaterThan(5);
    expect([...named].filter((name) => !(name in surface) && !(name in testing))).to.deep.equal([]);
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
