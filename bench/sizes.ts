/**
 * Every section's size variables: the environment variables that make a section smaller (CI runs
 * each section small) or larger, with their defaults. `npm run bench -- --help` lists them.
 */
export const SIZES = {
  BENCH_RECORDS: { default: 30_000, min: 1, what: "records through each contender (the baseline takes the first 6,000)" },
  BENCH_REPETITIONS: { default: 3, min: 1, what: "interleaved rounds on fresh tables" },
  BENCH_TRANSFORM_RECORDS: { default: 100_000, min: 1, what: "archive records through each contender" },
  BENCH_TRANSFORM_ROUNDS: { default: 5, min: 1, what: "rounds of ours against the floor" },
  BENCH_FORWARD_RECORDS: { default: 10_000, min: 1, what: "table stream records at each batch size" },
  BENCH_PROJECTION_RECORDS: { default: 10_000, min: 1, what: "table stream records (one at a time: the first 1,000)" },
  BENCH_PROJECTION_ROUNDS: { default: 3, min: 1, what: "interleaved rounds on fresh tables" },
  BENCH_LOAD_ROWS: { default: 100_000, min: 1, what: "rows in the archive object" },
  BENCH_LOAD_ROUNDS: { default: 3, min: 1, what: "rounds on fresh databases" },
  BENCH_LOAD_BASELINE_ROWS: { default: 10_000, min: 1, what: "rows the row-by-row baseline inserts" },
  BENCH_CAPACITY_RECORDS: { default: 20_000, min: 2_000, what: "records through each function's core" },
  BENCH_CAPACITY_ROUNDS: { default: 3, min: 1, what: "rounds, each figure their median" },
  BENCH_COLD_START_RUNS: { default: 15, min: 1, what: "fresh Node processes per bundle" },
} as const satisfies Record<string, { default: number; min: number; what: string }>;

export type SizeName = keyof typeof SIZES;

/** The size the environment gives, else the default; checkSizes says whether it is usable. */
export const benchSize = (name: SizeName): number => Number(process.env[name] ?? SIZES[name].default);

/** Refuses a size that is not a whole number at least its minimum, naming the variable and what it got. */
export function checkSizes(...names: SizeName[]): void {
  for (const name of names) {
    const value = benchSize(name);
    if (!Number.isInteger(value) || value < SIZES[name].min)
      throw new Error(`${name} must be a whole number of at least ${SIZES[name].min}, got "${process.env[name]}"`);
  }
}

/** Whether every size is at its default or above: figures the capacity model reads are written only from full-size runs. */
export const atFullSize = (...names: SizeName[]): boolean => names.every((name) => benchSize(name) >= SIZES[name].default);
