import { cpus, loadavg } from "node:os";
import { runClickstream, type RunSummary } from "../local/run";
import { startLocalPipeline, type LocalPipeline } from "../local/runtime/pipeline";
import { processCpuSeconds } from "../local/runtime/process-cpu";
import { ingestCeiling, type IngestCeiling } from "./ingest";
import { printTable } from "./table";

const SIZES = (process.env.BENCH_SCALING_EVENTS ?? "1000,3000,10000,100000").split(",").map((size) => Number(size.trim()));
/** The size the others are compared with: `npm start`'s default. */
const REFERENCE = 3_000;
/** Records the ingest ceiling is measured with, before each size on its engines: a rate, steady from some thousands. */
const CEILING_RECORDS = 9_000;

/**
 * The whole local pipeline (`npm start`, pull mode, 1,000 events a second) at each size, one after
 * another in this run, each on freshly started engines: seconds from the first event produced to
 * the last row loaded, end-to-end events per second and their ratio to the ingest ceiling of the
 * same DynamoDB Local (BatchWriteItem alone, measured just before on its warmed-up JVM), latency
 * from production to row, and the drain after the last row (projections catching up) against the run. Then where the
 * time went, stage by stage: each function's invocations, seconds busy and CPU seconds, and the
 * CPU of each engine, of the runtime and of the whole machine.
 */
export async function benchScaling(): Promise<void> {
  if (SIZES.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`BENCH_SCALING_EVENTS must be whole numbers separated by commas, got "${process.env.BENCH_SCALING_EVENTS}"`);
  const rows: {
    events: number;
    summary: RunSummary;
    ceiling: IngestCeiling;
    exact: boolean;
    load: string;
    processCpu: Record<string, number | undefined>;
    /** Seconds of the whole run the CPU was read over: the events, the drain and the end checks. */
    runSeconds: number;
  }[] = [];
  for (const events of SIZES) {
    const pipeline = await startLocalPipeline({ accessMode: "pull" });
    try {
      const load = loadavg()[0].toFixed(1);
      const ceiling = await ingestCeiling(pipeline.clients.dynamodb, CEILING_RECORDS, `bench-ceiling-${events}`);
      const cpuBefore = processCpu(pipeline);
      const started = performance.now();
      const summary = await runClickstream(pipeline, { events, rate: 1_000, malformedShare: 0.02, duplicateShare: 0.1, seed: 42 });
      rows.push({
        events,
        summary,
        ceiling,
        exact: summary.lost === 0 && summary.duplicated === 0 && !summary.stalled,
        processCpu: cpuSince(cpuBefore, processCpu(pipeline)),
        runSeconds: (performance.now() - started) / 1000,
        load: `${load} → ${loadavg()[0].toFixed(1)}`,
      });
      console.error(`scaling: ${events} events done (${summary.seconds.toFixed(0)} s to the last row, ${summary.drainSeconds.toFixed(0)} s drain)`);
    } finally {
      await pipeline.stop();
    }
  }
  const reference = rows.find((row) => row.events === REFERENCE);
  console.log(`## Scaling: the local pipeline end to end (pull mode, 1,000 events/s produced), each size on fresh engines, one after another\n`);
  printTable([
    [
      "events",
      "seconds to last row",
      "events/s",
      "ingest ceiling/s",
      "events/s ÷ ceiling",
      "ceiling on a cold JVM/s",
      "p50 latency s",
      "p99 latency s",
      "drain s",
      "drain ÷ run",
      "lost/duplicated",
      "load average (1 min)",
      `events/s vs ${REFERENCE}`,
    ],
    ...rows.map(({ events, summary: r, ceiling, exact, load }) => [
      String(events),
      r.seconds.toFixed(1),
      r.eventsPerSecond.toFixed(0),
      ceiling.warm.toFixed(0),
      `${(r.eventsPerSecond / ceiling.warm).toFixed(2)}x`,
      ceiling.cold.toFixed(0),
      (r.latencyMs.p50 / 1000).toFixed(1),
      (r.latencyMs.p99 / 1000).toFixed(1),
      r.drainSeconds.toFixed(0),
      `${(r.drainSeconds / r.seconds).toFixed(2)}x`,
      exact ? "0/0" : "NOT EXACT",
      load,
      reference ? `${(r.eventsPerSecond / reference.summary.eventsPerSecond).toFixed(2)}x` : "-",
    ]),
  ]);
  const largest = rows[rows.length - 1];
  const wall = largest.summary.seconds + largest.summary.drainSeconds;
  console.log(`\n### Where the time went at ${largest.events} events, stage by stage (${wall.toFixed(0)} s to the last row and the drain)\n`);
  printTable([
    ["stage", "invocations", "errors", "processes", "seconds busy", "busy ÷ run", "CPU seconds", "CPU ÷ busy"],
    ...Object.entries(largest.summary.functions).map(([stage, f]) => [
      stage,
      String(f.invocations),
      String(f.errors),
      String(f.instances),
      f.busySeconds.toFixed(1),
      `${(f.busySeconds / wall).toFixed(2)}x`,
      f.cpuSeconds.toFixed(1),
      f.busySeconds > 0 ? `${(f.cpuSeconds / f.busySeconds).toFixed(2)}x` : "-",
    ]),
  ]);
  const { runSeconds } = largest;
  console.log(
    `\nThe engines, the runtime and the whole machine over the whole run (${runSeconds.toFixed(0)} s: the events, the drain and the end checks), on this machine's ${cpus().length} cores (one core busy the whole time is 1.00):\n`,
  );
  printTable([
    ["process", "CPU seconds", "cores busy"],
    ...Object.entries(largest.processCpu).map(([name, cpu]) => (cpu === undefined ? [name, "-", "-"] : [name, cpu.toFixed(1), (cpu / runSeconds).toFixed(2)])),
  ]);
  console.log(
    "\nBusy above 1x: invocations at once. CPU well below busy: the stage waits (on the engines, or on its own retries and delays), it does not compute.",
  );
  console.log("The machine is shared: the load average at the start and end of each size says how much it was.");
}

/** CPU seconds each engine's process, this one (the local runtime's mappings and Firehose, the producer) and the whole machine have used so far; undefined where /proc cannot tell. */
function processCpu(pipeline: LocalPipeline): Record<string, number | undefined> {
  const { dynamodb, kinesis, s3 } = pipeline.engineProcesses;
  const { user, system } = process.cpuUsage();
  return {
    "DynamoDB Local": processCpuSeconds(dynamodb),
    "Kinesis (kinesalite)": processCpuSeconds(kinesis),
    "S3 engine": processCpuSeconds(s3),
    "the local runtime and the producer (this process)": (user + system) / 1e6,
    "the whole machine (every process, the functions' and MariaDB's too)": machineBusySeconds(),
  };
}

/** CPU seconds every core of the machine has spent busy (not idle or waiting on I/O) since it started, from os.cpus(). */
function machineBusySeconds(): number {
  return cpus().reduce((sum, { times }) => sum + (times.user + times.nice + times.sys + times.irq) / 1000, 0);
}

/** The CPU seconds used between two readings, by process. */
const cpuSince = (before: Record<string, number | undefined>, after: Record<string, number | undefined>) =>
  Object.fromEntries(Object.entries(after).map(([name, cpu]) => [name, cpu === undefined ? undefined : cpu - (before[name] ?? 0)]));
