import { cpus } from "node:os";
import { MEASURED_FIGURES_PATH } from "../capacity/measured";
import { SIZES, type SizeName } from "./sizes";

interface Section {
  what: string;
  /** Its size variables: those in bench/sizes.ts, or a line of its own. */
  sizes: (SizeName | { name: string; default: string; what: string })[];
  /** Whether `--write` writes what it measures to the capacity model's figures. */
  writes?: boolean;
  /** Loaded when it runs, so `--help` and a bad argument load nothing. */
  run(options: { write: boolean }): Promise<void>;
}

/** Every section, in the order they run; `npm run bench -- <section> …` runs only those named. */
export const SECTIONS: Record<string, Section> = {
  ingest: { what: "ingest function against PutItem per record and a BatchWriteItem ceiling, on DynamoDB Local", sizes: ["BENCH_RECORDS", "BENCH_REPETITIONS"], run: async () => (await import("./ingest")).benchIngest() },
  transform: { what: "transform against a validator per record and a parse-and-join floor", sizes: ["BENCH_TRANSFORM_RECORDS", "BENCH_TRANSFORM_ROUNDS"], run: async () => (await import("./transform")).benchTransform() },
  forward: { what: "Firehose calls of the forward function against one per record", sizes: ["BENCH_FORWARD_RECORDS"], run: async () => (await import("./forward")).benchForward() },
  projection: { what: "projections a batch at a time against one record at a time and a BatchWriteItem ceiling", sizes: ["BENCH_PROJECTION_RECORDS", "BENCH_PROJECTION_ROUNDS"], run: async () => (await import("./projection")).benchProjection() },
  load: { what: "the loader against raw LOAD DATA and row-by-row INSERT, on MariaDB", sizes: ["BENCH_LOAD_ROWS", "BENCH_LOAD_ROUNDS", "BENCH_LOAD_BASELINE_ROWS"], writes: true, run: async ({ write }) => (await import("./load")).benchLoad({ write }) },
  capacity: { what: "CPU per record of each function's core, scaled to Lambda arm64", sizes: ["BENCH_CAPACITY_RECORDS", "BENCH_CAPACITY_ROUNDS"], writes: true, run: async ({ write }) => (await import("./capacity")).benchCapacityFigures({ write }) },
  "cold-start": { what: "each function's bundle and initialisation against a floor bundle", sizes: ["BENCH_COLD_START_RUNS"], run: async () => (await import("./cold-start")).benchColdStart() },
  scaling: {
    what: "the whole local pipeline (npm start) at several sizes",
    sizes: [{ name: "BENCH_SCALING_EVENTS", default: "1000,3000,10000,100000", what: "scaling: events of each run, separated by commas" }],
    run: async () => (await import("./scaling")).benchScaling(),
  },
};

export function usage(): string {
  const lines = [
    "npm run bench -- [section ...] [--write] [--help]",
    "",
    "Runs the sections named (every section, in this order, when none is), each against a baseline,",
    "floor or ceiling measured in the same run, and prints the ratios. Nothing asserts a speed.",
    "",
    "Sections, with their size variables (environment, default):",
  ];
  for (const [name, section] of Object.entries(SECTIONS)) {
    lines.push(`  ${name.padEnd(11)} ${section.what}`);
    for (const size of section.sizes) {
      const { name: variable, default: value, what } = typeof size === "string" ? { name: size, ...SIZES[size] } : size;
      lines.push(`      ${`${variable}=${value}`.padEnd(34)} ${what}`);
    }
  }
  lines.push(
    "",
    `  --write    with ${Object.keys(SECTIONS).filter((name) => SECTIONS[name].writes).join(" and ")}: write what they measured to ${MEASURED_FIGURES_PATH.replace(/.*\/(capacity\/)/, "$1")},`,
    "             which the capacity model reads (full sizes only)",
    "",
    "Exit status: 0 when every section ran, 1 when one failed (a line each), 2 for a bad argument.",
  );
  return lines.join("\n");
}

/** The error as one line: its message with the lines joined, never a stack. */
const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n").map((line) => line.trim()).filter(Boolean).join(" / ");

export async function main(argv: readonly string[], out = console.log, err = console.error): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out(usage());
    return 0;
  }
  const write = argv.includes("--write");
  const names = argv.filter((arg) => arg !== "--write");
  const unknown = names.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    err(`no bench section named ${unknown.join(", ")}: the sections are ${Object.keys(SECTIONS).join(", ")} (npm run bench -- --help)`);
    return 2;
  }
  const chosen = names.length > 0 ? names : Object.keys(SECTIONS);
  if (write && !chosen.some((name) => SECTIONS[name].writes)) {
    err(`--write needs a section that writes figures: ${Object.keys(SECTIONS).filter((name) => SECTIONS[name].writes).join(", ")} (npm run bench -- --help)`);
    return 2;
  }
  // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  out(`Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios.\n`);
  const failed: string[] = [];
  for (const [i, name] of chosen.entries()) {
    if (i > 0) out("");
    try {
      await SECTIONS[name].run({ write: write && SECTIONS[name].writes === true });
    } catch (error) {
      err(`bench section ${name} failed: ${oneLine(error)}`);
      failed.push(name);
    }
  }
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`bench: ${oneLine(error)}`);
      process.exitCode = 1;
    },
  );
}
