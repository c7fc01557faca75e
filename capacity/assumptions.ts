/**
 * What the capacity model takes where AWS publishes no number, each stated with what AWS does
 * say. Measured figures are in capacity/measured-figures.json, AWS's limits in capacity/limits.ts.
 */

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

/**
 * ACUs per vCPU. AWS gives an ACU as about 2 GiB of memory "and corresponding CPU"; the
 * memory-optimized classes Aurora runs on have 8 GiB per vCPU (db.r6g.large: 2 vCPUs, 16 GiB,
 * https://aws.amazon.com/rds/instance-types/), so 4 ACUs are taken as one vCPU, and a cluster at
 * N ACUs as loading N / 4 times what one core of the bench machine loads.
 */
export const ACUS_PER_VCPU = 4;

/**
 * How often Lambda reads a Kinesis shard for the ingest function when it has caught up: "Lambda
 * polls the stream periodically (once per second)"
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html); an enhanced fan-out consumer
 * is pushed records as they arrive, and the same one second is assumed for how much a batch holds.
 */
export const KINESIS_POLLS_PER_SECOND = 1;
