import type { DynamoDBRecord } from "aws-lambda";
import { createHash } from "node:crypto";
import { LAMBDA_ARM64_MS, lambdaSpeedRatios } from "../capacity/lambda-speed";
import {
  CALIBRATION_WORKLOADS,
  COSTED_FUNCTIONS,
  readMeasuredFigures,
  type CalibrationWorkload,
  type CostedFunction,
  type MeasuredFigures,
} from "../capacity/measured";
import { forwardDecision } from "../functions/forward/core";
import { decodeRecord, HASH_KEY, RANGE_KEY } from "../functions/ingest/core";
import { aggregateChange } from "../functions/project/aggregate-core";
import { indexChange } from "../functions/project/index-core";
import { createTransformer } from "../functions/transform/core";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";
import { clickstreamBatches } from "../local/clickstream";
import { archiveRecords, tableStreamRecords } from "./archive-records";
import { thisMachine, writeMeasuredPart } from "./figures-file";
import { median } from "./median";
import { atFullSize, benchSize, checkSizes } from "./sizes";
import { printTable } from "./table";

/** CPU time (user and system, every thread) of `run`, in milliseconds. */
function cpuMs(run: () => unknown): number {
  const started = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1_000;
}

/** CPU time of `run` over every input, in microseconds per input, after a warm-up. */
function cpuMicrosPerRecord<T>(inputs: readonly T[], run: (input: T) => unknown): number {
  for (const input of inputs.slice(0, 2_000)) run(input);
  return (cpuMs(() => inputs.forEach((input) => run(input))) * 1_000) / inputs.length;
}

/** As the dedup table's stream carries it with old images, as an aggregate needs. */
function withOldImages(records: DynamoDBRecord[]): DynamoDBRecord[] {
  return records.map((record) => ({ ...record, eventName: "MODIFY", dynamodb: { ...record.dynamodb, OldImage: record.dynamodb!.NewImage } }));
}

/** The two workloads whose Lambda arm64 durations are published (capacity/lambda-speed.ts), as described there. */
const CALIBRATION: Record<CalibrationWorkload, () => unknown> = {
  sha256Chain: () => {
    let digest = Buffer.from("capacity calibration");
    for (let i = 0; i < 500_000; i++) digest = createHash("sha256").update(digest).digest();
    return digest;
  },
  float64Sort: () => {
    const values = new Float64Array((100 * 1024 * 1024) / 8);
    for (let i = 0; i < values.length; i++) values[i] = Math.floor(Math.random() * 1_073_741_824);
    values.sort();
    return createHash("sha256")
      .update(JSON.stringify(Array.from(values.subarray(0, 1_000))))
      .digest("hex");
  },
};

