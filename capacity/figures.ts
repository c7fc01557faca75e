/**
 * Costs the capacity model needs where AWS publishes no number. Every stage that uses one is
 * marked "estimated" in the plan, and docs/scaling.md says how each was found.
 */

export type CostedFunction = "ingest" | "forward" | "transform" | "projectIndex" | "projectAggregate";

/**
 * CPU per record, from `npm run bench` ("Capacity figures"): the CPU time (not wall time) each
 * function's pure core takes per record on one core of the benchmark machine (Intel Xeon
 * @ 2.50GHz, Node 20), for the project's generated clickstream, the highest of three runs on
 * 2026-11-28, rounded up. The model scales them by event size over BENCH_EVENT_BYTES and by
 * 1,769 MB / memory, a function's share of a vCPU below one (capacity/limits.ts).
 */
export const CPU_MICROS_PER_RECORD: Record<CostedFunction, number> = {
  ingest: 121,
  forward: 69,
  transform: 26,
  projectIndex: 21,
  projectAggregate: 22,
};

/** Average size of the benchmark's clickstream events, bytes. */
export const BENCH_EVENT_BYTES = 640;

/**
 * The archive's CSV row for such an event with the default web-analytics columns: 309 bytes, about
 * half the event (the bench's events through the transform). Rows of other events are taken in
 * the same proportion.
 */
export const CSV_BYTES_PER_EVENT_BYTE = 309 / BENCH_EVENT_BYTES;

/**
 * Rows one LOAD DATA statement loads per second on one core, from `npm run bench` ("Load": the
 * loader, streaming a 100,000-row object of those 309-byte rows into MariaDB, 28,222 rows/s on the
 * benchmark machine). One statement runs on one server thread.
 */
export const LOAD_ROWS_PER_CORE_SECOND = 28_000;

/**
 * ACUs per vCPU. AWS gives an ACU as about 2 GiB of memory "and corresponding CPU"; the
 * memory-optimized classes Aurora runs on have 8 GiB per vCPU (db.r6g.large: 2 vCPUs, 16 GiB,
 * https://aws.amazon.com/rds/instance-types/), so 4 ACUs are taken as one vCPU, and a cluster at
 * N ACUs as loading N / 4 times what one core loads.
 */
export const ACUS_PER_VCPU = 4;

/**
 * One DynamoDB request from Lambda (a PutItem, or a BatchWriteItem of up to 25 puts, which
 * DynamoDB runs in parallel): 10 ms, the top of the "single-digit millisecond" latency AWS gives.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html
 * A transaction prepares and commits, two round trips: 20 ms.
 */
export const DYNAMODB_REQUEST_SECONDS = 0.01;
export const DYNAMODB_TRANSACTION_SECONDS = 0.02;

/** One PutRecordBatch call of up to 4 MiB: AWS publishes no latency; 50 ms is assumed, five DynamoDB requests. */
export const FIREHOSE_REQUEST_SECONDS = 0.05;
