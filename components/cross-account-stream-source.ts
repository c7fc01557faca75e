import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarm, alarmNamesOf } from "./internal/alarms";
import { childrenOf, declaredOutputs, tagsOf, type Children } from "./internal/context";
import { policyDocument } from "./internal/iam";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions } from "./internal/protection";
import { DYNAMODB_STREAM_READ_ACTIONS, KINESIS_CONSUMER_READ_ACTIONS, KINESIS_STREAM_READ_ACTIONS } from "./internal/stream-access";
import { addKeyPolicy, addProducerPolicy, grantTo } from "./internal/stream-source-policies";
import { refuseProblems } from "./internal/validation";
import {
  resolveCrossAccountStreamSource,
  type CrossAccountStreamSourceArgs,
  type CrossAccountStreamSourceDeployment,
  type ResolvedCrossAccountStreamSource,
} from "./settings/cross-account-stream-source";

export * from "./settings/cross-account-stream-source";

/** How far an enhanced fan-out consumer is behind the stream, per consumer (Kinesis's metric). */
export const FAN_OUT_LAG_METRIC = "SubscribeToShardEvent.MillisBehindLatest";

/**
 * The stream-level metrics of records refused to producers because the stream was at its limit:
 * published without enhanced monitoring, for provisioned and on-demand streams alike.
 * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
 */
export const PRODUCER_THROTTLING_METRICS = ["WriteProvisionedThroughputExceeded", "PutRecords.ThrottledRecords"] as const;

/**
 * The source account's side: a Kinesis stream encrypted with its own customer-managed key, shared
 * with one consumer role through resource policies (the cross-account Kinesis trigger design), with
 * an optional enhanced fan-out consumer and an optional DynamoDB table whose stream is shared the
 * same way (the cross-account DynamoDB Streams design).
 */
export class CrossAccountStreamSource extends pulumi.ComponentResource {
  /** The Kinesis stream. */
  public readonly stream: aws.kinesis.Stream;
  /** The stream's customer-managed key. */
  public readonly key: aws.kms.Key;
  /** The enhanced fan-out consumer, when one is registered. */
  public readonly fanOutConsumer?: aws.kinesis.StreamConsumer;
  /** The managed policy producers in this account attach to write to the stream. */
  public readonly producerPolicy: aws.iam.Policy;
  /** The table whose stream is shared, when there is one. */
  public readonly sharedTable?: aws.dynamodb.Table;
  public readonly streamName: pulumi.Output<string>;
  public readonly streamArn: pulumi.Output<string>;
  /** The fan-out consumer's ARN; it changes whenever the consumer is re-created. */
  public readonly streamConsumerArn: pulumi.Output<string | undefined>;
  public readonly streamKmsKeyArn: pulumi.Output<string>;
  public readonly producerPolicyArn: pulumi.Output<string>;
  /** The role granted read access, once one is given. */
  public readonly streamReadGrantedTo: pulumi.Output<string | undefined>;
  public readonly sharedTableName: pulumi.Output<string | undefined>;
  public readonly sharedTableStreamArn: pulumi.Output<string | undefined>;
  /** The key the shared table (and so its stream) is encrypted with: the stream's key. */
  public readonly sharedTableKmsKeyArn: pulumi.Output<string | undefined>;
  /** The roles the shared table's stream is shared with. */
  public readonly sharedTableReadGrantedTo: pulumi.Output<string[]>;
  /** Every alarm of the stream and its fan-out consumer. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** What this deployment holds that a later one must not lose records over: give it back as `lastDeployment`. */
  public readonly deployment: CrossAccountStreamSourceDeployment;

