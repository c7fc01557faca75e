import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type Command } from "./cli-args";
import { runCommand, runMain } from "./cli-run";

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
  // Loaded only here: the analyzer takes seconds to load, which `--help` need not wait for.
  const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer") as typeof import("@pulumi/pulumi/provider/experimental/analyzer");
  const { generateSchema } = require("@pulumi/pulumi/provider/experimental/schema") as typeof import("@pulumi/pulumi/provider/experimental/schema");
  const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string; description: string };
  const { components, typeDefinitions, dependencies } = new Analyzer(ROOT, packageJson.name, packageJson, new Set(PUBLIC_COMPONENTS)).analyze();
  const schema = generateSchema(packageJson.name, packageJson.version, packageJson.description, components, typeDefinitions, dependencies);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

const options = {};

export const SCHEMA: Command<typeof options> = {
  name: "npm run schema",
  about: `Writes schema.json: the Pulumi package schema of the public components (${PUBLIC_COMPONENTS.join(", ")}),
as Pulumi's component analyzer derives it from their TypeScript types, for Python, Go, .NET and
Java programs (pulumi package add). Run it after changing a component's interface; a unit test
fails while the committed file differs.`,
  options,
  exit: { done: "when schema.json was written", failed: "when the analyzer refused a type (the message names the component and property)" },
};

if (require.main === module) {
  runMain((argv, io) =>
    runCommand(SCHEMA, argv, io, () => {
      writeFileSync(SCHEMA_FILE, componentSchema());
      io.out(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
      return 0;
    }),
  );
}
