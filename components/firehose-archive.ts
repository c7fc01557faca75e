import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { versionSegment } from "../functions/shared/archive-schema";
import { ERROR_PREFIX, PROCESSED_PREFIX, SOURCE_PREFIX } from "./internal/archive-layout";
import { columnSqlTypes, compileSchema, FIXED_COLUMNS, type ArchiveColumn } from "../functions/transform/core";
import { HASH_KEY, RANGE_KEY } from "../functions/shared/dedup-key";
import { alarm, alarmNamesOf, functionAlarms, logLineAlarm, type MonitoringArgs } from "./internal/alarms";
import { createBundledFunction, type BundledFunction } from "./internal/bundled-function";
import { DEFAULT_LOG_RETENTION_DAYS, streamFunctionDefaults } from "./internal/shared-defaults";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./internal/iam";
import { checkDerivedNames, checkPhysicalName } from "./internal/names";
import { COMPONENT_PACKAGE } from "./internal/package";
import { type DataProtectionArgs } from "./internal/protection";
import { createSecureBucket } from "./internal/secure-bucket";
import { tableStreamReadStatements } from "./internal/stream-access";
import { LOG_MESSAGES } from "../functions/shared/telemetry-names";
import { createStreamFunction, streamFunctionNames, validateMappingSettings, type StreamFunction, type StreamMappingSettings } from "./internal/stream-function";
import { schemaColumnProblems } from "./internal/schema-columns";
import { nextSchema, type ArchiveSchemaVersion, type NextSchema } from "./internal/schema-history";
import { validate } from "./internal/validation";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "./internal/web-analytics";

const HOURLY = "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

/** How Firehose compresses the objects it writes. */
export const Compression = { Uncompressed: "UNCOMPRESSED", Gzip: "GZIP" } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

/** What a REMOVE event becomes in the archive: a delete marker row, or nothing. */
export const RemoveMode = { Marker: "marker", Skip: "skip" } as const;
export type RemoveMode = (typeof RemoveMode)[keyof typeof RemoveMode];

export interface DeliverySettings {
  /** Physical delivery stream name. Default: generated from the component name. */
  name?: string;
  /** MiB Firehose buffers before writing an object, 1–128. Default: 5 (the cross-account replication design). */
  bufferSizeMiB?: number;
  /** Seconds Firehose buffers before writing an object, 0–900. Default: 300 (the cross-account replication design). */
  bufferIntervalSeconds?: number;
  /** Default: "UNCOMPRESSED" (`LOAD DATA FROM S3` reads plain text). */
  compression?: Compression;
  /** Also keep every source record, untransformed, under `source/`. Default: false. */
  backupSourceRecords?: boolean;
}

/** Where S3 server access logs of the archive bucket go. */
export interface AccessLogSettings {
  /** The bucket receiving them, which must accept them. */
  bucket: pulumi.Input<string>;
  /** The key prefix they are written under. */
  prefix: string;
}

export interface ArchiveBucketSettings {
  /** Customer-managed KMS key for SSE-KMS. Default: SSE-S3. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Days a replaced or deleted object version is kept. Default: 30. */
  noncurrentVersionExpireDays?: number;
  /** Days records under `failed/` are kept. Default: 90. */
  failedDataExpireDays?: number;
  /** Days after which records under `failed/` move to Glacier Flexible Retrieval. Default: never. */
  failedDataGlacierAfterDays?: number;
  /** Server access logs to this bucket (which must accept them), under `<prefix>`. Default: none. */
  accessLog?: AccessLogSettings;
  /** Let `pulumi destroy` delete the bucket with its objects. Default: false. */
  forceDestroy?: boolean;
}

export interface ForwardSettings extends StreamMappingSettings {
  /** PutRecordBatch calls per batch of records before what still fails is retried by Lambda. Default: 6. */
  sendMaxAttempts?: number;
}

export interface TransformSettings {
  /** Default: 256. */
  memorySize?: number;
  /** Default: 60. */
  timeoutSeconds?: number;
  /** Days the transform's logs are kept. Default: the component's `logRetentionDays` (30). */
  logRetentionDays?: number;
}