  constructor(name: string, args: CrossAccountStreamSourceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:CrossAccountStreamSource`, name, {}, opts);
    const { settings, problems } = resolveCrossAccountStreamSource(name, args);
    refuseProblems(this, `CrossAccountStreamSource "${name}"`, problems);
    const children = childrenOf(this, name, settings);
    const consumerRole = settings.consumerRoleArn;
    const readers = settings.sharedTable?.readerRoleArns ?? [];

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "Encrypts the clickstream at rest in Kinesis",
        enableKeyRotation: true,
        deletionWindowInDays: settings.keyDeletionWindowDays,
        tags: tagsOf(children),
      },
      dataResourceOptions(children),
    );
    this.stream = addStream(children, settings, this.key);
    if (settings.sharedTable) this.sharedTable = addSharedTable(children, settings.sharedTable, this.key.arn);
    addKeyPolicy(children, { key: this.key, stream: this.stream, consumerRole, readers, sharedTableName: this.sharedTable?.name });
    // PutResourcePolicy replaces a resource's whole policy, so each ARN gets exactly one policy resource.
    if (consumerRole !== undefined) {
      new aws.kinesis.ResourcePolicy(
        `${name}-stream-policy`,
        {
          resourceArn: this.stream.arn,
          policy: grantTo(consumerRole, "ConsumerRoleReadsStream", KINESIS_STREAM_READ_ACTIONS, this.stream.arn),
        },
        { parent: this },
      );
    }
    if (settings.fanOutConsumerName !== undefined)
      this.fanOutConsumer = addFanOut(children, settings.fanOutConsumerName, { stream: this.stream, consumerRole });
    this.producerPolicy = addProducerPolicy(children, this.stream, this.key);
    if (settings.monitoring.alarms) addThrottlingAlarms(children, this.stream);

    this.streamName = this.stream.name;
    this.streamArn = this.stream.arn;
    this.streamConsumerArn = pulumi.output(this.fanOutConsumer?.arn);
    this.streamKmsKeyArn = this.key.arn;
    this.producerPolicyArn = this.producerPolicy.arn;
    this.streamReadGrantedTo = pulumi.output(consumerRole);
    this.sharedTableName = pulumi.output(this.sharedTable?.name);
    this.sharedTableStreamArn = pulumi.output(this.sharedTable?.streamArn);
    this.sharedTableKmsKeyArn = pulumi.output(this.sharedTable ? this.key.arn : undefined);
    this.sharedTableReadGrantedTo = pulumi.all(readers);
    this.alarmNames = alarmNamesOf(this);
    this.deployment = {
      ...(settings.sharedTable ? { sharedTableStreamViewType: settings.sharedTable.streamViewType } : {}),
      ...(settings.stream.shardCount !== undefined ? { shardCount: settings.stream.shardCount } : {}),
    };
    this.registerOutputs(declaredOutputs(this));
  }
}

/** The stream, encrypted with its own customer-managed key; on-demand unless given a shard count. */
function addStream(children: Children, settings: ResolvedCrossAccountStreamSource, key: aws.kms.Key): aws.kinesis.Stream {
  const { stream } = settings;
  return new aws.kinesis.Stream(
    `${children.name}-stream`,
    {
      name: stream.name,
      streamModeDetails: { streamMode: stream.shardCount === undefined ? "ON_DEMAND" : "PROVISIONED" },
      shardCount: stream.shardCount,
      retentionPeriod: stream.retentionHours,
      encryptionType: "KMS",
      kmsKeyId: key.arn,
      tags: tagsOf(children),
      ...settings.overrides.stream,
    },
    dataResourceOptions(children, stream.name),
  );
}

/** An enhanced fan-out consumer of the stream, readable by the consumer role when there is one. */
function addFanOut(
  children: Children,
  consumerName: string,
  reads: { stream: aws.kinesis.Stream; consumerRole?: pulumi.Input<string> },
): aws.kinesis.StreamConsumer {
  const { name } = children;
  const { stream, consumerRole } = reads;
  // The name is unique per stream: a replacement must delete the old consumer first.
  const consumer = new aws.kinesis.StreamConsumer(
    `${name}-fan-out`,
    { name: consumerName, streamArn: stream.arn, tags: tagsOf(children) },
    { parent: children.parent, deleteBeforeReplace: true },
  );
  if (consumerRole !== undefined) {
    // Kinesis refuses a consumer policy until the consumer is ACTIVE; the provider returns from
    // creating it only then. The policy follows the consumer's ARN, so a re-created consumer
    // gets a new policy.
    new aws.kinesis.ResourcePolicy(
      `${name}-fan-out-policy`,
      {
        resourceArn: consumer.arn,
        policy: grantTo(consumerRole, "ConsumerRoleReadsFanOut", KINESIS_CONSUMER_READ_ACTIONS, consumer.arn),
      },
      { parent: children.parent, dependsOn: [consumer] },
    );
  }
  if (children.monitoring.alarms) {
    // Enhanced fan-out readers never call GetRecords, so GetRecords.IteratorAgeMilliseconds says
    // nothing about them; Kinesis reports their lag per consumer instead.
    // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
    alarm(
      `${name}-fan-out-lag-alarm`,
      {
        description: `the fan-out consumer ${consumerName} is more than 5 minutes behind the stream`,
        namespace: "AWS/Kinesis",
        metricName: FAN_OUT_LAG_METRIC,
        dimensions: { StreamName: stream.name, ConsumerName: consumer.name },
        statistic: "Maximum",
        threshold: 300_000,
        periodSeconds: 60,
        evaluationPeriods: 5,
      },
      children,
    );
  }
  return consumer;
}

/** Producers throttled: records the stream refused them, which they must send again or lose. */
function addThrottlingAlarms(children: Children, stream: aws.kinesis.Stream): void {
  for (const metricName of PRODUCER_THROTTLING_METRICS) {
    alarm(
      `${children.name}-${metricName === "WriteProvisionedThroughputExceeded" ? "write-throttled" : "put-records-throttled"}-alarm`,
      {
        description: `producers' records refused by the stream (${metricName}): they must retry them, or lose them; more shards or on-demand capacity is the fix`,
        namespace: "AWS/Kinesis",
        metricName,
        dimensions: { StreamName: stream.name },
        statistic: "Sum",
        threshold: 1,
      },
      children,
    );
  }
}

