import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The repository root: package.json, tsconfig.json and the analyzer's entry, index.ts. */
const ROOT = path.join(__dirname, "..");
export const SCHEMA_FILE = path.join(ROOT, "schema.json");

/** The components another language can use, as `pulumi package add` exposes them. */
export const PUBLIC_COMPONENTS = ["CrossAccountStreamSource", "DedupTable", "PushIngest", "FirehoseArchive", "StreamProjection", "AuroraLoader"];

/**
 * The Pulumi package schema Pulumi's component analyzer derives from the components' TypeScript
 * types: what a Python, Go, .NET or Java SDK is generated from. It throws, naming the component and
 * property, when a type has no equivalent in other languages (a union, `unknown`).
 */
export function componentSchema(): string {
  const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string; description: string };
  const { components, typeDefinitions, dependencies } = new Analyzer(ROOT, packageJson.name, packageJson, new Set(PUBLIC_COMPONENTS)).analyze();
  const schema = generateSchema(packageJson.name, packageJson.version, packageJson.description, components, typeDefinitions, dependencies);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, componentSchema());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
