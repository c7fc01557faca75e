import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarm, type MonitoringArgs } from "./internal/alarms";
import { type KeyAttributeType } from "./dedup-table";
import { policyDocument, type PolicyStatement } from "./internal/iam";
import { checkDerivedNames, checkPhysicalName } from "./internal/names";
import { checkOverrides } from "./internal/overrides";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions, type DataProtectionArgs } from "./internal/protection";
import {
  DYNAMODB_STREAM_READ_ACTIONS,
  KINESIS_CONSUMER_READ_ACTIONS,
  KINESIS_STREAM_READ_ACTIONS,
  KINESIS_STREAM_WRITE_ACTIONS,
} from "./internal/stream-access";
import { validate } from "./internal/validation";

export interface StreamSettings {
  /** Physical stream name. Default: generated from the component name. */
  name?: string;
  /** Provisioned shards, 1–4096. Default: unset, which makes the stream on-demand. */
  shardCount?: number;
  /** Hours records stay readable, 24–8760. Default: 24. */
  retentionHours?: number;
}

/** What a DynamoDB table's stream carries. */
export const StreamViewType = { KeysOnly: "KEYS_ONLY", NewImage: "NEW_IMAGE", OldImage: "OLD_IMAGE", NewAndOldImages: "NEW_AND_OLD_IMAGES" } as const;
export type StreamViewType = (typeof StreamViewType)[keyof typeof StreamViewType];

export interface SharedTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "NEW_AND_OLD_IMAGES" (the cross-account DynamoDB Streams design). */
  streamViewType?: StreamViewType;
}

/** Provider arguments for CrossAccountStreamSource's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface CrossAccountStreamSourceOverrides {
  /** The stream (aws.kinesis.Stream), except its name, capacity mode and encryption, which the grants and the capacity check depend on. */
  stream?: aws.kinesis.StreamArgs;
}

/** What the stream overrides may not change. */
const OWNED_STREAM_ARGS = ["name", "shardCount", "streamModeDetails", "encryptionType", "kmsKeyId"] as const;

export interface CrossAccountStreamSourceArgs extends DataProtectionArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: CrossAccountStreamSourceOverrides;
  /** The Kinesis stream. Defaults: see each field. */
  stream?: StreamSettings;
  /**
   * The role, usually in another account, that reads the stream (pull mode). The stream's resource
   * policy, the fan-out consumer's policy and the key policy grant it read access and nothing else.
   * Default: none; the stream is shared with nobody until it is given.
   */
  consumerRoleArn?: pulumi.Input<string>;
  /**
   * The roles, usually in another account, of the functions that read the shared table's stream
   * (the cross-account DynamoDB Streams design; StreamProjection's `roleArn`). The stream's resource policy grants them its read
   * actions, and the key policy `kms:Decrypt` through DynamoDB. DynamoDB Streams serves at most
   * two readers per shard, counting this account's own. Default: none; the table's stream is
   * shared with nobody.
   */
  sharedTableReaderRoleArns?: pulumi.Input<string>[];
  /** Registers an enhanced fan-out consumer with this name (dedicated 2 MB/s per shard). Default: none. */
  fanOutConsumerName?: string;
  /** A DynamoDB table in this account whose stream is shared with `consumerRoleArn` (the cross-account DynamoDB Streams design). Default: none. */
  sharedTable?: SharedTableSettings;
  /** Days KMS waits before deleting the stream key once it is scheduled for deletion, 7–30. Default: 30. */
  keyDeletionWindowDays?: number;
  /** An alarm when the fan-out consumer falls more than 5 minutes behind. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

export const crossAccountStreamSourceDefaults = {
  retentionHours: 24,
  sharedTableStreamViewType: "NEW_AND_OLD_IMAGES",
  keyDeletionWindowDays: 30,
} as const;

/** How far an enhanced fan-out consumer is behind the stream, per consumer (Kinesis's metric). */
export const FAN_OUT_LAG_METRIC = "SubscribeToShardEvent.MillisBehindLatest";

