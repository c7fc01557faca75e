import * as pulumi from "@pulumi/pulumi";
import { buildSync, type BuildOptions } from "esbuild";
import { existsSync } from "node:fs";
import * as path from "node:path";

/**
 * The package root (the nearest folder above this file holding `package.json`): function sources live
 * in `functions/<name>/handler.ts` below it. From the sources that is the repository; from the built
 * package (`dist/components/`) it is the installed package, which ships `functions/` as TypeScript so
 * the bundles are built the same way in both.
 */
export const PROJECT_ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: cannot find the function sources`);
  }
}

/** Lambda runtime and architecture every function of this program runs on. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";

const cache = new Map<string, string>();

/** How every function is built (the cold-start benchmark builds its floor bundles the same way). */
export const FUNCTION_BUILD_OPTIONS = {
  absWorkingDir: PROJECT_ROOT,
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  keepNames: true,
  legalComments: "eof",
  sourcemap: false,
  write: false,
  logLevel: "silent",
} as const satisfies BuildOptions;

/**
 * Bundles `functions/<name>/handler.ts` and everything it imports, AWS SDK v3 included, into one
 * CommonJS file exporting `handler`. The build is deterministic: no timestamps, no absolute paths
 * (minified, so esbuild writes no path comments), so an unchanged function gives byte-identical
 * code and `pulumi preview` shows no diff.
 */
export function buildFunctionCode(name: string): string {
  const result = buildSync({ ...FUNCTION_BUILD_OPTIONS, entryPoints: [path.join("functions", name, "handler.ts")] });
  return result.outputFiles[0].text;
}

/** `buildFunctionCode`, once per function per program run. */
export function bundleFunctionCode(name: string): string {
  if (!cache.has(name)) cache.set(name, buildFunctionCode(name));
  return cache.get(name)!;
}

/** The function's code as Lambda takes it: a zip holding `index.js`, so the handler is `index.handler`. */
export function bundleFunction(name: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleFunctionCode(name)) });
}
