import { prng } from "../clickstream";

/** A fault the chaos run injects at a moment of its schedule. */
export type ScheduledKind = "kill" | "pause" | "restart database" | "throttling burst";

export interface ScheduledFault {
  kind: ScheduledKind;
  /** Milliseconds after the first event is produced. */
  atMs: number;
  /** The function (kill), engine (pause) or DynamoDB write operation (throttling burst) it hits. */
  target?: string;
  /** How long a pause or a burst lasts. */
  durationMs: number;
}

/** Engines a chaos run pauses and resumes (SIGSTOP, SIGCONT). */
export const PAUSED_ENGINES = ["dynamodb", "kinesis", "s3"] as const;

/** The writes a throttling burst refuses: the ingest function's and the index projection's batches, the aggregate projections' transactions. */
export const THROTTLED_OPERATIONS = ["BatchWriteItem", "TransactWriteItems"] as const;

/** At least this many of each scheduled fault (per stage for kills, per engine for pauses, per operation for throttling) in every run. */
export const MINIMUM_PER_KIND = 2;

/**
 * The faults of a run, drawn from its seed: each kind at least MINIMUM_PER_KIND times (and up to
 * twice that), at moments spread over the window in which events flow, overlapping as they fall.
 * `stages` are the functions to kill mid-batch, one of each per kill.
 */
export function chaosSchedule(seed: number, windowMs: number, stages: readonly string[]): ScheduledFault[] {
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
  return faults.sort((a, b) => a.atMs - b.atMs);
}
