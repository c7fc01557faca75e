import { CALIBRATION_WORKLOADS, type CalibrationWorkload, type MeasuredFigures } from "./measured";

/**
 * How much longer a function's core takes on Lambda's arm64 (Graviton2) than on the bench machine.
 *
 * AWS gives a function CPU in proportion to its memory: "At 1,769 MB, a function has the
 * equivalent of one vCPU" (capacity/limits.ts, LAMBDA.memoryPage), and an arm64 function runs
 * on Graviton2. AWS publishes no per-core speed, so the bench runs two single-threaded Node.js
 * workloads whose durations on Lambda were published, and scales by their ratio:
 *
 * - sha256Chain: 500,000 chained SHA-256 digests of 32 bytes, each through `createHash` (small
 *   allocations and calls into native code, as the functions' JSON and buffers are);
 * - float64Sort: a 100 MiB Float64Array filled with random integers in a JavaScript loop, sorted,
 *   and the SHA-256 of its first 1,000 values as JSON.
 *
 * Their mean warm durations on Lambda arm64 at 1,769 MB (one vCPU), in us-east-2, from the
 * benchmark run of 30 November 2025 (300 warm invocations per configuration), by Node major:
 * https://github.com/cebert/aws-lambda-performance-benchmarks/tree/main/published-results/december-2025
 * (tables/cpu-intensive/warm.md and tables/memory-intensive/warm.md; the workloads are the
 * handlers under lambdas/nodejs there, with the 500,000 iterations set in scripts/benchmark_utils.py).
 *
 * Assumed: the functions' cores scale like the slower of the two workloads (the larger ratio is
 * taken, so the model errs slow), a Lambda duration at one vCPU is CPU time, and a measurement
 * on one Node major holds for the functions' runtime (nodejs22.x): the published Node 20 and 22
 * durations differ by 6% or less on arm64.
 */
export const LAMBDA_ARM64_MS: Record<string, Record<CalibrationWorkload, number>> = {
  v20: { sha256Chain: 1_561.16, float64Sort: 2_439.08 },
  v22: { sha256Chain: 1_472.09, float64Sort: 2_499.6 },
};

export const LAMBDA_ARM64_SOURCE = "https://github.com/cebert/aws-lambda-performance-benchmarks/tree/main/published-results/december-2025";

/** Lambda arm64's time over the bench machine's for each workload, and the one the model takes (the larger). */
export function lambdaSpeedRatios(functions: MeasuredFigures["functions"]): { byWorkload: Record<CalibrationWorkload, number>; factor: number } {
  const major = /^v\d+/.exec(functions.measuredOn.node)?.[0] ?? functions.measuredOn.node;
  const published = LAMBDA_ARM64_MS[major];
  if (!published) {
    throw new Error(
      `capacity figures: measured on Node ${functions.measuredOn.node}, for which no Lambda arm64 durations are published here (${Object.keys(LAMBDA_ARM64_MS).join(", ")}); measure on one of those`,
    );
  }
  const byWorkload = Object.fromEntries(CALIBRATION_WORKLOADS.map((w) => [w, published[w] / functions.calibrationCpuMs[w]])) as Record<
    CalibrationWorkload,
    number
  >;
  return { byWorkload, factor: Math.max(...Object.values(byWorkload)) };
}