function validateArgs(component: pulumi.Resource, name: string, args: CrossAccountStreamSourceArgs): void {
  const check = validate(`CrossAccountStreamSource "${name}"`, "arguments", component);
  checkPhysicalName(check, "stream.name", "aws:kinesis/stream:Stream", args.stream?.name);
  checkPhysicalName(check, "sharedTable.name", "aws:dynamodb/table:Table", args.sharedTable?.name);
  checkDerivedNames(check, "name", name, [
    ...(args.stream?.name === undefined ? [["aws:kinesis/stream:Stream", `${name}-stream`] as const] : []),
    ...(args.sharedTable && args.sharedTable.name === undefined ? [["aws:dynamodb/table:Table", `${name}-shared-table`] as const] : []),
    ["aws:iam/policy:Policy", `${name}-producer`],
  ]);
  check.integer("stream.shardCount", args.stream?.shardCount, 1, 4096);
  check.integer("stream.retentionHours", args.stream?.retentionHours, 24, 8760);
  check.integer("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);
  check.roleArn("consumerRoleArn", args.consumerRoleArn);
  if (args.fanOutConsumerName !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(args.fanOutConsumerName)) {
    check.fail(`fanOutConsumerName must be 1–128 letters, digits, "_", "." or "-", got "${args.fanOutConsumerName}"`);
  }
  if (args.sharedTable) {
    if (!args.sharedTable.hashKey) check.fail("sharedTable.hashKey is required");
    check.oneOf("sharedTable.streamViewType", args.sharedTable.streamViewType, Object.values(StreamViewType));
  } else if (args.sharedTableReaderRoleArns?.length) {
    check.fail("sharedTableReaderRoleArns needs sharedTable: there is no table whose stream they could read");
  }
  for (const [i, arn] of (args.sharedTableReaderRoleArns ?? []).entries()) check.roleArn(`sharedTableReaderRoleArns[${i}]`, arn);
  checkOverrides(check, "overrides.stream", args.overrides?.stream, OWNED_STREAM_ARGS, "set stream.name and stream.shardCount instead; the stream's key is the component's own");
  check.done();
}

/** A resource policy letting one role do `actions` on `resource`, and nothing else. */
function grantTo(roleArn: pulumi.Input<string>, sid: string, actions: string[], resource: pulumi.Input<string>): pulumi.Output<string> {
  return policyDocument(
    pulumi.all([roleArn, resource]).apply(([principal, arn]) => [
      { Sid: sid, Effect: "Allow" as const, Principal: { AWS: principal }, Action: actions, Resource: arn },
    ]),
  );
}

/**
 * The source account's side: a Kinesis stream encrypted with its own customer-managed key, shared
 * with one consumer role through resource policies (the cross-account Kinesis trigger design), with an optional enhanced fan-out
 * consumer and an optional DynamoDB table whose stream is shared the same way (the cross-account DynamoDB Streams design).
 */
export class CrossAccountStreamSource extends pulumi.ComponentResource {
  public readonly streamName: pulumi.Output<string>;
  public readonly streamArn: pulumi.Output<string>;
  /** The fan-out consumer's ARN; it changes whenever the consumer is re-created. */
  public readonly streamConsumerArn: pulumi.Output<string | undefined>;
  public readonly streamKmsKeyArn: pulumi.Output<string>;
  /** A managed policy producers in this account attach to write to the stream. */
  public readonly producerPolicyArn: pulumi.Output<string>;
  /** The role granted read access, once one is given. */
  public readonly streamReadGrantedTo: pulumi.Output<string | undefined>;
  public readonly sharedTableName: pulumi.Output<string | undefined>;
  public readonly sharedTableStreamArn: pulumi.Output<string | undefined>;
  /** The key the shared table (and so its stream) is encrypted with: the stream's key. */
  public readonly sharedTableKmsKeyArn: pulumi.Output<string | undefined>;
  /** The roles the shared table's stream is shared with. */
  public readonly sharedTableReadGrantedTo: pulumi.Output<string[]>;

  constructor(name: string, args: CrossAccountStreamSourceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:CrossAccountStreamSource`, name, {}, opts);
    validateArgs(this, name, args);
    const consumerRole = args.consumerRoleArn;
    const readers = args.sharedTable ? args.sharedTableReaderRoleArns ?? [] : [];
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const { key, stream } = this.addStream(name, args);
    this.addKeyPolicy(name, key, stream, consumerRole, readers, region);
    // PutResourcePolicy replaces a resource's whole policy, so each ARN gets exactly one policy resource.
    if (consumerRole !== undefined) {
      new aws.kinesis.ResourcePolicy(`${name}-stream-policy`, {
        resourceArn: stream.arn,
        policy: grantTo(consumerRole, "ConsumerRoleReadsStream", KINESIS_STREAM_READ_ACTIONS, stream.arn),
      }, { parent: this });
    }
    const consumer = args.fanOutConsumerName === undefined ? undefined : this.addFanOut(name, args.fanOutConsumerName, stream, consumerRole);
    const producerPolicy = this.addProducerPolicy(name, stream, key, region);
    const sharedTable = args.sharedTable && this.addSharedTable(name, args.sharedTable, readers, key.arn, args.protectData);
    if (consumer && (args.monitoring?.alarms ?? true)) this.addFanOutAlarm(name, stream, consumer, args.fanOutConsumerName!, args.monitoring ?? {});

    this.streamName = stream.name;
    this.streamArn = stream.arn;
    this.streamConsumerArn = pulumi.output(consumer?.arn);
    this.streamKmsKeyArn = key.arn;
    this.producerPolicyArn = producerPolicy.arn;
    this.streamReadGrantedTo = pulumi.output(consumerRole);
    this.sharedTableName = pulumi.output(sharedTable?.name);
    this.sharedTableStreamArn = pulumi.output(sharedTable?.streamArn);
    this.sharedTableKmsKeyArn = pulumi.output(sharedTable ? key.arn : undefined);
    this.sharedTableReadGrantedTo = pulumi.all(readers);
    this.registerOutputs({
      streamName: this.streamName,
      streamArn: this.streamArn,
      streamConsumerArn: this.streamConsumerArn,
      streamKmsKeyArn: this.streamKmsKeyArn,
      producerPolicyArn: this.producerPolicyArn,
      streamReadGrantedTo: this.streamReadGrantedTo,
      sharedTableName: this.sharedTableName,
      sharedTableStreamArn: this.sharedTableStreamArn,
      sharedTableKmsKeyArn: this.sharedTableKmsKeyArn,
      sharedTableReadGrantedTo: this.sharedTableReadGrantedTo,
    });
  }

  /** The stream, encrypted with its own customer-managed key. */
  private addStream(name: string, args: CrossAccountStreamSourceArgs): { key: aws.kms.Key; stream: aws.kinesis.Stream } {
    const d = crossAccountStreamSourceDefaults;
    const key = new aws.kms.Key(`${name}-key`, {
      description: "Encrypts the clickstream at rest in Kinesis",
      enableKeyRotation: true,
      deletionWindowInDays: args.keyDeletionWindowDays ?? d.keyDeletionWindowDays,
    }, dataResourceOptions(this, args.protectData));
    const shardCount = args.stream?.shardCount;
    const stream = new aws.kinesis.Stream(`${name}-stream`, {
      name: args.stream?.name,
      streamModeDetails: { streamMode: shardCount === undefined ? "ON_DEMAND" : "PROVISIONED" },
      shardCount,
      retentionPeriod: args.stream?.retentionHours ?? d.retentionHours,
      encryptionType: "KMS",
      kmsKeyId: key.arn,
      ...args.overrides?.stream,
    }, dataResourceOptions(this, args.protectData, args.stream?.name));
    return { key, stream };
  }

  /**
   * The key's policy: the account administers it, the consumer role decrypts this stream's records
   * through Kinesis, the shared table's readers its stream through DynamoDB. The grant names the
   * stream ARN, and the stream names the key: the policy is a resource of its own, written once both exist.
   */
  private addKeyPolicy(name: string, key: aws.kms.Key, stream: aws.kinesis.Stream, consumerRole: pulumi.Input<string> | undefined, readers: pulumi.Input<string>[], region: pulumi.Output<string>): void {
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    new aws.kms.KeyPolicy(`${name}-key-policy`, {
      keyId: key.id,
      policy: policyDocument(
        pulumi
          .all([identity.accountId, partition.partition, region, stream.arn, consumerRole, pulumi.all(readers)])
          .apply(([account, part, regionName, streamArn, roleArn, readerRoles]) => {
            const statements: PolicyStatement[] = [
              // Without it nobody in the account, not even an administrator, could manage the key.
              { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
            ];
            if (roleArn) {
              statements.push({
                Sid: "ConsumerRoleDecryptsThisStream",
                Effect: "Allow",
                Principal: { AWS: roleArn },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: {
                  StringEquals: {
                    "kms:ViaService": `kinesis.${regionName}.amazonaws.com`,
                    "kms:EncryptionContext:aws:kinesis:arn": streamArn,
                  },
                },
              });
            }
            if (readerRoles.length > 0) {
              // The shared table is encrypted with this key, and its stream with the table's key.
              statements.push({
                Sid: "ReadersDecryptSharedTableStream",
                Effect: "Allow",
                Principal: { AWS: readerRoles.length === 1 ? readerRoles[0] : readerRoles },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: { StringEquals: { "kms:ViaService": `dynamodb.${regionName}.amazonaws.com` } },
              });
            }
            return statements;
          }),
      ),
    }, { parent: this });
  }

  /** An enhanced fan-out consumer of the stream, readable by the consumer role when there is one. */
  private addFanOut(name: string, consumerName: string, stream: aws.kinesis.Stream, consumerRole: pulumi.Input<string> | undefined): aws.kinesis.StreamConsumer {
    // The name is unique per stream: a replacement must delete the old consumer first.
    const consumer = new aws.kinesis.StreamConsumer(`${name}-fan-out`, {
      name: consumerName,
      streamArn: stream.arn,
    }, { parent: this, deleteBeforeReplace: true });
    if (consumerRole !== undefined) {
      // Kinesis refuses a consumer policy until the consumer is ACTIVE; the provider returns from
      // creating it only then. The policy follows the consumer's ARN, so a re-created consumer
      // gets a new policy.
      new aws.kinesis.ResourcePolicy(`${name}-fan-out-policy`, {
        resourceArn: consumer.arn,
        policy: grantTo(consumerRole, "ConsumerRoleReadsFanOut", KINESIS_CONSUMER_READ_ACTIONS, consumer.arn),
      }, { parent: this, dependsOn: [consumer] });
    }
    return consumer;
  }

  /**
   * What a producer in this account needs. Kinesis generates the data keys for a producer's records
   * with the producer's permissions and the stream's ARN as the encryption context; the key serves
   * producers through Kinesis only. https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
   */
  private addProducerPolicy(name: string, stream: aws.kinesis.Stream, key: aws.kms.Key, region: pulumi.Output<string>): aws.iam.Policy {
    return new aws.iam.Policy(`${name}-producer`, {
      description: "Lets a producer in this account write to the clickstream",
      policy: policyDocument(
        pulumi.all([stream.arn, key.arn, region]).apply(([streamArn, keyArn, regionName]): PolicyStatement[] => [
          { Sid: "WriteStream", Effect: "Allow", Action: KINESIS_STREAM_WRITE_ACTIONS, Resource: streamArn },
          {
            Sid: "EncryptRecords",
            Effect: "Allow",
            Action: "kms:GenerateDataKey",
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `kinesis.${regionName}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": streamArn } },
          },
        ]),
      ),
    }, { parent: this });
  }

  /**
   * Enhanced fan-out readers never call GetRecords, so GetRecords.IteratorAgeMilliseconds says
   * nothing about them; Kinesis reports their lag per consumer instead.
   * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
   */
  private addFanOutAlarm(name: string, stream: aws.kinesis.Stream, consumer: aws.kinesis.StreamConsumer, consumerName: string, monitoring: MonitoringArgs): void {
    alarm(`${name}-fan-out-lag-alarm`, {
      description: `the fan-out consumer ${consumerName} is more than 5 minutes behind the stream`,
      namespace: "AWS/Kinesis",
      metricName: FAN_OUT_LAG_METRIC,
      dimensions: { StreamName: stream.name, ConsumerName: consumer.name },
      statistic: "Maximum",
      threshold: 300_000,
      periodSeconds: 60,
      evaluationPeriods: 5,
    }, monitoring, this);
  }

  private addSharedTable(name: string, settings: SharedTableSettings, readers: pulumi.Input<string>[], keyArn: pulumi.Output<string>, protectData: boolean | undefined): aws.dynamodb.Table {
    const keys = [settings.hashKey, settings.rangeKey].filter((k): k is string => Boolean(k));
    const table = new aws.dynamodb.Table(`${name}-shared-table`, {
      name: settings.name,
      hashKey: settings.hashKey,
      rangeKey: settings.rangeKey,
      attributes: keys.map((k) => ({ name: k, type: settings.attributeTypes?.[k] ?? "S" })),
      billingMode: "PAY_PER_REQUEST",
      streamEnabled: true,
      streamViewType: settings.streamViewType ?? crossAccountStreamSourceDefaults.sharedTableStreamViewType,
      pointInTimeRecovery: { enabled: true },
      // The stream's own key: a cross-account stream reader cannot be granted the AWS-managed
      // key (alias/aws/dynamodb), whose policy nobody can change; this key's policy grants it.
      serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
    }, dataResourceOptions(this, protectData, settings.name));
    if (readers.length > 0) {
      // Stream actions go in the stream's own policy; the table's policy does not cover its stream.
      new aws.dynamodb.ResourcePolicy(`${name}-shared-table-stream-policy`, {
        resourceArn: table.streamArn,
        policy: policyDocument(
          pulumi.all([pulumi.all(readers), table.streamArn]).apply(([roles, arn]) => [
            { Sid: "ReadersReadTableStream", Effect: "Allow" as const, Principal: { AWS: roles.length === 1 ? roles[0] : roles }, Action: DYNAMODB_STREAM_READ_ACTIONS, Resource: arn },
          ]),
        ),
      }, { parent: this });
    }
    return table;
  }
}
