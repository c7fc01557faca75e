/**
 * The AWS limits the capacity model checks, each as AWS publishes it, with the page it comes from.
 * Fixed limits cannot be raised; quotas are account defaults that a quota increase raises (give
 * the raised value in the `serviceQuotas` config key). Binary units: 1 MiB = 1,048,576 bytes.
 */

export const MiB = 1024 * 1024;

/** Regions where Kinesis and Firehose give their higher defaults. */
const LARGE_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];

export const KINESIS = {
  // "A shard supports 1 MB/s and 1000 records per second for writes and 2 MB/s for reads in both
  // on-demand and provisioned capacity modes." https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html
  shardWriteBytesPerSecond: 1 * MiB,
  shardWriteRecordsPerSecond: 1_000,
  shardReadBytesPerSecond: 2 * MiB,
  // A new on-demand stream has 4 MB/s of write capacity and scales to twice its previous peak.
  // https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
  onDemandInitialWriteBytesPerSecond: 4 * MiB,
  // An enhanced fan-out consumer gets 2 MiB/s per shard of its own; 20 consumers per stream.
  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html
  fanOutReadBytesPerSecond: 2 * MiB,
  fanOutConsumersPerStream: 20,
} as const;

export const LAMBDA = {
  // ParallelizationFactor: 1 (default) to 10 concurrent batches per shard, Kinesis and DynamoDB streams.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html
  maxParallelizationFactor: 10,
  // "At 1,769 MB, a function has the equivalent of one vCPU"; CPU is proportional to memory below it.
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
  memoryMbPerVcpu: 1_769,
  // Lambda polls a DynamoDB stream shard 4 times a second when it has caught up.
  // https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
  tableStreamPollsPerSecond: 4,
} as const;

export const DYNAMODB = {
  // "each individual partition is limited to 1000 write units per second and 3000 read units per
  // second"; a new on-demand table starts warm at 4,000 writes per second.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html
  partitionWriteUnitsPerSecond: 1_000,
  onDemandInitialWriteUnitsPerSecond: 4_000,
  // One write unit is one write per second of an item up to 1 KB; a transactional write takes two.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#default-limits-throughput-capacity-modes
  writeUnitBytes: 1_024,
  transactionalWriteUnits: 2,
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
  maxItemBytes: 400 * 1_024,
  // "Do not allow more than two processes to read from the same DynamoDB Streams shard at the same time."
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-dynamodb-streams
  streamReadersPerShard: 2,
} as const;

export const FIREHOSE = {
  // PutRecordBatch takes up to 500 records or 4 MiB per call; these cannot be changed.
  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
  recordsPerCall: 500,
  bytesPerCall: 4 * MiB,
  // Firehose hands the transform up to 1 MB at a time by default (hint 0.2–3 MB).
  // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
  transformBufferBytes: 1 * MiB,
} as const;

export const S3 = {
  // "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned prefix"
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
  putsPerSecondPerPrefix: 3_500,
} as const;

export const AURORA = {
  // Serverless v2 capacity runs from 0 to 256 ACUs; "each ACU is a combination of approximately
  // 2 gibibytes (GiB) of memory, corresponding CPU, and networking".
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html
  maxCapacity: 256,
  memoryGiBPerAcu: 2,
} as const;

/** Account defaults a quota increase raises, per account and region. */
export interface ServiceQuotas {
  /** Lambda concurrent executions, all functions of the account in the region. */
  lambdaConcurrency: number;
  /** Kinesis provisioned shards per account. */
  kinesisShards: number;
  /** Highest write throughput an on-demand stream scales to, MiB/s. */
  kinesisOnDemandMaxWriteMiBPerSecond: number;
  /** DynamoDB table-level write throughput: what one on-demand table (or GSI) may consume, or one provisioned table may be given. */
  dynamodbTableWriteUnits: number;
  /** Firehose Direct PUT, per delivery stream. */
  firehoseMiBPerSecond: number;
  firehoseRequestsPerSecond: number;
  firehoseRecordsPerSecond: number;
}

/** The defaults in `region`, as AWS publishes them. */
export function defaultQuotas(region: string): ServiceQuotas {
  const large = LARGE_REGIONS.includes(region);
  return {
    // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    lambdaConcurrency: 1_000,
    // 20,000 shards in us-east-1, us-west-2 and eu-west-1; "1,000 or 6,000" elsewhere (the lower is taken).
    // On-demand streams scale to 10 GB/s of writes in those three regions, to 200 MB/s elsewhere.
    // https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
    kinesisShards: large ? 20_000 : 1_000,
    kinesisOnDemandMaxWriteMiBPerSecond: large ? 10 * 1_024 : 200,
    // On-demand: 40,000 write request units per table; provisioned: 40,000 write capacity units per table.
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#default-limits-throughput
    dynamodbTableWriteUnits: 40_000,
    // Direct PUT, PutRecord and PutRecordBatch combined, per delivery stream: 500,000 records/s,
    // 2,000 requests/s and 5 MiB/s in us-east-1, us-west-2 and eu-west-1; 100,000 records/s,
    // 1,000 requests/s and 1 MiB/s elsewhere. The three scale together when one is raised.
    // https://docs.aws.amazon.com/firehose/latest/dev/limits.html
    firehoseMiBPerSecond: large ? 5 : 1,
    firehoseRequestsPerSecond: large ? 2_000 : 1_000,
    firehoseRecordsPerSecond: large ? 500_000 : 100_000,
  };
}

/**
 * The quotas in `region` with the raised values an account was granted. Firehose's three Direct
 * PUT quotas scale together, so a raised byte quota alone raises the other two in proportion.
 */
export function quotasFor(region: string, granted: Partial<ServiceQuotas> = {}): ServiceQuotas {
  const defaults = defaultQuotas(region);
  const scale = (granted.firehoseMiBPerSecond ?? defaults.firehoseMiBPerSecond) / defaults.firehoseMiBPerSecond;
  return {
    ...defaults,
    firehoseRequestsPerSecond: Math.round(defaults.firehoseRequestsPerSecond * scale),
    firehoseRecordsPerSecond: Math.round(defaults.firehoseRecordsPerSecond * scale),
    ...granted,
  };
}

/** The names `serviceQuotas` accepts. */
export const QUOTA_KEYS = Object.keys(defaultQuotas("us-east-1")) as (keyof ServiceQuotas)[];
