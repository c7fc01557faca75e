import { cpus } from "node:os";
import { type Command } from "../tools/cli-args";
import { runCommand, runMain } from "../tools/cli-run";

/** Every section, in the order they run, each loaded only when it runs: `--help` loads none. */
const SECTIONS: Record<string, () => void | Promise<void>> = {
  ingest: () => (require("./ingest") as typeof import("./ingest")).benchIngest(),
  transform: () => (require("./transform") as typeof import("./transform")).benchTransform(),
  forward: () => (require("./forward") as typeof import("./forward")).benchForward(),
  projection: () => (require("./projection") as typeof import("./projection")).benchProjection(),
  load: () => (require("./load") as typeof import("./load")).benchLoad(),
  capacity: () => (require("./capacity") as typeof import("./capacity")).benchCapacityFigures(),
  "cold-start": () => (require("./cold-start") as typeof import("./cold-start")).benchColdStart(),
  scaling: () => (require("./scaling") as typeof import("./scaling")).benchScaling(),
};

const options = {};

export const BENCH: Command<typeof options> = {
  name: "npm run bench",
  about: `Measures the pipeline's stages, each against a baseline or floor measured in the same run: read
the ratios, since the machine is shared and noisy (docs/benchmarks.md says what each figure means).`,
  options,
  operands: {
    placeholder: "section",
    help: `only these sections, in this order (default: all of them): ${Object.keys(SECTIONS).join(", ")}`,
    choices: Object.keys(SECTIONS),
  },
  exit: { done: "when every section ran", failed: "when one failed" },
};

runMain((argv, io) =>
  runCommand(BENCH, argv, io, async ({ operands }) => {
    // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    io.out(`Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios.\n`);
    const chosen = operands.length > 0 ? operands : Object.keys(SECTIONS);
    for (const [i, name] of chosen.entries()) {
      if (i > 0) io.out("");
      await SECTIONS[name]();
    }
    return 0;
  }),
);