/** The table whose stream is shared, with the stream's resource policy granting its readers. */
function addSharedTable(
  children: Children,
  settings: NonNullable<ResolvedCrossAccountStreamSource["sharedTable"]>,
  keyArn: pulumi.Output<string>,
): aws.dynamodb.Table {
  const { name } = children;
  const table = new aws.dynamodb.Table(
    `${name}-shared-table`,
    {
      name: settings.name,
      hashKey: settings.hashKey,
      rangeKey: settings.rangeKey,
      attributes: settings.keys,
      billingMode: "PAY_PER_REQUEST",
      streamEnabled: true,
      streamViewType: settings.streamViewType,
      pointInTimeRecovery: { enabled: true },
      // The stream's own key: a cross-account stream reader cannot be granted the AWS-managed
      // key (alias/aws/dynamodb), whose policy nobody can change; this key's policy grants it.
      serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
      tags: tagsOf(children),
    },
    dataResourceOptions(children, settings.name),
  );
  const readers = settings.readerRoleArns;
  if (readers.length > 0) {
    // Stream actions go in the stream's own policy; the table's policy does not cover its stream.
    new aws.dynamodb.ResourcePolicy(
      `${name}-shared-table-stream-policy`,
      {
        resourceArn: table.streamArn,
        policy: policyDocument(
          pulumi.all([pulumi.all(readers), table.streamArn]).apply(([roles, arn]) => [
            {
              Sid: "ReadersReadTableStream",
              Effect: "Allow" as const,
              Principal: { AWS: roles.length === 1 ? roles[0] : roles },
              Action: DYNAMODB_STREAM_READ_ACTIONS,
              Resource: arn,
            },
          ]),
        ),
      },
      { parent: children.parent },
    );
  }
  return table;
}
