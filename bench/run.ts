import { cpus } from "node:os";
import { benchCapacityFigures } from "./capacity";
import { benchForward } from "./forward";
import { benchIngest } from "./ingest";
import { benchLoad } from "./load";
import { benchTransform } from "./transform";

async function main(): Promise<void> {
  // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  console.log(`Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios.\n`);
  await benchIngest();
  console.log();
  benchTransform();
  console.log();
  await benchForward();
  console.log();
  await benchLoad();
  console.log();
  benchCapacityFigures();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