export interface FirehoseArchiveArgs extends DataProtectionArgs {
  /** The dedup table's stream (DedupTable's `tableStreamArn`). */
  tableStreamArn: pulumi.Input<string>;
  /** The dedup table's customer-managed key (DedupTable's `table.kmsKeyArn`), when it has one: the forward function may decrypt its stream with it. Default: none. */
  tableKmsKeyArn?: pulumi.Input<string>;
  /** The table's key attributes, hash key first: the dedup key joins their values. Default: the dedup table's. */
  keyAttributes?: string[];
  /** JSON Schema (draft-07, formats allowed) every archived item must match. Default: WEB_ANALYTICS_SCHEMA (the DynamoDB-to-Aurora design). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` is what Pulumi's schema calls Any: another language passes a JSON object here.
  schema?: Record<string, any>;
  /** CSV columns after `dedup_key`, `change`, `changed_at`, `stream_sequence`. Default: WEB_ANALYTICS_COLUMNS. */
  columns?: ArchiveColumn[];
  /**
   * The SQL type each column loads into (AuroraLoader's `columnTypes`): TEXT, MEDIUMTEXT,
   * VARCHAR(n), TINYINT, SMALLINT, INT, BIGINT, DECIMAL(p,s), DOUBLE, BOOLEAN, DATE,
   * DATETIME(fsp), JSON. The schema must keep every value within its column's type (checked at
   * preview, naming the column), and the transform refuses a record whose value would not fit.
   * Default: WEB_ANALYTICS_COLUMN_TYPES with the default columns, else TEXT for every column.
   */
  columnTypes?: Record<string, string>;
  /**
   * The schema versions deployed so far, oldest first: this component's `schemaHistory` output
   * from the last deployment (the stacks read it back from their own outputs). The columns and
   * their types are compared with the newest: the same, and objects keep its version; columns added
   * at the end, or a VARCHAR made longer where MySQL does it in place, and they are the next
   * version (its number goes into the objects' keys, `processed/v<n>/…`, and the loader adds the
   * columns to its table); anything else (a column removed, renamed or moved, a type that would
   * lose data or make MySQL copy the table) fails at preview, naming the column. Default: none, a
   * first deployment: the columns are version 1.
   */
  schemaHistory?: ArchiveSchemaVersion[];
  /** What REMOVE events become: a delete marker row, or nothing. Default: "marker". */
  removeMode?: RemoveMode;
  delivery?: DeliverySettings;
  bucket?: ArchiveBucketSettings;
  /** The forward function, its mapping and its dead-letter bucket; batchSize defaults to 100. */
  forward?: ForwardSettings;
  transform?: TransformSettings;
  /** Days Firehose's logs are kept, and the functions' unless `forward.logRetentionDays` or `transform.logRetentionDays` say otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Alarms on both functions, the mapping, delivery freshness and failed transformations. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

const FORWARD = { ...streamFunctionDefaults, batchSize: 100, sendMaxAttempts: 6 } as const;
const TRANSFORM = { memorySize: 256, timeoutSeconds: 60, logRetentionDays: DEFAULT_LOG_RETENTION_DAYS } as const;

export const firehoseArchiveDefaults = {
  keyAttributes: [HASH_KEY, RANGE_KEY],
  removeMode: "marker",
  bufferSizeMiB: 5,
  bufferIntervalSeconds: 300,
  compression: "UNCOMPRESSED",
  noncurrentVersionExpireDays: 30,
  failedDataExpireDays: 90,
  forwardBatchSize: FORWARD.batchSize,
  sendMaxAttempts: FORWARD.sendMaxAttempts,
  transformMemorySize: TRANSFORM.memorySize,
  transformTimeoutSeconds: TRANSFORM.timeoutSeconds,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  /** The forward function (`forward`); `forwardBatchSize` and `sendMaxAttempts` above are the same values. */
  forward: FORWARD,
  /** The transform function (`transform`); `transformMemorySize` and `transformTimeoutSeconds` above are the same values. */
  transform: TRANSFORM,
} as const;

