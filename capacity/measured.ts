import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The figures the capacity model takes from measurement, read from the file the bench writes
 * (`npm run bench -- capacity load --write`): never typed by hand. Each part says the machine it
 * was measured on and when.
 */

/** The functions whose cores the bench measures. */
export const COSTED_FUNCTIONS = ["ingest", "forward", "transform", "projectIndex", "projectAggregate"] as const;
export type CostedFunction = (typeof COSTED_FUNCTIONS)[number];

/** The two published Lambda workloads the bench also runs, to scale this machine's CPU to Lambda's (capacity/lambda-speed.ts). */
export const CALIBRATION_WORKLOADS = ["sha256Chain", "float64Sort"] as const;
export type CalibrationWorkload = (typeof CALIBRATION_WORKLOADS)[number];

export interface Machine {
  /** When, as an ISO 8601 time. */
  date: string;
  cpu: string;
  cores: number;
  /** Node's version, as `process.version` gives it. */
  node: string;
  /** The one-minute load average when the measurement started. */
  loadAverage: number;
}

export interface MeasuredFigures {
  /** The bench's "capacity" section: CPU time per record of each function's pure core, on one core of `measuredOn`. */
  functions: {
    measuredOn: Machine;
    /** Rounds measured; each figure is their median. */
    rounds: number;
    records: number;
    /** Average size of the bench's clickstream events, bytes. */
    eventBytes: number;
    /** The archive's CSV row for such an event over the event's size. */
    csvBytesPerEventByte: number;
    cpuMicrosPerRecord: Record<CostedFunction, number>;
    /** CPU milliseconds of each published Lambda workload on `measuredOn`. */
    calibrationCpuMs: Record<CalibrationWorkload, number>;
  };
  /** The bench's "load" section: rows the loader's one LOAD DATA statement loaded a second into MariaDB. */
  load: {
    measuredOn: Machine;
    rounds: number;
    rows: number;
    /** Average CSV row of the loaded object, bytes. */
    rowBytes: number;
    rowsPerSecond: number;
  };
}

export const MEASURED_FIGURES_PATH = join(__dirname, "measured-figures.json");
/** The commands that write each part of the file. */
const WRITE_COMMAND = "npm run bench -- capacity load --write";

type Problems = string[];

const positive = (problems: Problems, path: string, value: unknown): void => {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) problems.push(`${path} must be a positive number, got ${JSON.stringify(value)}`);
};

const object = (problems: Problems, path: string, value: unknown): Record<string, unknown> => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push(`${path} must be an object, got ${JSON.stringify(value)}`);
  return {};
};

function checkMachine(problems: Problems, path: string, value: unknown): void {
  const machine = object(problems, path, value);
  if (typeof machine.date !== "string" || Number.isNaN(Date.parse(machine.date)))
    problems.push(`${path}.date must be an ISO 8601 time, got ${JSON.stringify(machine.date)}`);
  if (typeof machine.cpu !== "string" || machine.cpu === "") problems.push(`${path}.cpu must be a non-empty string, got ${JSON.stringify(machine.cpu)}`);
  if (typeof machine.node !== "string" || !/^v\d+\./.test(machine.node))
    problems.push(`${path}.node must be a Node version such as v20.19.0, got ${JSON.stringify(machine.node)}`);
  positive(problems, `${path}.cores`, machine.cores);
  if (typeof machine.loadAverage !== "number" || !(machine.loadAverage >= 0))
    problems.push(`${path}.loadAverage must be a number of at least 0, got ${JSON.stringify(machine.loadAverage)}`);
}

/** Every problem with a figures file's contents, one per entry; empty when it is usable. */
function measuredFiguresProblems(value: unknown): string[] {
  const problems: Problems = [];
  const root = object(problems, "the file", value);
  const functions = object(problems, "functions", root.functions);
  checkMachine(problems, "functions.measuredOn", functions.measuredOn);
  for (const key of ["rounds", "records", "eventBytes", "csvBytesPerEventByte"]) positive(problems, `functions.${key}`, functions[key]);
  const cpu = object(problems, "functions.cpuMicrosPerRecord", functions.cpuMicrosPerRecord);
  for (const name of COSTED_FUNCTIONS) positive(problems, `functions.cpuMicrosPerRecord.${name}`, cpu[name]);
  const calibration = object(problems, "functions.calibrationCpuMs", functions.calibrationCpuMs);
  for (const name of CALIBRATION_WORKLOADS) positive(problems, `functions.calibrationCpuMs.${name}`, calibration[name]);
  const load = object(problems, "load", root.load);
  checkMachine(problems, "load.measuredOn", load.measuredOn);
  for (const key of ["rounds", "rows", "rowBytes", "rowsPerSecond"]) positive(problems, `load.${key}`, load[key]);
  return problems;
}

/** The figures in `path`; a missing, unreadable or malformed file is refused with what is wrong and how to write it again. */
export function readMeasuredFigures(path: string = MEASURED_FIGURES_PATH): MeasuredFigures {
  const refuse = (why: string) => new Error(`capacity figures ${path}: ${why}; write them with \`${WRITE_COMMAND}\``);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw refuse((error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(`not JSON (${(error as Error).message})`);
  }
  const problems = measuredFiguresProblems(parsed);
  if (problems.length > 0) throw refuse(problems.join("; "));
  return parsed as MeasuredFigures;
}
