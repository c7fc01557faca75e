import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createBundledFunction } from "./bundled-function";
import { type PolicyStatement } from "./iam";
import { COMPONENT_PACKAGE } from "./package";
import { createSecureBucket } from "./secure-bucket";
import { validate } from "./validation";

export type KeyAttributeType = "S" | "N" | "B";

export interface GlobalSecondaryIndexArgs {
  name: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the index's key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "ALL". */
  projectionType?: "ALL" | "KEYS_ONLY" | "INCLUDE";
  /** Attributes copied into the index; only with projectionType "INCLUDE". */
  nonKeyAttributes?: string[];
}

export interface ProvisionedCapacityArgs {
  /** Read capacity units to start with, and the autoscaling minimum. */
  read: number;
  /** Write capacity units to start with, and the autoscaling minimum. */
  write: number;
  /** Autoscaling maximum for reads. Default: 10 × `read`. */
  maxRead?: number;
  /** Autoscaling maximum for writes. Default: 10 × `write`. */
  maxWrite?: number;
  /** Utilization percentage target tracking aims for, 20–90. Default: 70. */
  targetUtilization?: number;
}

export interface DedupTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  /** Default: "PAY_PER_REQUEST" (on-demand). */
  billingMode?: "PAY_PER_REQUEST" | "PROVISIONED";
  /** Required with billingMode "PROVISIONED", rejected otherwise. */
  capacity?: ProvisionedCapacityArgs;
  /** What the table's stream carries. Default: "NEW_IMAGE". */
  streamViewType?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
  /** Customer-managed KMS key for encryption at rest. Default: the AWS-managed key `alias/aws/dynamodb`. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Refuse DeleteTable. Default: false. */
  deletionProtection?: boolean;
  /** Default: none. */
  globalSecondaryIndexes?: GlobalSecondaryIndexArgs[];
  /** Attribute holding an epoch-seconds expiry time. Default: no TTL. */
  ttlAttribute?: string;
}

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

export interface DedupTableArgs {
  /** ARN of the Kinesis stream the ingest function reads. */
  streamArn: pulumi.Input<string>;
  /** ARN of an enhanced fan-out consumer of that stream; when set, the mapping reads through it. Default: none. */
  consumerArn?: pulumi.Input<string>;
  /** KMS key the stream is encrypted with; the ingest role may decrypt with it. Default: none. */
  streamKmsKeyArn?: pulumi.Input<string>;
  /** The table. Defaults: see each field. */
  table?: DedupTableSettings;
  /** The ingest function and its event source mapping. Defaults: see each field. */
  ingest?: IngestSettings;
  /** Days parked records and failed-batch records are kept in the dead-letter bucket. Default: kept forever. */
  deadLetterExpireAfterDays?: number;
  /** Days the ingest function's logs are kept. Default: 30. */
  logRetentionDays?: number;
}

export const dedupTableDefaults = {
  billingMode: "PAY_PER_REQUEST",
  streamViewType: "NEW_IMAGE",
  deletionProtection: false,
  targetUtilization: 70,
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

/** Actions Lambda's event source mapping needs on a Kinesis stream (seed 002). */
export const KINESIS_STREAM_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];
/** Actions it needs on an enhanced fan-out consumer. */
export const KINESIS_CONSUMER_READ_ACTIONS = ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"];

