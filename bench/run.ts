import { cpus } from "node:os";
import { MEASURED_FIGURES_PATH } from "../capacity/measured";
import { flag, UsageError, type Command } from "../tools/cli-args";
import { oneLine, runCommand, runMain, type Io } from "../tools/cli-run";
import { SIZES, type SizeName } from "./sizes";

interface Section {
  what: string;
  /** Its size variables: those in bench/sizes.ts, or a line of its own. */
  sizes: (SizeName | { name: string; default: string; what: string })[];
  /** Whether `--write` writes what it measures to the capacity model's figures. */
  writes?: boolean;
  /** Loaded only when it runs: `--help` and a bad argument load none. */
  run(options: { write: boolean }): void | Promise<void>;
}

/** A section's module, loaded when it runs. require, since the script runs under tsx/cjs, where import() of a .ts file fails. */
const section = <T>(path: string): T => require(path) as T;

/** Every section, in the order they run; `npm run bench -- <section> …` runs only those named. */
export const SECTIONS: Record<string, Section> = {
  ingest: {
    what: "the ingest function against PutItem per record and a BatchWriteItem ceiling, on DynamoDB Local",
    sizes: ["BENCH_RECORDS", "BENCH_REPETITIONS"],
    run: () => section<typeof import("./ingest")>("./ingest").benchIngest(),
  },
  transform: {
    what: "the transform against a validator per record and a parse-and-join floor",
    sizes: ["BENCH_TRANSFORM_RECORDS", "BENCH_TRANSFORM_ROUNDS"],
    run: () => section<typeof import("./transform")>("./transform").benchTransform(),
  },
  forward: {
    what: "the forward function's Firehose calls against one per record",
    sizes: ["BENCH_FORWARD_RECORDS"],
    run: () => section<typeof import("./forward")>("./forward").benchForward(),
  },
  projection: {
    what: "projections a batch at a time against one record at a time and a BatchWriteItem ceiling",
    sizes: ["BENCH_PROJECTION_RECORDS", "BENCH_PROJECTION_ROUNDS"],
    run: () => section<typeof import("./projection")>("./projection").benchProjection(),
  },
  load: {
    what: "the loader against raw LOAD DATA and row-by-row INSERT, on MariaDB",
    sizes: ["BENCH_LOAD_ROWS", "BENCH_LOAD_ROUNDS", "BENCH_LOAD_BASELINE_ROWS"],
    writes: true,
    run: ({ write }) => section<typeof import("./load")>("./load").benchLoad({ write }),
  },
  capacity: {
    what: "CPU per record of each function's core, scaled to Lambda arm64",
    sizes: ["BENCH_CAPACITY_RECORDS", "BENCH_CAPACITY_ROUNDS"],
    writes: true,
    run: ({ write }) => section<typeof import("./capacity")>("./capacity").benchCapacityFigures({ write }),
  },
  "cold-start": {
    what: "each function's bundle and initialisation against a floor bundle",
    sizes: ["BENCH_COLD_START_RUNS"],
    run: () => section<typeof import("./cold-start")>("./cold-start").benchColdStart(),
  },
  scaling: {
    what: "the whole local pipeline (npm start) at several sizes",
    sizes: [{ name: "BENCH_SCALING_EVENTS", default: "1000,3000,10000,100000", what: "events of each run, separated by commas" }],
    run: () => section<typeof import("./scaling")>("./scaling").benchScaling(),
  },
};

const writers = Object.keys(SECTIONS).filter((name) => SECTIONS[name].writes);
const figuresFile = MEASURED_FIGURES_PATH.replace(/.*\/(capacity\/)/, "$1");

/** A section and its size variables, as a paragraph of the help. */
function sectionHelp(name: string, section: Section): string {
  const sizes = section.sizes.map((size) => {
    const { name: variable, default: value, what } = typeof size === "string" ? { name: size, ...SIZES[size] } : size;
    return `${variable}=${value}, ${what}`;
  });
  return `${name}: ${section.what}. Sizes: ${sizes.join("; ")}.`;
}

const options = {
  write: flag({ help: `with ${writers.join(" and ")}: write what they measured to ${figuresFile}, which the capacity model reads (full sizes only)` }),
};

export const BENCH: Command<typeof options> = {
  name: "npm run bench",
  about: [
    `Measures the pipeline's stages, each against a baseline or floor measured in the same run: read
the ratios, since the machine is shared and noisy (docs/benchmarks.md says what each figure means).
Nothing asserts a speed. Each section's size comes from environment variables (default in the
help); CI sets them small. A section that fails prints one line and the others still run.`,
    ...Object.entries(SECTIONS).map(([name, section]) => sectionHelp(name, section)),
  ].join("\n\n"),
  options,
  operands: {
    placeholder: "section",
    help: `only these sections, in this order (default: all of them): ${Object.keys(SECTIONS).join(", ")}`,
    choices: Object.keys(SECTIONS),
  },
  exit: { done: "when every section ran", failed: "when one failed (a line each, naming it)" },
};

export function bench(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(BENCH, argv, io, async ({ operands, write }) => {
    const chosen = operands.length > 0 ? operands : Object.keys(SECTIONS);
    if (write && !chosen.some((name) => SECTIONS[name].writes)) throw new UsageError(`--write needs a section that writes figures: ${writers.join(", ")}`);
    // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    io.out(`Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios.\n`);
    let failed = false;
    for (const [i, name] of chosen.entries()) {
      if (i > 0) io.out("");
      try {
        await SECTIONS[name].run({ write: write && SECTIONS[name].writes === true });
      } catch (error) {
        io.err(`bench section ${name} failed: ${oneLine(error)}`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  });
}

if (require.main === module) runMain(bench);
