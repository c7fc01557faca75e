import { cpus } from "node:os";
import { benchCapacityFigures } from "./capacity";
import { benchColdStart } from "./cold-start";
import { benchForward } from "./forward";
import { benchIngest } from "./ingest";
import { benchLoad } from "./load";
import { benchProjection } from "./projection";
import { benchScaling } from "./scaling";
import { benchTransform } from "./transform";

/** Every section, in the order they run; `npm run bench -- <section> …` runs only those named. */
const SECTIONS: Record<string, () => void | Promise<void>> = {
  ingest: benchIngest,
  transform: benchTransform,
  forward: benchForward,
  projection: benchProjection,
  load: benchLoad,
  capacity: benchCapacityFigures,
  "cold-start": benchColdStart,
  scaling: benchScaling,
};

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    console.error(`no bench section named ${unknown.join(", ")}: the sections are ${Object.keys(SECTIONS).join(", ")}`);
    return 2;
  }
  // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  console.log(`Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios.\n`);
  const chosen = argv.length > 0 ? argv : Object.keys(SECTIONS);
  for (const [i, name] of chosen.entries()) {
    if (i > 0) console.log();
    await SECTIONS[name]();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
