import { type StartOptions } from "../start-args";

/** The command that runs the same chaos run again: the same seed, events and settings. */
export function replayCommand(options: StartOptions, seed: number): string {
  return `npm start -- --chaos --seed ${seed} --events ${options.events} --rate ${options.rate} --malformed-share ${options.malformedShare} --duplicate-share ${options.duplicateShare} --mode ${options.mode}${options.noRebuild ? " --no-rebuild" : ""}`;
}

/** The chaos run's part of the summary: the faults injected by kind, and the verdict on the end state. */
export function chaosLines(seed: number, injected: Record<string, number>, problems: readonly string[], replay: string): string[] {
  const kinds = Object.entries(injected).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(0, ...kinds.map(([kind]) => kind.length));
  return [
    `Chaos run, seed ${seed}: faults injected, by kind`,
    ...kinds.map(([kind, n]) => `  ${kind.padEnd(width)}  ${n}`),
    problems.length === 0
      ? "Verdict: exact. Every valid event once in MySQL with its newest values, every aggregate equal to a recomputation from the valid events, every malformed event parked with its reason, nothing sent to a failure destination: 0 lost, 0 duplicated."
      : `Verdict: FAILED, seed ${seed}\n${problems.map((problem) => `  - ${problem}`).join("\n")}\nReplay it: ${replay}`,
  ];
}
