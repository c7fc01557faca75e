import { buildSync } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildFunctionCode, FUNCTION_BUILD_OPTIONS, PROJECT_ROOT } from "../components/internal/bundle";
import { defaultFunctionEnvironments } from "../components/settings/function-environments";
import { printTable } from "./table";
import { median } from "./median";
import { benchSize, checkSizes } from "./sizes";

const RUNS = benchSize("BENCH_COLD_START_RUNS");

/** What each function's component sets in its environment, from the components' own settings models. */
const ENVIRONMENT: Record<string, Record<string, string>> = defaultFunctionEnvironments();

/** Requires a bundle in a fresh Node process and answers how long the require took: the module's initialisation, as Lambda's Init phase runs it. */
const INIT_PROBE = `const { performance } = require("node:perf_hooks"); const t = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t));`;

function initMs(bundle: string, environment: Record<string, string>): number {
  const result = spawnSync(process.execPath, ["-e", INIT_PROBE, bundle], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_LAMBDA_FUNCTION_NAME: "bench",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...environment,
    },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${bundle} failed to load: ${result.stderr}`);
  return Number(result.stdout);
}

/** The AWS SDK client packages a function's bundle holds. */
function sdkClientsOf(name: string): string[] {
  const { metafile } = buildSync({ ...FUNCTION_BUILD_OPTIONS, entryPoints: [path.join("functions", name, "handler.ts")], metafile: true });
  const packages = Object.keys(metafile!.inputs).map((input) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input)?.[1]);
  return [...new Set(packages.filter((p): p is string => Boolean(p)))].sort();
}

/** The floor: a handler that holds the same SDK clients, built once each at module scope, and nothing else. */
function floorCode(clients: readonly string[]): string {
  const lines = clients.map((pkg, i) => {
    const exported = Object.keys(require(`@aws-sdk/${pkg}`)).find((key) => /^[A-Z][A-Za-z0-9]*Client$/.test(key));
    return `const { ${exported}: Client${i} } = require("@aws-sdk/${pkg}");`;
  });
  const contents = `${lines.join("\n")}\nconst clients = [${clients.map((_, i) => `new Client${i}({})`).join(", ")}];\nexports.handler = async () => clients.length;\n`;
  return buildSync({ ...FUNCTION_BUILD_OPTIONS, stdin: { contents, resolveDir: PROJECT_ROOT, loader: "js" } }).outputFiles[0].text;
}

/** Each function's bundle size and module initialisation against a floor bundle holding only the same AWS SDK clients. */
export function benchColdStart(): void {
  checkSizes("BENCH_COLD_START_RUNS");
  const functionsDir = path.join(PROJECT_ROOT, "functions");
  const names = readdirSync(functionsDir).filter((name) => existsSync(path.join(functionsDir, name, "handler.ts")));
  const dir = mkdtempSync(path.join(tmpdir(), "bench-cold-start-"));
  try {
    const cases = names.map((name) => {
      const ours = path.join(dir, `${name}.js`);
      const floor = path.join(dir, `${name}-floor.js`);
      const clients = sdkClientsOf(name);
      writeFileSync(ours, buildFunctionCode(name));
      writeFileSync(floor, floorCode(clients));
      return { name, clients, ours, floor, times: { ours: [] as number[], floor: [] as number[] } };
    });
    // Interleaved, so a noisy moment of the machine falls on both sides alike.
    for (let run = 0; run < RUNS; run++) {
      for (const c of cases) {
        c.times.floor.push(initMs(c.floor, ENVIRONMENT[c.name] ?? {}));
        c.times.ours.push(initMs(c.ours, ENVIRONMENT[c.name] ?? {}));
      }
    }
    const kb = (file: string) => `${(statSync(file).size / 1024).toFixed(0)} KB`;
    console.log(
      `## Cold start: module initialisation, median of ${RUNS} fresh Node processes each, against a floor bundle with only the same AWS SDK clients\n`,
    );
    printTable([
      ["function", "SDK clients", "bundle", "floor bundle", "init ms", "floor init ms", "ours/floor"],
      ...cases.map((c) => {
        const [ours, floor] = [median(c.times.ours), median(c.times.floor)];
        return [
          c.name,
          c.clients.map((pkg) => pkg.replace("client-", "")).join(", ") || "none",
          kb(c.ours),
          kb(c.floor),
          ours.toFixed(1),
          floor.toFixed(1),
          `${(ours / floor).toFixed(2)}x`,
        ];
      }),
    ]);
    if (cases.some((c) => c.clients.length === 0)) {
      console.log("\nA function with no SDK client has an empty module as its floor: its ratio is against Node loading nothing, so read its milliseconds.");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
