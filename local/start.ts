// `npm start`: arguments first, with nothing heavy imported, so --help and a wrong flag answer at once.
import { randomInt } from "node:crypto";
import { performance } from "node:perf_hooks";
import { runCommand, runMain } from "../tools/cli-run";
import { START, startOptions, type StartOptions } from "./start-args";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** A chaos run's events flow for at least this long, so that every scheduled fault finds work under way. */
const CHAOS_MIN_WINDOW_SECONDS = 20;

async function run(options: StartOptions): Promise<number> {
  // The SDK warns on every client in Node 20 that its 2027 releases will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  console.log(`Starting the local engines and realizing the prod and poc stacks (${options.mode} mode):`);
  const loading = performance.now();
  // Loaded only now: the program, Pulumi and the AWS SDK take seconds to load. (require, not import(): this
  // runs under tsx's CommonJS hook, which the ESM loader behind import() knows nothing of.)
  const { startLocalPipeline } = require("./runtime/pipeline") as typeof import("./runtime/pipeline");
  const { runClickstream } = require("./run") as typeof import("./run");
  const { changePrinter } = require("./progress-line") as typeof import("./progress-line");
  const { summaryLines } = require("./summary") as typeof import("./summary");
  const { keepCommands } = require("./keep") as typeof import("./keep");
  const { ChaosInjector } = require("./chaos/injector") as typeof import("./chaos/injector");
  const { chaosVerdict } = require("./chaos/verdict") as typeof import("./chaos/verdict");
  const { chaosLines, replayCommand } = require("./chaos/report") as typeof import("./chaos/report");
  const seed = options.seed ?? (options.chaos ? randomInt(2 ** 32) : 42);
  const chaos = options.chaos ? new ChaosInjector(seed, { rebuilds: !options.noRebuild }) : undefined;
  console.log(`  the program and the AWS SDK loaded (${seconds(performance.now() - loading)})`);
  // Until the pipeline can stop itself, an interrupt exits through "exit", where the engines' processes are killed.
  const exitNow = () => process.exit(130);
  process.once("SIGINT", exitNow);
  const pipeline = await startLocalPipeline({
    accessMode: options.mode,
    dynamodbThrottleShare: chaos?.throttleShare,
    phase: (done, ms) => console.log(`  ${done} (${seconds(ms)})`),
  });
  process.removeListener("SIGINT", exitNow);
  const interrupted = (signal: string) => {
    console.error(`\n${signal}: stopping the engines and functions …`);
    void pipeline.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  try {
    const rate = chaos ? Math.min(options.rate, Math.max(1, Math.floor(options.events / CHAOS_MIN_WINDOW_SECONDS))) : options.rate;
    console.log(
      `\nProducing ${options.events} events at ${rate} a second${chaos ? ` with faults injected (chaos run, seed ${seed})` : ""}, and following them to MySQL (a line whenever a stage moves):`,
    );
    const produced = new Map<string, import("./chaos/verdict").ProducedEvent>();
    chaos?.start(pipeline, (options.events / rate) * 1000);
    const summary = await runClickstream(pipeline, {
      ...options,
      rate,
      seed,
      progress: changePrinter((line) => console.log(line)),
      ...(chaos && {
        onProduced: (key, data, parkReason) => produced.set(key, { data, parkReason }),
        onRowLoaded: (key, allLoaded, loadedShare) => chaos.rowLoaded(key, allLoaded, loadedShare),
      }),
    });
    if (chaos) {
      await chaos.stop();
      // A change in place still on its way when the rows were in: carried through before the verdict.
      await pipeline.drain();
    }
    console.log("");
    for (const line of summaryLines(summary, options.mode)) console.log(line);
    let failed = summary.lost > 0 || summary.duplicated > 0 || summary.stalled !== undefined;
    if (failed) console.error(`\n${summary.stalled ? "The pipeline stopped moving" : "Something was lost or duplicated"}: see above.`);
    if (chaos) {
      const problems = await chaosVerdict(pipeline, summary, produced, chaos.updatedHits, {
        scheduled: chaos.scheduled(),
        injected: chaos.injected,
        failed: chaos.failed,
      });
      console.log("");
      for (const line of chaosLines(seed, chaos.injected, problems, replayCommand(options, seed))) (problems.length ? console.error : console.log)(line);
      failed ||= problems.length > 0;
    }
    if (options.keep) {
      console.log("\nEverything is still running. Paste any of these into another shell:");
      for (const command of keepCommands(pipeline)) console.log(`  ${command}`);
      console.log("Press Ctrl-C to stop.");
      process.removeListener("SIGINT", interrupted);
      await new Promise<void>((done) => process.once("SIGINT", () => done()));
    }
    return failed ? 1 : 0;
  } finally {
    await pipeline.stop();
  }
}

// Exit status 0 when every valid event reached MySQL once, 1 when not, 2 on a wrong argument.
runMain((argv, io) => runCommand(START, argv, io, (values) => run(startOptions(values))));
