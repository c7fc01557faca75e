import { lambdaSpeedRatios } from "./lambda-speed";
import { COSTED_FUNCTIONS, readMeasuredFigures, type CostedFunction, type MeasuredFigures } from "./measured";

/** Where the estimated limits come from: the measured figures, scaled to Lambda's arm64. */
export const FIGURES = "capacity/measured-figures.json";

/**
 * What the model estimates from the measured figures: each function's CPU per record on Lambda's
 * arm64 with one vCPU (this machine's, times the speed factor of capacity/lambda-speed.ts), and
 * the rows one LOAD DATA statement loads a second on a core of the same speed.
 */
export function estimatesFrom(measured: MeasuredFigures) {
  const speed = lambdaSpeedRatios(measured.functions);
  const { functions, load } = measured;
  return {
    measured,
    speed,
    /** CPU microseconds per record on Lambda arm64 at one vCPU, for events of `eventBytes`. */
    cpuMicrosPerRecord: Object.fromEntries(COSTED_FUNCTIONS.map((name) => [name, functions.cpuMicrosPerRecord[name] * speed.factor])) as Record<
      CostedFunction,
      number
    >,
    eventBytes: functions.eventBytes,
    csvBytesPerEventByte: functions.csvBytesPerEventByte,
    /** Rows of `loadRowBytes` one LOAD DATA statement loads a second on one vCPU (the bench's, scaled by the same factor). */
    loadRowsPerSecond: load.rowsPerSecond / speed.factor,
    loadRowBytes: load.rowBytes,
  };
}

export type Estimates = ReturnType<typeof estimatesFrom>;

/** The estimates from capacity/measured-figures.json; importing the model refuses a missing or malformed file. */
export const ESTIMATES: Estimates = estimatesFrom(readMeasuredFigures());
