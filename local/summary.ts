import { type RunSummary } from "./run";

const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`);

/** The end-of-run summary as label/explanation rows: each number says where it comes from and why it may differ from another. */
export function summaryRows(summary: RunSummary, mode: "pull" | "push"): [string, string][] {
  const parkedTotal = Object.values(summary.rejected).reduce((a, b) => a + b, 0);
  const extraArchived = summary.archivedRows - summary.loadedRows;
  const rows: [string, string][] = [
    ["access mode", mode],
    ["produced", `${summary.produced} events: ${summary.valid} valid, ${summary.malformed} malformed`],
    ["dedup table", `${summary.dedupItems} items, one per valid event (redelivered batches write the same keys again)`],
    [
      "parked by ingest",
      `${parkedTotal}${
        parkedTotal
          ? `: ${Object.entries(summary.rejected)
              .map(([reason, n]) => `${reason} ${n}`)
              .join(", ")}`
          : ""
      }, each in the dead-letter bucket with its reason and the record as sent`,
    ],
    [
      "archived rows",
      extraArchived > 0
        ? `${summary.archivedRows}: ${extraArchived} more than loaded, because ${summary.redeliveredBatches} batches were delivered twice (--duplicate-share) and a forward batch delivered twice archives its rows twice; the loader keeps one row per dedup key`
        : `${summary.archivedRows}`,
    ],
    ["loaded rows in MySQL", `${summary.loadedRows}`],
  ];
  for (const [name, projection] of Object.entries(summary.projections)) {
    const parked = projection.parked > 0 ? `; its function parked ${projection.parked} it could not project` : "";
    rows.push([
      `projection ${name}`,
      projection.kind === "index"
        ? `${projection.count} items: an index holds one item per event with a value for ${projection.keys.join(" and ")}${summary.valid > projection.count ? `, which ${summary.valid - projection.count} events lack` : ""}${parked}`
        : `${projection.count} events counted in its groups by ${projection.keys.join(" and ")} (each valid event once)${parked}`,
    ]);
  }
  for (const [part, stats] of Object.entries(summary.functions)) {
    rows.push([
      `function ${part}`,
      `${stats.invocations} ${stats.invocations === 1 ? "invocation" : "invocations"}${stats.errors ? ` (${stats.errors} failed, retried as Lambda retries them)` : ""}, ${stats.instances} ${stats.instances === 1 ? "process" : "processes"}, ${stats.busySeconds.toFixed(1)} s invoked, ${stats.cpuSeconds.toFixed(1)} s of CPU`,
    ]);
  }
  rows.push(
    ["duplicated (must be 0)", `${summary.duplicated} rows in MySQL that match no valid event`],
    ["lost (must be 0)", `${summary.lost} valid events without a row in MySQL`],
    [
      "latency",
      `p50 ${ms(summary.latencyMs.p50)}, p95 ${ms(summary.latencyMs.p95)}, p99 ${ms(summary.latencyMs.p99)}, max ${ms(summary.latencyMs.max)}, from PutRecords' answer until the loader finished the object holding the row`,
    ],
    [
      "throughput",
      `${summary.eventsPerSecond.toFixed(0)} events/s: ${summary.valid} valid events in the ${summary.seconds.toFixed(1)} s from the first event produced to the last row loaded`,
    ],
    ["drain", `${summary.drainSeconds.toFixed(1)} s more until every stage was idle (projections, the last archive objects)`],
  );
  if (summary.stalled) rows.push(["stalled", summary.stalled]);
  return rows;
}

/** The summary, aligned, as lines to print. */
export function summaryLines(summary: RunSummary, mode: "pull" | "push"): string[] {
  const rows = summaryRows(summary, mode);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
