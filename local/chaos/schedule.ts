import { prng } from "../clickstream";

/** A fault the chaos run injects at a moment of its schedule. */
export type ScheduledKind = "kill" | "pause" | "restart database" | "throttling burst" | "rebuild" | "backfill";

export interface ScheduledFault {
  kind: ScheduledKind;
  /** Milliseconds after the first event is produced (a rebuild or a backfill: 0, started by loadedShare instead). */
  atMs: number;
  /**
   * A rebuild or a backfill: started once this share of the valid events' rows is in MySQL, so
   * that the archive and the table hold much of the run already while events still flow.
   */
  loadedShare?: number;
  /** The function (kill), engine (pause), DynamoDB write operation (throttling burst) or projection function (backfill) it hits. */
  target?: string;
  /** How long a pause or a burst lasts. */
  durationMs: number;
  /** A backfill: whether it reads the archive too after the table scan (`--archive-bucket`). */
  archive?: boolean;
}

/** Engines a chaos run pauses and resumes (SIGSTOP, SIGCONT). */
export const PAUSED_ENGINES = ["dynamodb", "kinesis", "s3"] as const;

/** The writes a throttling burst refuses: the ingest function's and the index projection's batches, the aggregate projections' transactions. */
export const THROTTLED_OPERATIONS = ["BatchWriteItem", "TransactWriteItems"] as const;

/** At least this many of each scheduled fault (per stage for kills, per engine for pauses, per operation for throttling) in every run. */
export const MINIMUM_PER_KIND = 2;

/**
 * Rebuilds and backfills a run starts: 1 or 2 of each. Each one reads the whole archive or the
 * whole dedup table and lasts seconds to minutes, much longer than a kill or a pause, so fewer
 * of them than MINIMUM_PER_KIND keep a run short; other seeds draw other moments.
 */
export const REPAIRS_PER_KIND = { min: 1, max: 2 } as const;

/**
 * The faults of a run, drawn from its seed: each kind at least MINIMUM_PER_KIND times (and up to
 * twice that), at moments spread over the window in which events flow, overlapping as they fall.
 * `stages` are the functions to kill mid-batch, one of each per kill. Then 1 or 2 rebuilds of the
 * MySQL table from the archive, and 1 or 2 backfills of a projection of `backfilled` (the
 * projections the dedup table feeds), with and without the archive pass, each started when
 * a share of the rows (20% to 80%) is loaded. (Drawn after the others, so that a seed's other
 * faults are those it drew before these kinds were added.)
 */
export function chaosSchedule(seed: number, windowMs: number, stages: readonly string[], backfilled: readonly string[] = []): ScheduledFault[] {
  const random = prng(seed ^ 0x5eed);
  const count = () => MINIMUM_PER_KIND + Math.floor(random() * (MINIMUM_PER_KIND + 1));
  // Not in the first or the last tenth: the pipeline is busy then, and every fault has time to end.
  const moment = () => Math.round(windowMs * (0.1 + 0.75 * random()));
  const faults: ScheduledFault[] = [];
  const add = (kind: ScheduledKind, target: string | undefined, durationMs: () => number) => {
    for (let n = count(); n > 0; n--) faults.push({ kind, target, atMs: moment(), durationMs: durationMs() });
  };
  for (const stage of stages) add("kill", stage, () => 0);
  for (const engine of PAUSED_ENGINES) add("pause", engine, () => 300 + Math.round(random() * 1_700));
  add("restart database", undefined, () => 0);
  for (const operation of THROTTLED_OPERATIONS) add("throttling burst", operation, () => 500 + Math.round(random() * 1_500));
  const repairs = () => REPAIRS_PER_KIND.min + Math.floor(random() * (REPAIRS_PER_KIND.max - REPAIRS_PER_KIND.min + 1));
  const share = () => Math.round(100 * (0.2 + 0.6 * random())) / 100;
  for (let n = repairs(); n > 0; n--) faults.push({ kind: "rebuild", atMs: 0, loadedShare: share(), durationMs: 0 });
  if (backfilled.length > 0) {
    // With or without the archive pass, drawn for the first; a second backfill is the other kind.
    const firstArchive = random() < 0.5;
    for (let n = repairs(), i = 0; i < n; i++) {
      const target = backfilled[Math.floor(random() * backfilled.length)];
      faults.push({ kind: "backfill", target, atMs: 0, loadedShare: share(), durationMs: 0, archive: i % 2 === 0 ? firstArchive : !firstArchive });
    }
  }
  return faults.sort((a, b) => a.atMs - b.atMs || (a.loadedShare ?? 0) - (b.loadedShare ?? 0));
}
