import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { forwardEnvironment } from "../functions/forward/environment";
import { ALL_BUT_EXPIRIES } from "../functions/shared/table-stream";
import { LOG_MESSAGES } from "../functions/shared/telemetry-names";
import { FIXED_COLUMNS } from "../functions/transform/core";
import { transformEnvironment } from "../functions/transform/environment";
import { alarm, alarmNamesOf, functionAlarms, logLineAlarm } from "./internal/alarms";
import { ERROR_PREFIX } from "./internal/archive-layout";
import { createBundledFunction, type FunctionResources } from "./internal/bundled-function";
import { childrenOf, declaredOutputs, type Children } from "./internal/context";
import { type PolicyStatement } from "./internal/iam";
import { addDeliveryStream, type DeliveryResources } from "./internal/delivery-stream";
import { COMPONENT_PACKAGE } from "./internal/package";
import { createSecureBucket } from "./internal/secure-bucket";
import { tableStreamReadStatements } from "./internal/stream-access";
import { createStreamFunction, type StreamFunctionResources } from "./internal/stream-function";
import { type ArchiveSchemaVersion } from "./internal/schema-history";
import { checkedLiveChange, refuseProblems } from "./internal/validation";
import { TABLE_STREAM_SOURCE_CHANGE } from "./settings/shared";
import { resolveFirehoseArchive, type FirehoseArchiveArgs, type FirehoseArchiveDeployment, type ResolvedFirehoseArchive } from "./settings/firehose-archive";

export * from "./settings/firehose-archive";
export { type DeliveryResources } from "./internal/delivery-stream";

/**
 * The dedup table's history in S3 as validated CSV (the cross-account replication and
 * DynamoDB-to-Aurora designs): a forward function on the table's stream puts each change to a
 * Firehose delivery stream, whose transform function checks it against a JSON Schema and writes
 * one CSV row per record under `processed/`; records it refuses land under `failed/`, in
 * Firehose's error format, ready to re-drive.
 */
export class FirehoseArchive extends pulumi.ComponentResource {
  /** The archive bucket. */
  public readonly bucket: aws.s3.Bucket;
  /** The delivery stream, its role and its log group. */
  public readonly delivery: DeliveryResources;
  /** The forward function on the table's stream, with its mapping and dead-letter bucket. */
  public readonly forward: StreamFunctionResources;
  /** Firehose's data processor. */
  public readonly transform: FunctionResources;
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
  /** The stream the forward function reads, the delivery stream and whether it backs up source records: give it back as `lastDeployment`. */
  public readonly deployment: pulumi.Output<FirehoseArchiveDeployment>;