/** Lambda's limit on a function's environment is 4 KB, and the schema and columns travel in it. */
const SCHEMA_AND_COLUMNS_MAX_BYTES = 3_500;
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Checks every argument, failing at preview with all problems at once; returns the schema version the columns are. */
function validateArgs(component: pulumi.Resource, name: string, args: FirehoseArchiveArgs): NextSchema {
  const check = validate(`FirehoseArchive "${name}"`, "arguments", component);
  checkPhysicalName(check, "delivery.name", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", args.delivery?.name);
  checkDerivedNames(check, "name", name, [
    ["aws:s3/bucket:Bucket", `${name}-bucket`],
    ["aws:lambda/function:Function", `${name}-transform-function`],
    ["aws:iam/role:Role", `${name}-transform-role`],
    ["aws:iam/role:Role", `${name}-firehose-role`],
    ...streamFunctionNames(`${name}-forward`, `${name}-forward-dead-letter`),
    ...(args.delivery?.name === undefined ? [["aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${name}-delivery`] as const] : []),
  ]);
  const schema = args.schema ?? WEB_ANALYTICS_SCHEMA;
  const columns = args.columns ?? WEB_ANALYTICS_COLUMNS;
  try {
    compileSchema(schema);
  } catch (error) {
    check.fail(`schema is not a valid JSON Schema: ${(error as Error).message}`);
  }
  const typeNames = args.columnTypes ?? (args.columns ? {} : WEB_ANALYTICS_COLUMN_TYPES);
  for (const column of Object.keys(typeNames)) {
    if (!columns.some((c) => c.name === column)) check.fail(`columnTypes names "${column}", which is not one of the columns`);
  }
  try {
    for (const problem of schemaColumnProblems(schema, columns, columnSqlTypes(columns, typeNames))) check.fail(problem);
  } catch (error) {
    check.fail(`columnTypes: ${(error as Error).message}`);
  }
  const versions = nextSchema(args.schemaHistory, columns.map((c) => c.name), typeNames);
  for (const problem of versions.problems) check.fail(`against the deployed schema version ${versions.version}: ${problem}`);
  const names = new Set<string>(FIXED_COLUMNS);
  for (const [i, column] of columns.entries()) {
    if (!COLUMN_NAME.test(column.name ?? "")) check.fail(`columns[${i}].name must be a letter or "_" then up to 63 letters, digits or "_", got ${JSON.stringify(column.name)}`);
    else if (names.has(column.name)) check.fail(`columns[${i}].name "${column.name}" is used twice (${FIXED_COLUMNS.join(", ")} come first in every row)`);
    names.add(column.name);
    if (!column.path || column.path.split(".").some((step) => step === "")) check.fail(`columns[${i}].path must be a dotted path such as "device.location.country", got ${JSON.stringify(column.path)}`);
  }
  const size = Buffer.byteLength(JSON.stringify(schema)) + Buffer.byteLength(JSON.stringify(columns)) + Buffer.byteLength(JSON.stringify(typeNames));
  if (size > SCHEMA_AND_COLUMNS_MAX_BYTES) check.fail(`schema, columns and column types take ${size} bytes as JSON; the transform's environment holds at most ${SCHEMA_AND_COLUMNS_MAX_BYTES}`);
  if (args.keyAttributes && args.keyAttributes.length === 0) check.fail("keyAttributes must name the table's key attributes");
  check.oneOf("removeMode", args.removeMode, Object.values(RemoveMode));
  check.oneOf("delivery.compression", args.delivery?.compression, Object.values(Compression));
  check.integer("delivery.bufferSizeMiB", args.delivery?.bufferSizeMiB, 1, 128);
  check.integer("delivery.bufferIntervalSeconds", args.delivery?.bufferIntervalSeconds, 0, 900);
  check.integer("bucket.noncurrentVersionExpireDays", args.bucket?.noncurrentVersionExpireDays, 1, 36_500);
  check.integer("bucket.failedDataExpireDays", args.bucket?.failedDataExpireDays, 1, 36_500);
  check.integer("bucket.failedDataGlacierAfterDays", args.bucket?.failedDataGlacierAfterDays, 1, 36_500);
  const glacier = args.bucket?.failedDataGlacierAfterDays;
  if (glacier !== undefined && glacier >= (args.bucket?.failedDataExpireDays ?? firehoseArchiveDefaults.failedDataExpireDays)) {
    check.fail("bucket.failedDataGlacierAfterDays must be before bucket.failedDataExpireDays");
  }
  validateMappingSettings(check, "forward", args.forward);
  check.integer("forward.sendMaxAttempts", args.forward?.sendMaxAttempts, 1, 20);
  check.integer("transform.memorySize", args.transform?.memorySize, 128, 10_240);
  check.integer("transform.timeoutSeconds", args.transform?.timeoutSeconds, 60, 300);
  check.logRetention("transform.logRetentionDays", args.transform?.logRetentionDays);
  check.logRetention("logRetentionDays", args.logRetentionDays);
  check.done();
  return versions;
}

/**
 * The dedup table's history in S3 as validated CSV (the cross-account replication and DynamoDB-to-Aurora designs): a forward function on the
 * table's stream puts each change to a Firehose delivery stream, whose transform function checks
 * it against a JSON Schema and writes one CSV row per record under `processed/`; records it
 * refuses land under `failed/`, in Firehose's error format, ready to re-drive.
 */
export class FirehoseArchive extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly deliveryStreamName: pulumi.Output<string>;
  public readonly deliveryStreamArn: pulumi.Output<string>;
  public readonly forwardFunctionArn: pulumi.Output<string>;
  public readonly forwardFunctionName: pulumi.Output<string>;
  public readonly transformFunctionArn: pulumi.Output<string>;
  public readonly transformFunctionName: pulumi.Output<string>;
  public readonly forwardDeadLetterBucketName: pulumi.Output<string>;
  public readonly forwardDeadLetterBucketArn: pulumi.Output<string>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting the records the forward function parked. */
  public readonly forwardParkedMetricName: string | undefined;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting the records the transform refused. */
  public readonly failedTransformationsMetricName: string | undefined;
  /** Every alarm of the archive and its functions. */
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly firehoseRoleArn: pulumi.Output<string>;
  /** Every CSV column, in file order: `dedup_key`, `change`, `changed_at`, `stream_sequence`, then `columns`. */
  public readonly csvColumns: string[];
  /** The SQL type of each typed column, for AuroraLoader's `columnTypes`: the types the transform checked every value against. */
  public readonly columnTypes: Record<string, string>;
  /** The schema version objects are written with (in their keys: `processed/v<n>/…`, none for 1). */
  public readonly schemaVersion: number;
  /** Every schema version deployed, this one last: give it back as `schemaHistory` next time, and to AuroraLoader. */
  public readonly schemaHistory: ArchiveSchemaVersion[];

  constructor(name: string, args: FirehoseArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:FirehoseArchive`, name, {}, opts);
    const versions = validateArgs(this, name, args);
    const columns = args.columns ?? WEB_ANALYTICS_COLUMNS;
    const columnTypes = args.columnTypes ?? (args.columns ? {} : WEB_ANALYTICS_COLUMN_TYPES);
    const logRetentionDays = args.logRetentionDays ?? firehoseArchiveDefaults.logRetentionDays;
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const bucket = this.addBucket(name, args);
    const transform = this.addTransform(name, args, columns, columnTypes, logRetentionDays);
    const deliveryStream = this.addDeliveryStream(name, args, bucket, transform, versions.version, logRetentionDays, region);
    const forward = this.addForward(name, args, deliveryStream, logRetentionDays, region);
    const failedTransformationsMetricName = args.monitoring?.alarms ?? true ? this.addAlarms(name, args, transform, deliveryStream.stream, args.monitoring ?? {}) : undefined;

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.deliveryStreamName = deliveryStream.stream.name;
    this.deliveryStreamArn = deliveryStream.stream.arn;
    this.forwardFunctionArn = forward.function.arn;
    this.forwardFunctionName = forward.function.name;
    this.transformFunctionArn = transform.function.arn;
    this.transformFunctionName = transform.function.name;
    this.forwardDeadLetterBucketName = forward.deadLetter.bucket.bucket;
    this.forwardDeadLetterBucketArn = forward.deadLetter.bucket.arn;
    this.forwardParkedMetricName = forward.parkedMetricName;
    this.failedTransformationsMetricName = failedTransformationsMetricName;
    this.alarmNames = alarmNamesOf(this);
    this.firehoseRoleArn = deliveryStream.role.arn;
    this.csvColumns = [...FIXED_COLUMNS, ...columns.map((column) => column.name)];
    this.columnTypes = columnTypes;
    this.schemaVersion = versions.version;
    this.schemaHistory = versions.history;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamArn: this.deliveryStreamArn,
      forwardFunctionArn: this.forwardFunctionArn,
      forwardFunctionName: this.forwardFunctionName,
      transformFunctionArn: this.transformFunctionArn,
      transformFunctionName: this.transformFunctionName,
      forwardDeadLetterBucketName: this.forwardDeadLetterBucketName,
      forwardDeadLetterBucketArn: this.forwardDeadLetterBucketArn,
      forwardParkedMetricName: this.forwardParkedMetricName,
      failedTransformationsMetricName: this.failedTransformationsMetricName,
      alarmNames: this.alarmNames,
      firehoseRoleArn: this.firehoseRoleArn,
      csvColumns: this.csvColumns,
      columnTypes: this.columnTypes,
      schemaVersion: this.schemaVersion,
      schemaHistory: this.schemaHistory,
    });
  }

  /** The versioned, encrypted archive bucket: old versions expire, refused records age out. */
  private addBucket(name: string, args: FirehoseArchiveArgs): aws.s3.Bucket {
    const d = firehoseArchiveDefaults;
    const settings = args.bucket ?? {};
    return createSecureBucket(`${name}-bucket`, {
      protectData: args.protectData,
      kmsKeyArn: settings.kmsKeyArn,
      forceDestroy: settings.forceDestroy,
      versioned: true,
      accessLog: settings.accessLog,
      lifecycleRules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionExpireDays ?? d.noncurrentVersionExpireDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
          id: "age-failed-data",
          status: "Enabled",
          filter: { prefix: ERROR_PREFIX },
          expiration: { days: settings.failedDataExpireDays ?? d.failedDataExpireDays },
          transitions: settings.failedDataGlacierAfterDays === undefined ? undefined : [{ days: settings.failedDataGlacierAfterDays, storageClass: "GLACIER" }],
        },
      ],
    }, this).bucket;
  }

  /** Firehose's data processor: one CSV row per record that matches the schema. */
  private addTransform(name: string, args: FirehoseArchiveArgs, columns: ArchiveColumn[], columnTypes: Record<string, string>, logRetentionDays: number): BundledFunction {
    return createBundledFunction(`${name}-transform`, {
      code: "transform",
      description: "Firehose data processor: checks each archive record against the JSON Schema and writes one CSV row",
      environment: {
        SCHEMA: JSON.stringify(args.schema ?? WEB_ANALYTICS_SCHEMA),
        COLUMNS: JSON.stringify(columns),
        COLUMN_TYPES: JSON.stringify(columnTypes),
        POWERTOOLS_SERVICE_NAME: "transform",
      },
      statements: [],
      memorySize: args.transform?.memorySize ?? firehoseArchiveDefaults.transform.memorySize,
      timeoutSeconds: args.transform?.timeoutSeconds ?? firehoseArchiveDefaults.transform.timeoutSeconds,
      logRetentionDays: args.transform?.logRetentionDays ?? logRetentionDays,
    }, this);
  }

  /** The delivery stream, its log group and its role, writing rows under processed/ and refusals under failed/. */
  private addDeliveryStream(name: string, args: FirehoseArchiveArgs, bucket: aws.s3.Bucket, transform: BundledFunction, version: number, logRetentionDays: number, region: pulumi.Output<string>): { stream: aws.kinesis.FirehoseDeliveryStream; role: aws.iam.Role } {
    const d = firehoseArchiveDefaults;
    const delivery = args.delivery ?? {};
    const deliveryLogs = new aws.cloudwatch.LogGroup(`${name}-delivery-logs`, {
      namePrefix: `/aws/kinesisfirehose/${name}-`,
      retentionInDays: logRetentionDays,
    }, { parent: this });
    const destinationLog = new aws.cloudwatch.LogStream(`${name}-delivery-log`, { logGroupName: deliveryLogs.name, name: "DestinationDelivery" }, { parent: this });
    const backupLog = delivery.backupSourceRecords
      ? new aws.cloudwatch.LogStream(`${name}-backup-log`, { logGroupName: deliveryLogs.name, name: "BackupDelivery" }, { parent: this })
      : undefined;
    const { role, policy } = this.addFirehoseRole(name, args, bucket, transform, deliveryLogs, region);

    const compression = delivery.compression ?? d.compression;
    const stream = new aws.kinesis.FirehoseDeliveryStream(`${name}-delivery`, {
      name: delivery.name,
      destination: "extended_s3",
      serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
      extendedS3Configuration: {
        roleArn: role.arn,
        bucketArn: bucket.arn,
        prefix: `${PROCESSED_PREFIX}${versionSegment(version)}${HOURLY}`,
        errorOutputPrefix: `${ERROR_PREFIX}!{firehose:error-output-type}/${HOURLY}`,
        bufferingSize: delivery.bufferSizeMiB ?? d.bufferSizeMiB,
        bufferingInterval: delivery.bufferIntervalSeconds ?? d.bufferIntervalSeconds,
        compressionFormat: compression,
        fileExtension: compression === "GZIP" ? ".csv.gz" : ".csv",
        cloudwatchLoggingOptions: { enabled: true, logGroupName: deliveryLogs.name, logStreamName: destinationLog.name },
        processingConfiguration: {
          enabled: true,
          processors: [{ type: "Lambda", parameters: [{ parameterName: "LambdaArn", parameterValue: transform.function.arn }] }],
        },
        s3BackupMode: delivery.backupSourceRecords ? "Enabled" : "Disabled",
        s3BackupConfiguration: backupLog && {
          roleArn: role.arn,
          bucketArn: bucket.arn,
          prefix: `${SOURCE_PREFIX}${HOURLY}`,
          // Firehose refuses a prefix with expressions unless failures have a prefix of their own.
          errorOutputPrefix: `${ERROR_PREFIX}source-backup-!{firehose:error-output-type}/${HOURLY}`,
          compressionFormat: "GZIP",
          cloudwatchLoggingOptions: { enabled: true, logGroupName: deliveryLogs.name, logStreamName: backupLog.name },
        },
      },
    }, {
      parent: this,
      dependsOn: [policy],
      // A fixed name is unique per account and region: a replacement must delete the old stream first.
      deleteBeforeReplace: delivery.name !== undefined,
    });
    return { stream, role };
  }

  /**
   * Firehose's role writes under the delivery's prefixes only: rows under processed/, refused
   * records under failed/, and, when kept, source records under source/; it lists the bucket and
   * its multipart uploads. https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
   */
  private addFirehoseRole(name: string, args: FirehoseArchiveArgs, bucket: aws.s3.Bucket, transform: BundledFunction, deliveryLogs: aws.cloudwatch.LogGroup, region: pulumi.Output<string>): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
    const role = new aws.iam.Role(`${name}-firehose-role`, {
      description: "Assumed by Firehose to write the archive bucket and invoke the transform",
      assumeRolePolicy: serviceTrustPolicy("firehose.amazonaws.com", "sts:ExternalId"),
    }, { parent: this });
    const prefixes = [PROCESSED_PREFIX, ERROR_PREFIX, ...(args.delivery?.backupSourceRecords ? [SOURCE_PREFIX] : [])];
    const policy = new aws.iam.RolePolicy(`${name}-firehose-policy`, {
      role: role.id,
      policy: policyDocument(
        pulumi
          .all([bucket.arn, transform.function.arn, deliveryLogs.arn, args.bucket?.kmsKeyArn, region])
          .apply(([bucketArn, transformArn, logGroupArn, keyArn, regionName]) => {
            const objects = prefixes.map((prefix) => `${bucketArn}/${prefix}*`);
            const statements: PolicyStatement[] = [
              { Sid: "FindArchiveBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucketArn },
              { Sid: "WriteArchivePrefixes", Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"], Resource: objects },
              { Sid: "InvokeTransform", Effect: "Allow", Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"], Resource: [transformArn, `${transformArn}:*`] },
              { Sid: "WriteDeliveryLogs", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${logGroupArn}:*` },
            ];
            if (keyArn) {
              statements.push({
                Sid: "EncryptArchiveObjects",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: keyArn,
                Condition: {
                  StringEquals: { "kms:ViaService": `s3.${regionName}.amazonaws.com` },
                  // With an S3 Bucket Key the context is the bucket's ARN; without one, the object's.
                  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
                  StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, ...objects] },
                },
              });
            }
            return statements;
          }),
      ),
    }, { parent: this });
    return { role, policy };
  }

  /** The forward function on the table's stream, putting each change to the delivery stream. */
  private addForward(name: string, args: FirehoseArchiveArgs, delivery: { stream: aws.kinesis.FirehoseDeliveryStream }, logRetentionDays: number, region: pulumi.Output<string>): StreamFunction {
    const d = firehoseArchiveDefaults;
    const tableStreamArn = pulumi.output(args.tableStreamArn);
    return createStreamFunction(`${name}-forward`, {
      code: "forward",
      description: "Puts each change of the dedup table to the archive's delivery stream",
      deadLetterName: `${name}-forward-dead-letter`,
      eventSourceArn: tableStreamArn,
      statements: pulumi.all([tableStreamArn, delivery.stream.arn, args.tableKmsKeyArn, region]).apply(([streamArn, deliveryArn, keyArn, regionName]): PolicyStatement[] => [
        ...tableStreamReadStatements(streamArn, { arn: keyArn, region: regionName }),
        { Sid: "PutToDeliveryStream", Effect: "Allow", Action: "firehose:PutRecordBatch", Resource: deliveryArn },
      ]),
      environment: {
        DELIVERY_STREAM_NAME: delivery.stream.name,
        KEY_ATTRIBUTES: (args.keyAttributes ?? d.keyAttributes).join(","),
        REMOVE_MODE: args.removeMode ?? d.removeMode,
        SEND_MAX_ATTEMPTS: String(args.forward?.sendMaxAttempts ?? d.forward.sendMaxAttempts),
        POWERTOOLS_SERVICE_NAME: "forward",
      },
      settings: args.forward ?? {},
      defaultBatchSize: d.forward.batchSize,
      logRetentionDays,
      monitoring: args.monitoring,
      protectData: args.protectData,
    }, this);
  }

  /** The transform's errors and refusals, and delivery that has stopped (the forward function alarms on its own); returns the refusals' metric. */
  private addAlarms(name: string, args: FirehoseArchiveArgs, transform: BundledFunction, deliveryStream: aws.kinesis.FirehoseDeliveryStream, monitoring: MonitoringArgs): string {
    functionAlarms(`${name}-transform`, transform.function, monitoring, this, false);
    const failedTransformations = logLineAlarm(`${name}-failed-transformations`, transform.logGroup, LOG_MESSAGES.recordFailedProcessing, "records the transform refused, now under failed/: fix and re-drive them", monitoring, this);
    const interval = args.delivery?.bufferIntervalSeconds ?? firehoseArchiveDefaults.bufferIntervalSeconds;
    alarm(`${name}-delivery-freshness-alarm`, {
      description: "the oldest record in Firehose is older than its buffer interval plus 10 minutes: delivery to S3 is stuck",
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      dimensions: { DeliveryStreamName: deliveryStream.name },
      statistic: "Maximum",
      threshold: interval + 600,
    }, monitoring, this);
    return failedTransformations;
  }
}
