import { LAMBDA_CONCURRENCY } from "../components/internal/aws-rules";

/**
 * The AWS limits the capacity model checks, each as AWS publishes it, with the page it comes from.
 * Fixed limits cannot be raised; quotas are account defaults that a quota increase raises (give
 * the raised value in the `serviceQuotas` config key). Binary units: 1 MiB = 1,048,576 bytes.
 */

export const MiB = 1024 * 1024;

/** Regions where Kinesis and Firehose give their higher defaults. */
export const LARGE_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];

/** Each group gives the page a limit comes from, as `*Page`, right before the numbers it sources. */
export const KINESIS = {
  // "A shard supports 1 MB/s and 1000 records per second for writes and 2 MB/s for reads in both
  // on-demand and provisioned capacity modes."
  shardPage: "https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html",
  shardWriteBytesPerSecond: 1 * MiB,
  shardWriteRecordsPerSecond: 1_000,
  shardReadBytesPerSecond: 2 * MiB,
  // A new on-demand stream has 4 MB/s of write capacity, and scales to twice its previous peak.
  quotasPage: "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
  onDemandInitialWriteBytesPerSecond: 4 * MiB,
  // On request, an on-demand stream scales to 10 GB/s of writes in every region.
  onDemandMaxWriteMiBPerSecondOnRequest: 10 * 1_024,
  // Up to 20 enhanced fan-out consumers per stream, each with 2 MiB/s per shard of its own.
  fanOutPage: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html",
  fanOutConsumersPerStream: 20,
} as const;

export const LAMBDA = {
  // ParallelizationFactor: 1 (default) to 10 concurrent batches per shard, Kinesis and DynamoDB streams.
  parallelizationPage: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html",
  maxParallelizationFactor: 10,
  // "At 1,769 MB, a function has the equivalent of one vCPU"; CPU is proportional to memory below it.
  memoryPage: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
  memoryMbPerVcpu: 1_769,
  // Lambda polls a DynamoDB stream shard 4 times a second when it has caught up.
  tableStreamPage: "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html",
  tableStreamPollsPerSecond: 4,
} as const;

export const DYNAMODB = {
  // "each individual partition is limited to 1000 write units per second and 3000 read units per
  // second"; a new on-demand table starts warm at 4,000 writes per second.
  partitionPage: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html",
  partitionWriteUnitsPerSecond: 1_000,
  onDemandInitialWriteUnitsPerSecond: 4_000,
  // One write unit is one write per second of an item up to 1 KB; a transactional write takes two.
  unitsPage: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#default-limits-throughput-capacity-modes",
  writeUnitBytes: 1_024,
  transactionalWriteUnits: 2,
  // An item, with its attribute names, holds at most 400 KB.
  itemPage: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items",
  maxItemBytes: 400 * 1_024,
  // "Do not allow more than two processes to read from the same DynamoDB Streams shard at the same time."
  streamPage: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-dynamodb-streams",
  streamReadersPerShard: 2,
  // TTL deletes expired items in the background, "typically within a few days" (the TTL guide);
  // "DynamoDB typically deletes expired items within two days of expiration" (UpdateTimeToLive).
  // Until then they "still count towards storage" (ttl-expired-items.html). Two days are taken.
  ttlPage: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html",
  ttlDeletionLagDays: 2,
} as const;

export const FIREHOSE = {
  // Direct PUT quotas per delivery stream (see defaultQuotas).
  quotasPage: "https://docs.aws.amazon.com/firehose/latest/dev/limits.html",
  // PutRecordBatch takes up to 500 records or 4 MiB per call; these cannot be changed.
  callPage: "https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html",
  recordsPerCall: 500,
  bytesPerCall: 4 * MiB,
  // The transform is invoked with what Firehose buffered: "The default Lambda buffering size hint
  // is 1 MB", the interval 60 seconds (the component keeps both defaults).
  transformPage: "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html",
  transformBufferBytes: 1 * MiB,
  transformBufferSeconds: 60,
} as const;

export const S3 = {
  // "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned prefix"
  prefixPage: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
  putsPerSecondPerPrefix: 3_500,
} as const;

export const AURORA = {
  // Serverless v2 capacity runs from 0 to 256 ACUs; "each ACU is a combination of approximately
  // 2 gibibytes (GiB) of memory, corresponding CPU, and networking".
  capacityPage: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html",
  maxCapacity: 256,
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

/** The page each quota's default comes from. */
export const QUOTA_PAGES: Record<keyof ServiceQuotas, string> = {
  lambdaConcurrency: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
  kinesisShards: KINESIS.quotasPage,
  kinesisOnDemandMaxWriteMiBPerSecond: KINESIS.quotasPage,
  dynamodbTableWriteUnits: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#default-limits-throughput",
  firehoseMiBPerSecond: FIREHOSE.quotasPage,
  firehoseRequestsPerSecond: FIREHOSE.quotasPage,
  firehoseRecordsPerSecond: FIREHOSE.quotasPage,
};

/** The defaults in `region`, as AWS publishes them (QUOTA_PAGES). */
export function defaultQuotas(region: string): ServiceQuotas {
  const large = LARGE_REGIONS.includes(region);
  return {
    // 1,000 concurrent executions, "can be increased up to: tens of thousands".
    lambdaConcurrency: LAMBDA_CONCURRENCY.defaultQuota,
    // 20,000 shards in us-east-1, us-west-2 and eu-west-1; "1,000 or 6,000" elsewhere (the lower is taken).
    // On-demand streams scale to 10 GB/s of writes in those three regions, to 200 MB/s elsewhere.
    kinesisShards: large ? 20_000 : 1_000,
    kinesisOnDemandMaxWriteMiBPerSecond: large ? KINESIS.onDemandMaxWriteMiBPerSecondOnRequest : 200,
    // On-demand: 40,000 write request units per table; provisioned: 40,000 write capacity units per table.
    dynamodbTableWriteUnits: 40_000,
    // Direct PUT, PutRecord and PutRecordBatch combined, per delivery stream: 500,000 records/s,
    // 2,000 requests/s and 5 MiB/s in us-east-1, us-west-2 and eu-west-1; 100,000 records/s,
    // 1,000 requests/s and 1 MiB/s elsewhere. The three scale together when one is raised.
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
