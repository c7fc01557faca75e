import * as fc from "fast-check";

/**
 * Settings of every property-based test: a fixed seed and run count, so CI is repeatable, and
 * one environment variable away from a longer or a fresh run:
 * `PROPERTY_RUNS=5000 npm test`, `PROPERTY_SEED=random npm test` (fast-check prints the seed
 * and path of any failure; `PROPERTY_SEED=<seed>` replays it).
 */
export function propertySettings(defaultRuns: number): fc.Parameters<unknown> {
  const seedText = process.env.PROPERTY_SEED ?? "20261126";
  const seed = seedText === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(seedText);
  const runs = Number(process.env.PROPERTY_RUNS ?? defaultRuns);
  if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1)
    throw new Error(`PROPERTY_SEED must be an integer or "random", PROPERTY_RUNS a positive integer`);
  return { seed, numRuns: runs };
}