  constructor(name: string, args: FirehoseArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:FirehoseArchive`, name, {}, opts);
    const { settings, problems } = resolveFirehoseArchive(name, args);
    refuseProblems(this, `FirehoseArchive "${name}"`, problems);
    const children = childrenOf(this, name, settings);

    this.bucket = addBucket(children, settings);
    this.transform = createBundledFunction(
      `${name}-transform`,
      {
        code: "transform",
        description: "Firehose data processor: checks each archive record against the JSON Schema and writes one CSV row",
        environment: transformEnvironment(settings),
        statements: [],
        ...settings.transform,
      },
      children,
    );
    this.delivery = addDeliveryStream(children, settings, { bucket: this.bucket, transform: this.transform });
    const forward = addForward(children, settings, this.delivery.deliveryStream);
    this.forward = forward.resources;
    const failedTransformations = settings.monitoring.alarms
      ? addAlarms(children, settings, { transform: this.transform, deliveryStream: this.delivery.deliveryStream })
      : undefined;

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.deliveryStreamName = this.delivery.deliveryStream.name;
    this.deliveryStreamArn = this.delivery.deliveryStream.arn;
    this.forwardFunctionArn = this.forward.function.arn;
    this.forwardFunctionName = this.forward.function.name;
    this.transformFunctionArn = this.transform.function.arn;
    this.transformFunctionName = this.transform.function.name;
    this.forwardDeadLetterBucketName = this.forward.deadLetterBucket.bucket;
    this.forwardDeadLetterBucketArn = this.forward.deadLetterBucket.arn;
    this.forwardParkedMetricName = forward.parkedMetricName;
    this.failedTransformationsMetricName = failedTransformations;
    this.alarmNames = alarmNamesOf(this);
    this.firehoseRoleArn = this.delivery.role.arn;
    this.csvColumns = [...FIXED_COLUMNS, ...settings.columns.map((column) => column.name)];
    this.columnTypes = settings.columnTypes;
    this.schemaVersion = settings.schemaVersion;
    this.schemaHistory = settings.schemaHistory;
    const sourceChange = { ...TABLE_STREAM_SOURCE_CHANGE, from: args.lastDeployment?.tableStreamArn, to: settings.tableStreamArn };
    const checkedSource = checkedLiveChange(this, `FirehoseArchive "${name}"`, sourceChange, args.liveChangesAcknowledged);
    this.deployment = pulumi.all([checkedSource, this.deliveryStreamName]).apply(([tableStreamArn, deliveryStreamName]) => ({
      tableStreamArn,
      backupSourceRecords: settings.delivery.backupSourceRecords,
      deliveryStreamName,
    }));
    this.registerOutputs(declaredOutputs(this));
  }
}

/** The versioned, encrypted archive bucket: old versions expire, refused records age out. */
function addBucket(children: Children, settings: ResolvedFirehoseArchive): aws.s3.Bucket {
  const bucket = settings.bucket;
  return createSecureBucket(
    `${children.name}-bucket`,
    {
      kmsKeyArn: bucket.kmsKeyArn,
      forceDestroy: bucket.forceDestroy,
      versioned: true,
      accessLog: bucket.accessLog,
      lifecycleRules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: bucket.noncurrentVersionExpireDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
          id: "age-failed-data",
          status: "Enabled",
          filter: { prefix: ERROR_PREFIX },
          expiration: { days: bucket.failedDataExpireDays },
          transitions: bucket.failedDataGlacierAfterDays === undefined ? undefined : [{ days: bucket.failedDataGlacierAfterDays, storageClass: "GLACIER" }],
        },
      ],
    },
    children,
  );
}

/** The forward function on the table's stream, putting each change to the delivery stream. */
function addForward(children: Children, settings: ResolvedFirehoseArchive, deliveryStream: aws.kinesis.FirehoseDeliveryStream) {
  const { name } = children;
  const tableStreamArn = pulumi.output(settings.tableStreamArn);
  return createStreamFunction(
    `${name}-forward`,
    {
      code: "forward",
      description: "Puts each change of the dedup table to the archive's delivery stream",
      deadLetterName: `${name}-forward-dead-letter`,
      eventSourceArn: tableStreamArn,
      statements: pulumi
        .all([tableStreamArn, deliveryStream.arn, settings.tableKmsKeyArn, children.region])
        .apply(([streamArn, deliveryArn, keyArn, regionName]): PolicyStatement[] => [
          ...tableStreamReadStatements(streamArn, { arn: keyArn, region: regionName }),
          { Sid: "PutToDeliveryStream", Effect: "Allow", Action: "firehose:PutRecordBatch", Resource: deliveryArn },
        ]),
      environment: (deadLetterBucket) =>
        forwardEnvironment<pulumi.Input<string>>({
          deliveryStreamName: deliveryStream.name,
          deadLetterBucket,
          keyAttributes: settings.keyAttributes,
          removeMode: settings.removeMode,
          sendMaxAttempts: settings.forward.sendMaxAttempts,
        }),
      settings: settings.forward,
      filters: ALL_BUT_EXPIRIES,
    },
    children,
  );
}

/** The transform's errors and refusals, and delivery that has stopped (the forward function alarms on its own); returns the refusals' metric. */
function addAlarms(
  children: Children,
  settings: ResolvedFirehoseArchive,
  watched: { transform: FunctionResources; deliveryStream: aws.kinesis.FirehoseDeliveryStream },
): string {
  const { name } = children;
  const { transform, deliveryStream } = watched;
  functionAlarms(`${name}-transform`, transform.function, children, false);
  const failedTransformations = logLineAlarm(
    `${name}-failed-transformations`,
    {
      logGroup: transform.logGroup,
      message: LOG_MESSAGES.recordFailedProcessing,
      description: "records the transform refused, now under failed/: fix and re-drive them",
    },
    children,
  );
  alarm(
    `${name}-delivery-freshness-alarm`,
    {
      description: "the oldest record in Firehose is older than its buffer interval plus 10 minutes: delivery to S3 is stuck",
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      dimensions: { DeliveryStreamName: deliveryStream.name },
      statistic: "Maximum",
      threshold: settings.delivery.bufferIntervalSeconds + 600,
    },
    children,
  );
  return failedTransformations;
}
