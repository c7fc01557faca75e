/**
 * AWS's list prices the running costs use: US East (N. Virginia), us-east-1, on-demand, without
 * free tiers, volume tiers beyond the first, savings plans or taxes, in US dollars; other regions
 * differ. Each group names AWS's pricing page. AWS renders the figures on those pages in the
 * browser, so on PRICES_CHECKED the units and rules were checked on the pages themselves and the
 * figures against dated quotations of them; the three Kinesis on-demand per-GB figures were found
 * in no quotation and are marked "unconfirmed". Update the figures and the date together.
 */
export const PRICES_CHECKED = "2026-12-07";
export const PRICES_REGION = "us-east-1";

/** 730 hours, the month AWS's pricing examples count. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3_600;
/** Prices per GB are per 2^30 bytes. */
export const GB = 1024 ** 3;

export const PRICES = {
  lambda: {
    page: "https://aws.amazon.com/lambda/pricing/",
    /** Arm (Graviton2) duration, per GB-second of configured memory, first 7.5 billion GB-s a month. */
    arm64PerGbSecond: 0.0000133334,
    perMillionRequests: 0.2,
  },
  dynamodb: {
    page: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    /** On-demand, per million write request units (halved in November 2024). A transactional write takes two per KB. */
    perMillionWriteRequestUnits: 0.625,
    /** Provisioned, per write capacity unit-hour. */
    perWriteCapacityUnitHour: 0.00065,
    /** Standard table class, per GB-month beyond the free 25 GB; the billable size adds 100 bytes per item. */
    storagePerGbMonth: 0.25,
    itemOverheadBytes: 100,
    /** Continuous backups (point-in-time recovery), per GB-month of the table's size; every table of the pipeline has it on. */
    pitrPerGbMonth: 0.2,
    /**
     * Streams: "You are not charged for GetRecords API calls invoked by AWS Lambda as part of
     * DynamoDB triggers" (the same page); every reader of the table's stream is a Lambda mapping.
     */
    streamReadsByLambdaPerMillion: 0,
  },
  kinesis: {
    page: "https://aws.amazon.com/kinesis/data-streams/pricing/",
    /** On-demand (Standard): each stream, per hour. */
    onDemandStreamHour: 0.04,
    /** On-demand: per GB written, each record rounded up to 1 KB (unconfirmed). */
    onDemandPerGbIn: 0.08,
    /** On-demand: per GB read through shared throughput (unconfirmed). */
    onDemandPerGbOut: 0.04,
    /** On-demand: per GB read through an enhanced fan-out consumer (unconfirmed). */
    onDemandFanOutPerGbOut: 0.05,
    /** Provisioned: per shard-hour. */
    shardHour: 0.015,
    /** Provisioned: per million PUT payload units of 25 KB (a record takes one per 25 KB begun). */
    perMillionPutPayloadUnits: 0.014,
    putPayloadUnitBytes: 25 * 1024,
    /** Provisioned: retention beyond 24 hours, per shard-hour. */
    extendedRetentionShardHour: 0.02,
    /** Provisioned: an enhanced fan-out consumer, per consumer-shard-hour, and per GB it reads. */
    fanOutConsumerShardHour: 0.015,
    fanOutPerGbOut: 0.013,
    onDemandRecordRoundingBytes: 1024,
  },
  firehose: {
    page: "https://aws.amazon.com/firehose/pricing/",
    /** Direct PUT ingestion, per GB of the first 500 TB a month; each record rounded up to 5 KB. */
    perGbIngested: 0.029,
    recordRoundingBytes: 5 * 1024,
  },
  s3: {
    page: "https://aws.amazon.com/s3/pricing/",
    /** S3 Standard, per GB-month of the first 50 TB. */
    storagePerGbMonth: 0.023,
    perThousandPuts: 0.005,
    perThousandGets: 0.0004,
  },
  aurora: {
    page: "https://aws.amazon.com/rds/aurora/pricing/",
    /** Aurora MySQL Serverless v2, Aurora Standard storage configuration, per ACU-hour. */
    acuHour: 0.12,
    /** Aurora Standard, per GB-month of the cluster volume. */
    storagePerGbMonth: 0.1,
  },
} as const;

/** Where the prices come from, in one line. */
export const PRICES_NOTE = `AWS list prices for ${PRICES_REGION}, checked ${PRICES_CHECKED} (capacity/prices.ts)`;