/** What one round measures: each core's CPU per record, and each calibration workload's CPU time. */
function measureRound(records: number) {
  const [kinesis] = clickstreamBatches({ records, batchSize: records, seed: 11 });
  const stream = tableStreamRecords(records);
  const archived = archiveRecords(records);
  const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
  const modified = withOldImages(stream);
  const cores: Record<CostedFunction, number> = {
    ingest: cpuMicrosPerRecord(kinesis.Records, decodeRecord),
    forward: cpuMicrosPerRecord(stream, (r) => forwardDecision(r, { keyAttributes: [HASH_KEY, RANGE_KEY], removeMode: "marker" })),
    transform: cpuMicrosPerRecord(archived, transform),
    projectIndex: cpuMicrosPerRecord(stream, (r) => indexChange(r, { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" })),
    projectAggregate: cpuMicrosPerRecord(modified, (r) =>
      aggregateChange(r, {
        kind: "aggregate",
        groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
        sums: [{ name: "hits", attribute: "Hits" }],
      }),
    ),
  };
  const calibration = Object.fromEntries(CALIBRATION_WORKLOADS.map((name) => [name, cpuMs(CALIBRATION[name])])) as Record<CalibrationWorkload, number>;
  return { cores, calibration };
}

/** The events' average size, and the archive's CSV row over the event for the same events. */
function sizes(records: number): { eventBytes: number; csvBytesPerEventByte: number } {
  const [kinesis] = clickstreamBatches({ records, batchSize: records, seed: 7 });
  const eventBytes = kinesis.Records.reduce((sum, r) => sum + Buffer.from(r.kinesis.data, "base64").byteLength, 0);
  const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
  const csvBytes = archiveRecords(records).reduce((sum, data) => {
    const result = transform(data);
    if (!result.ok) throw new Error(`the transform refused a generated record: ${result.detail}`);
    return sum + Buffer.byteLength(result.line);
  }, 0);
  return { eventBytes: eventBytes / records, csvBytesPerEventByte: csvBytes / eventBytes };
}

/** The figures file as it is, or why it cannot be read: the bench must run to write a first or broken one again. */
function currentFigures(): MeasuredFigures | string {
  try {
    return readMeasuredFigures();
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * CPU per record of each function's pure core, the per-record cost the capacity model uses, as CPU
 * time (not wall time, so a busy machine changes it little), the median of BENCH_CAPACITY_ROUNDS
 * rounds; with it, the two published workloads that scale it to Lambda's arm64. With `write`
 * (and full sizes), writes them to capacity/measured-figures.json.
 */
export function benchCapacityFigures({ write = false } = {}): void {
  checkSizes("BENCH_CAPACITY_RECORDS", "BENCH_CAPACITY_ROUNDS");
  const records = benchSize("BENCH_CAPACITY_RECORDS");
  const roundCount = benchSize("BENCH_CAPACITY_ROUNDS");
  if (write && !atFullSize("BENCH_CAPACITY_RECORDS", "BENCH_CAPACITY_ROUNDS"))
    throw new Error("--write takes figures from full-size runs only: unset BENCH_CAPACITY_RECORDS and BENCH_CAPACITY_ROUNDS");
  const measuredOn = thisMachine();
  const rounds = Array.from({ length: roundCount }, () => measureRound(records));
  const cores = Object.fromEntries(COSTED_FUNCTIONS.map((name) => [name, median(rounds.map((r) => r.cores[name]))])) as Record<CostedFunction, number>;
  const calibrationCpuMs = Object.fromEntries(CALIBRATION_WORKLOADS.map((name) => [name, median(rounds.map((r) => r.calibration[name]))])) as Record<
    CalibrationWorkload,
    number
  >;
  const functions: MeasuredFigures["functions"] = { measuredOn, rounds: roundCount, records, ...sizes(records), cpuMicrosPerRecord: cores, calibrationCpuMs };
  const speed = lambdaSpeedRatios(functions);
  const current = currentFigures();

  console.log(
    `## Capacity figures: CPU per record of each function's core, ${records} clickstream events of ${functions.eventBytes.toFixed(0)} bytes on average, median of ${roundCount} rounds\n`,
  );
  const spread = (values: number[]) => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
  printTable([
    ["function core", "CPU µs/record here", "rounds", "on Lambda arm64", "model's figure", "measured/model"],
    ...COSTED_FUNCTIONS.map((name) => {
      const lambda = cores[name] * speed.factor;
      const model = typeof current === "string" ? undefined : current.functions.cpuMicrosPerRecord[name] * lambdaSpeedRatios(current.functions).factor;
      return [
        name,
        cores[name].toFixed(1),
        spread(rounds.map((r) => r.cores[name])),
        lambda.toFixed(1),
        model?.toFixed(1) ?? "-",
        model ? `${(lambda / model).toFixed(2)}x` : "-",
      ];
    }),
  ]);
  const major = /^v\d+/.exec(process.version)![0];
  console.log(`\n## Lambda arm64 against this machine: the published workloads (Node ${major}, one vCPU), CPU ms here\n`);
  printTable([
    ["workload", "ms here", "ms on Lambda arm64", "Lambda/here"],
    ...CALIBRATION_WORKLOADS.map((name) => [
      name,
      calibrationCpuMs[name].toFixed(0),
      LAMBDA_ARM64_MS[major][name].toFixed(0),
      `${speed.byWorkload[name].toFixed(2)}x`,
    ]),
  ]);
  console.log(`\nThe model takes the larger ratio, ${speed.factor.toFixed(2)}x (capacity/lambda-speed.ts), and scales by event size and by each function's`);
  console.log(
    `share of a vCPU (memory / 1,769 MB). ${typeof current === "string" ? `The current figures file is unusable: ${current}` : `The current figures were measured on ${current.functions.measuredOn.cpu}, ${current.functions.measuredOn.date.slice(0, 10)}.`}`,
  );
  if (write) writeMeasuredPart("functions", functions);
}