function validateArgs(name: string, args: DedupTableArgs): void {
  const check = validate(`DedupTable "${name}"`);
  const table = args.table ?? {};
  const ingest = args.ingest ?? {};
  check.oneOf("table.billingMode", table.billingMode, ["PAY_PER_REQUEST", "PROVISIONED"]);
  check.oneOf("table.streamViewType", table.streamViewType, ["NEW_IMAGE", "NEW_AND_OLD_IMAGES"]);
  if (table.billingMode === "PROVISIONED") {
    if (!table.capacity) check.fail('table.capacity is required when table.billingMode is "PROVISIONED"');
    else {
      check.integer("table.capacity.read", table.capacity.read, 1, 40_000);
      check.integer("table.capacity.write", table.capacity.write, 1, 40_000);
      check.integer("table.capacity.maxRead", table.capacity.maxRead, table.capacity.read, 40_000);
      check.integer("table.capacity.maxWrite", table.capacity.maxWrite, table.capacity.write, 40_000);
      check.integer("table.capacity.targetUtilization", table.capacity.targetUtilization, 20, 90);
    }
  } else if (table.capacity) {
    check.fail('table.capacity conflicts with table.billingMode "PAY_PER_REQUEST" (the default): set billingMode to "PROVISIONED" or drop capacity');
  }
  const indexNames = new Set<string>();
  for (const [i, index] of (table.globalSecondaryIndexes ?? []).entries()) {
    if (!index.name || !index.hashKey) check.fail(`table.globalSecondaryIndexes[${i}] needs a name and a hashKey`);
    if (indexNames.has(index.name)) check.fail(`table.globalSecondaryIndexes has two indexes named "${index.name}"`);
    indexNames.add(index.name);
    if (index.nonKeyAttributes?.length && index.projectionType !== "INCLUDE") {
      check.fail(`table.globalSecondaryIndexes[${i}].nonKeyAttributes needs projectionType "INCLUDE"`);
    }
  }
  if (table.ttlAttribute === "") check.fail("table.ttlAttribute must not be empty");
  check.integer("ingest.batchSize", ingest.batchSize, 1, 10_000);
  check.integer("ingest.parallelizationFactor", ingest.parallelizationFactor, 1, 10);
  check.integer("ingest.maximumBatchingWindowInSeconds", ingest.maximumBatchingWindowInSeconds, 0, 300);
  check.integer("ingest.maximumRetryAttempts", ingest.maximumRetryAttempts, 0, 10_000);
  check.integer("ingest.maximumRecordAgeInSeconds", ingest.maximumRecordAgeInSeconds, 60, 604_800);
  check.integer("ingest.memorySize", ingest.memorySize, 128, 10_240);
  check.integer("ingest.timeoutSeconds", ingest.timeoutSeconds, 1, 900);
  check.integer("ingest.writeConcurrency", ingest.writeConcurrency, 1, 64);
  check.integer("ingest.writeMaxAttempts", ingest.writeMaxAttempts, 1, 20);
  check.integer("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, 1, 36_500);
  check.integer("logRetentionDays", args.logRetentionDays, 1, 3_653);
  check.done();
}

/**
 * The consumer account's landing table. Kinesis records are written exactly once, keyed by their
 * sequence number and shard (seed 000), by an ingest function on an event source mapping; records
 * that can never be written are parked, with their reason, in an encrypted dead-letter bucket.
 */
export class DedupTable extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly tableStreamArn: pulumi.Output<string>;
  public readonly ingestFunctionArn: pulumi.Output<string>;
  public readonly ingestFunctionName: pulumi.Output<string>;
  public readonly ingestRoleArn: pulumi.Output<string>;
  public readonly deadLetterBucketName: pulumi.Output<string>;
  public readonly deadLetterBucketArn: pulumi.Output<string>;
  public readonly eventSourceMappingId: pulumi.Output<string>;

  constructor(name: string, args: DedupTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:DedupTable`, name, {}, opts);
    validateArgs(name, args);
    const d = dedupTableDefaults;
    const settings = args.table ?? {};
    const ingest = args.ingest ?? {};
    const provisioned = settings.billingMode === "PROVISIONED" ? settings.capacity : undefined;

    const attributeTypes = new Map<string, KeyAttributeType>([["seqNumbershardIdHash", "S"], ["sequenceNumber", "S"]]);
    for (const index of settings.globalSecondaryIndexes ?? []) {
      for (const key of [index.hashKey, index.rangeKey]) {
        if (key && !attributeTypes.has(key)) attributeTypes.set(key, index.attributeTypes?.[key] ?? "S");
      }
    }

    const table = new aws.dynamodb.Table(`${name}-table`, {
      name: settings.name,
      hashKey: "seqNumbershardIdHash",
      rangeKey: "sequenceNumber",
      attributes: [...attributeTypes].map(([attributeName, type]) => ({ name: attributeName, type })),
      billingMode: settings.billingMode ?? d.billingMode,
      readCapacity: provisioned?.read,
      writeCapacity: provisioned?.write,
      streamEnabled: true,
      streamViewType: settings.streamViewType ?? d.streamViewType,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: settings.kmsKeyArn },
      deletionProtectionEnabled: settings.deletionProtection ?? d.deletionProtection,
      globalSecondaryIndexes: settings.globalSecondaryIndexes?.map((index) => ({
        name: index.name,
        hashKey: index.hashKey,
        rangeKey: index.rangeKey,
        projectionType: index.projectionType ?? "ALL",
        nonKeyAttributes: index.nonKeyAttributes,
        readCapacity: provisioned?.read,
        writeCapacity: provisioned?.write,
      })),
      ttl: settings.ttlAttribute ? { attributeName: settings.ttlAttribute, enabled: true } : undefined,
    }, {
      parent: this,
      // Autoscaling owns the capacity once the table exists.
      ignoreChanges: provisioned ? ["readCapacity", "writeCapacity"] : [],
    });

    if (provisioned) this.addAutoscaling(name, table, provisioned);

    const deadLetter = createSecureBucket(`${name}-dead-letter`, { expireAfterDays: args.deadLetterExpireAfterDays }, this);

    const statements = pulumi
      .all([table.arn, deadLetter.bucket.arn, args.streamArn, args.consumerArn, args.streamKmsKeyArn])
      .apply(([tableArn, bucketArn, streamArn, consumerArn, keyArn]) => {
        const list: PolicyStatement[] = [
          { Sid: "WriteDedupTable", Effect: "Allow", Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: tableArn },
          { Sid: "ReadSourceStream", Effect: "Allow", Action: KINESIS_STREAM_READ_ACTIONS, Resource: streamArn },
          // Parked records go under parked/; Lambda writes failed-batch records for the mapping (it needs ListBucket too).
          { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/*` },
          { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
        ];
        if (consumerArn) list.push({ Sid: "ReadFanOutConsumer", Effect: "Allow", Action: KINESIS_CONSUMER_READ_ACTIONS, Resource: consumerArn });
        if (keyArn) list.push({ Sid: "DecryptSourceStream", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn });
        return list;
      });

    const fn = createBundledFunction(`${name}-ingest`, {
      code: "ingest",
      description: "Writes Kinesis records to the dedup table exactly once; parks records that can never be written",
      environment: {
        TABLE_NAME: table.name,
        DEAD_LETTER_BUCKET: deadLetter.bucket.bucket,
        WRITE_CONCURRENCY: String(ingest.writeConcurrency ?? d.writeConcurrency),
        WRITE_MAX_ATTEMPTS: String(ingest.writeMaxAttempts ?? d.writeMaxAttempts),
        POWERTOOLS_SERVICE_NAME: "ingest",
      },
      statements,
      memorySize: ingest.memorySize ?? d.memorySize,
      timeoutSeconds: ingest.timeoutSeconds ?? d.timeoutSeconds,
      logRetentionDays: args.logRetentionDays ?? d.logRetentionDays,
    }, this);

    const mapping = new aws.lambda.EventSourceMapping(`${name}-ingest-mapping`, {
      functionName: fn.function.arn,
      eventSourceArn: args.consumerArn ?? args.streamArn,
      startingPosition: "TRIM_HORIZON",
      batchSize: ingest.batchSize ?? d.batchSize,
      parallelizationFactor: ingest.parallelizationFactor ?? d.parallelizationFactor,
      maximumBatchingWindowInSeconds: ingest.maximumBatchingWindowInSeconds ?? d.maximumBatchingWindowInSeconds,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: ingest.maximumRetryAttempts ?? d.maximumRetryAttempts,
      maximumRecordAgeInSeconds: ingest.maximumRecordAgeInSeconds ?? d.maximumRecordAgeInSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: deadLetter.bucket.arn } },
    }, { parent: this, dependsOn: [fn.policy] });

    this.tableName = table.name;
    this.tableArn = table.arn;
    this.tableStreamArn = table.streamArn;
    this.ingestFunctionArn = fn.function.arn;
    this.ingestFunctionName = fn.function.name;
    this.ingestRoleArn = fn.role.arn;
    this.deadLetterBucketName = deadLetter.bucket.bucket;
    this.deadLetterBucketArn = deadLetter.bucket.arn;
    this.eventSourceMappingId = mapping.uuid;
    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      tableStreamArn: this.tableStreamArn,
      ingestFunctionArn: this.ingestFunctionArn,
      ingestFunctionName: this.ingestFunctionName,
      ingestRoleArn: this.ingestRoleArn,
      deadLetterBucketName: this.deadLetterBucketName,
      deadLetterBucketArn: this.deadLetterBucketArn,
      eventSourceMappingId: this.eventSourceMappingId,
    });
  }

  private addAutoscaling(name: string, table: aws.dynamodb.Table, capacity: ProvisionedCapacityArgs): void {
    const dimensions = [
      { kind: "read", min: capacity.read, max: capacity.maxRead ?? capacity.read * 10, metric: "DynamoDBReadCapacityUtilization" },
      { kind: "write", min: capacity.write, max: capacity.maxWrite ?? capacity.write * 10, metric: "DynamoDBWriteCapacityUtilization" },
    ];
    for (const { kind, min, max, metric } of dimensions) {
      const unit = kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits";
      const target = new aws.appautoscaling.Target(`${name}-${kind}-scaling`, {
        serviceNamespace: "dynamodb",
        resourceId: pulumi.interpolate`table/${table.name}`,
        scalableDimension: `dynamodb:table:${unit}`,
        minCapacity: min,
        maxCapacity: max,
      }, { parent: this });
      new aws.appautoscaling.Policy(`${name}-${kind}-scaling-policy`, {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: metric },
          targetValue: capacity.targetUtilization ?? dedupTableDefaults.targetUtilization,
        },
      }, { parent: this });
    }
  }
}
