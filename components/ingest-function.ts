import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createBundledFunction, type BundledFunction } from "./bundled-function";
import { type PolicyStatement } from "./iam";
import { createSecureBucket, type SecureBucket } from "./secure-bucket";
import { KINESIS_CONSUMER_READ_ACTIONS, KINESIS_STREAM_READ_ACTIONS } from "./stream-access";
import { type validate } from "./validation";

export interface IngestSettings {
  /** Records per invocation, 1–10000. Default: 300 (seed 000). */
  batchSize?: number;
  /** Concurrent batches per shard, 1–10. Default: 1. */
  parallelizationFactor?: number;
  /** Seconds to gather records before invoking, 0–300. Default: 0. */
  maximumBatchingWindowInSeconds?: number;
  /** Retries of a failing batch before it goes to the on-failure destination, 0–10000. Default: 10. */
  maximumRetryAttempts?: number;
  /** Oldest record age, in seconds, the mapping still sends, 60–604800. Default: 86400 (one day). */
  maximumRecordAgeInSeconds?: number;
  /** Default: 256. */
  memorySize?: number;
  /** Default: 120 (seed 000's two minutes). */
  timeoutSeconds?: number;
  /** BatchWriteItem requests in flight per invocation. Default: 4. */
  writeConcurrency?: number;
  /** BatchWriteItem attempts per chunk before its unprocessed items are retried by Lambda. Default: 8. */
  writeMaxAttempts?: number;
}

export const ingestDefaults = {
  batchSize: 300,
  parallelizationFactor: 1,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 86_400,
  memorySize: 256,
  timeoutSeconds: 120,
  writeConcurrency: 4,
  writeMaxAttempts: 8,
  logRetentionDays: 30,
} as const;

/** The Kinesis stream the ingest function reads, and what reading it takes. */
export interface IngestSource {
  streamArn: pulumi.Input<string>;
  /** An enhanced fan-out consumer of the stream; the mapping reads through it when set. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** The key the stream is encrypted with. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
}

export interface IngestFunctionArgs {
  /** Until the source is known, the function is deployed without its event source mapping. */
  source?: IngestSource;
  tableName: pulumi.Input<string>;
  /** How the function reaches the table: write access to it, or the right to assume a role that has it. */
  tableAccess: pulumi.Input<PolicyStatement[]>;
  /** Environment besides the table and dead-letter bucket. */
  environment?: Record<string, pulumi.Input<string>>;
  settings?: IngestSettings;
  deadLetterExpireAfterDays?: number;
  logRetentionDays?: number;
  /** An execution role created earlier with `createFunctionRole(`${name}-ingest`, INGEST_DESCRIPTION, …)`. */
  role?: aws.iam.Role;
}

export interface IngestFunction extends BundledFunction {
  deadLetter: SecureBucket;
  mapping: aws.lambda.EventSourceMapping | undefined;
}

export const INGEST_DESCRIPTION = "Writes Kinesis records to the dedup table exactly once; parks records that can never be written";

/** Adds a problem to `check` for each ingest setting out of range. */
export function validateIngestSettings(check: ReturnType<typeof validate>, ingest: IngestSettings = {}): void {
  check.integer("ingest.batchSize", ingest.batchSize, 1, 10_000);
  check.integer("ingest.parallelizationFactor", ingest.parallelizationFactor, 1, 10);
  check.integer("ingest.maximumBatchingWindowInSeconds", ingest.maximumBatchingWindowInSeconds, 0, 300);
  check.integer("ingest.maximumRetryAttempts", ingest.maximumRetryAttempts, 0, 10_000);
  check.integer("ingest.maximumRecordAgeInSeconds", ingest.maximumRecordAgeInSeconds, 60, 604_800);
  check.integer("ingest.memorySize", ingest.memorySize, 128, 10_240);
  check.integer("ingest.timeoutSeconds", ingest.timeoutSeconds, 1, 900);
  check.integer("ingest.writeConcurrency", ingest.writeConcurrency, 1, 64);
  check.integer("ingest.writeMaxAttempts", ingest.writeMaxAttempts, 1, 20);
}

/**
 * The ingest function (`functions/ingest`), its dead-letter bucket and its event source mapping,
 * parented to `parent` under the names `${name}-ingest`, `${name}-dead-letter` and
 * `${name}-ingest-mapping`. DedupTable runs it in the consumer account (pull mode), PushIngest in
 * the source account (push mode).
 */
export function createIngestFunction(name: string, args: IngestFunctionArgs, parent: pulumi.Resource): IngestFunction {
  const d = ingestDefaults;
  const settings = args.settings ?? {};
  const deadLetter = createSecureBucket(`${name}-dead-letter`, { expireAfterDays: args.deadLetterExpireAfterDays }, parent);
  const source = args.source;

  const statements = pulumi
    .all([args.tableAccess, deadLetter.bucket.arn, source?.streamArn, source?.consumerArn, source?.streamKmsKeyArn])
    .apply(([tableAccess, bucketArn, streamArn, consumerArn, keyArn]) => {
      const list: PolicyStatement[] = [...tableAccess];
      if (streamArn) list.push({ Sid: "ReadSourceStream", Effect: "Allow", Action: KINESIS_STREAM_READ_ACTIONS, Resource: streamArn });
      // Parked records go under parked/; Lambda writes failed-batch records for the mapping (it needs ListBucket too).
      list.push(
        { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/*` },
        { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
      );
      if (consumerArn) list.push({ Sid: "ReadFanOutConsumer", Effect: "Allow", Action: KINESIS_CONSUMER_READ_ACTIONS, Resource: consumerArn });
      if (keyArn) list.push({ Sid: "DecryptSourceStream", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn });
      return list;
    });

  const fn = createBundledFunction(`${name}-ingest`, {
    code: "ingest",
    description: INGEST_DESCRIPTION,
    environment: {
      TABLE_NAME: args.tableName,
      DEAD_LETTER_BUCKET: deadLetter.bucket.bucket,
      WRITE_CONCURRENCY: String(settings.writeConcurrency ?? d.writeConcurrency),
      WRITE_MAX_ATTEMPTS: String(settings.writeMaxAttempts ?? d.writeMaxAttempts),
      POWERTOOLS_SERVICE_NAME: "ingest",
      ...args.environment,
    },
    statements,
    memorySize: settings.memorySize ?? d.memorySize,
    timeoutSeconds: settings.timeoutSeconds ?? d.timeoutSeconds,
    logRetentionDays: args.logRetentionDays ?? d.logRetentionDays,
    role: args.role,
  }, parent);

  const mapping = source && new aws.lambda.EventSourceMapping(`${name}-ingest-mapping`, {
    functionName: fn.function.arn,
    eventSourceArn: pulumi.all([source.consumerArn, source.streamArn]).apply(([consumerArn, streamArn]) => consumerArn ?? streamArn),
    startingPosition: "TRIM_HORIZON",
    batchSize: settings.batchSize ?? d.batchSize,
    parallelizationFactor: settings.parallelizationFactor ?? d.parallelizationFactor,
    maximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds ?? d.maximumBatchingWindowInSeconds,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: settings.maximumRetryAttempts ?? d.maximumRetryAttempts,
    maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds ?? d.maximumRecordAgeInSeconds,
    functionResponseTypes: ["ReportBatchItemFailures"],
    destinationConfig: { onFailure: { destinationArn: deadLetter.bucket.arn } },
  }, { parent, dependsOn: [fn.policy] });

  return { ...fn, deadLetter, mapping };
}
