import { loadavg } from "node:os";
import { runClickstream } from "../local/run";
import { startLocalPipeline } from "../local/runtime/pipeline";
import { printTable } from "./table";

const SIZES = (process.env.BENCH_SCALING_EVENTS ?? "1000,3000,10000,100000").split(",").map((size) => Number(size.trim()));
/** The size the others are compared with: `npm start`'s default. */
const REFERENCE = 3_000;

/**
 * The whole local pipeline (`npm start`, pull mode, 1,000 events a second) at each size, one after
 * another in this run, each on freshly started engines: seconds from the first event produced to
 * the last row loaded, end-to-end events per second, latency from production to row, and the
 * drain after the last row (projections catching up). Throughput that holds as the size grows
 * means a run's cost grows linearly with its events.
 */
export async function benchScaling(): Promise<void> {
  if (SIZES.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`BENCH_SCALING_EVENTS must be whole numbers separated by commas, got "${process.env.BENCH_SCALING_EVENTS}"`);
  const rows: { events: number; seconds: number; perSecond: number; p50: number; p99: number; drain: number; exact: boolean; load: string }[] = [];
  for (const events of SIZES) {
    const pipeline = await startLocalPipeline({ accessMode: "pull" });
    try {
      const load = loadavg()[0].toFixed(1);
      const summary = await runClickstream(pipeline, { events, rate: 1_000, malformedShare: 0.02, duplicateShare: 0.1, seed: 42 });
      rows.push({
        events,
        seconds: summary.seconds,
        perSecond: summary.eventsPerSecond,
        p50: summary.latencyMs.p50 / 1000,
        p99: summary.latencyMs.p99 / 1000,
        drain: summary.drainSeconds,
        exact: summary.lost === 0 && summary.duplicated === 0 && !summary.stalled,
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
      "p50 latency s",
      "p99 latency s",
      "drain s",
      "lost/duplicated",
      "load average (1 min)",
      `events/s vs ${REFERENCE}`,
    ],
    ...rows.map((r) => [
      String(r.events),
      r.seconds.toFixed(1),
      r.perSecond.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.drain.toFixed(0),
      r.exact ? "0/0" : "NOT EXACT",
      r.load,
      reference ? `${(r.perSecond / reference.perSecond).toFixed(2)}x` : "-",
    ]),
  ]);
  console.log("\nThe machine is shared: the load average at the start and end of each size says how much it was.");
}
