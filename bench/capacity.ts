import type { DynamoDBRecord } from "aws-lambda";
import { BENCH_EVENT_BYTES, CPU_MICROS_PER_RECORD, type CostedFunction } from "../capacity/figures";
import { forwardDecision } from "../functions/forward/core";
import { decodeRecord, HASH_KEY, RANGE_KEY } from "../functions/ingest/core";
import { aggregateChange } from "../functions/project/aggregate-core";
import { indexChange } from "../functions/project/index-core";
import { createTransformer } from "../functions/transform/core";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";
import { clickstreamBatches } from "../local/clickstream";
import { archiveRecords, tableStreamRecords } from "./archive-records";
import { printTable } from "./table";

const RECORDS = Number(process.env.BENCH_CAPACITY_RECORDS ?? 20_000);

/** CPU time (user and system) of `run` over every input, in microseconds per input, after a warm-up. */
function cpuMicrosPerRecord<T>(inputs: readonly T[], run: (input: T) => unknown): number {
  for (const input of inputs.slice(0, 2_000)) run(input);
  const started = process.cpuUsage();
  for (const input of inputs) run(input);
  const { user, system } = process.cpuUsage(started);
  return (user + system) / inputs.length;
}

/** As the dedup table's stream carries it with old images, as an aggregate needs. */
function withOldImages(records: DynamoDBRecord[]): DynamoDBRecord[] {
  return records.map((record) => ({ ...record, eventName: "MODIFY", dynamodb: { ...record.dynamodb, OldImage: record.dynamodb!.NewImage } }));
}

/**
 * CPU per record of each function's pure core, the per-record cost the capacity model uses
 * (capacity/figures.ts). CPU time, not wall time, so a busy machine changes it little.
 */
export function benchCapacityFigures(): void {
  if (!Number.isInteger(RECORDS) || RECORDS < 2_000) throw new Error(`BENCH_CAPACITY_RECORDS must be an integer of at least 2000, got "${process.env.BENCH_CAPACITY_RECORDS}"`);
  const [kinesis] = clickstreamBatches({ records: RECORDS, batchSize: RECORDS, seed: 11 });
  const eventBytes = kinesis.Records.reduce((sum, r) => sum + Buffer.from(r.kinesis.data, "base64").byteLength, 0) / RECORDS;
  const stream = tableStreamRecords(RECORDS);
  const archived = archiveRecords(RECORDS);
  const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
  const modified = withOldImages(stream);

  const measured: Record<CostedFunction, number> = {
    ingest: cpuMicrosPerRecord(kinesis.Records, decodeRecord),
    forward: cpuMicrosPerRecord(stream, (r) => forwardDecision(r, { keyAttributes: [HASH_KEY, RANGE_KEY], removeMode: "marker" })),
    transform: cpuMicrosPerRecord(archived, transform),
    projectIndex: cpuMicrosPerRecord(stream, (r) => indexChange(r, { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" })),
    projectAggregate: cpuMicrosPerRecord(modified, (r) => aggregateChange(r, { kind: "aggregate", groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }], sums: [{ name: "hits", attribute: "Hits" }] })),
  };
  console.log(`## Capacity figures: CPU per record of each function's core, ${RECORDS} clickstream events of ${eventBytes.toFixed(0)} bytes on average\n`);
  printTable([
    ["function core", "CPU µs/record", "model's figure", "measured/model"],
    ...Object.entries(measured).map(([name, micros]) => {
      const model = CPU_MICROS_PER_RECORD[name as CostedFunction];
      return [name, micros.toFixed(1), model.toFixed(1), `${(micros / model).toFixed(2)}x`];
    }),
  ]);
  console.log(`\nThe model's figures are for events of ${BENCH_EVENT_BYTES} bytes on one core; it scales them by event size and by`);
  console.log("each function's share of a vCPU (memory / 1,769 MB). Update capacity/figures.ts when the ratios drift far from 1.");
}
