import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type KeyAttributeType } from "./dedup-table";
import { policyDocument, type PolicyStatement } from "./iam";
import { COMPONENT_PACKAGE } from "./package";
import {
  DYNAMODB_STREAM_READ_ACTIONS,
  KINESIS_CONSUMER_READ_ACTIONS,
  KINESIS_STREAM_READ_ACTIONS,
  KINESIS_STREAM_WRITE_ACTIONS,
} from "./stream-access";
import { validate } from "./validation";

export interface StreamSettings {
  /** Physical stream name. Default: generated from the component name. */
  name?: string;
  /** Provisioned shards, 1–4096. Default: unset, which makes the stream on-demand. */
  shardCount?: number;
  /** Hours records stay readable, 24–8760. Default: 24. */
  retentionHours?: number;
}

export interface SharedTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "NEW_AND_OLD_IMAGES" (seed 003). */
  streamViewType?: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
}

export interface CrossAccountStreamSourceArgs {
  /** The Kinesis stream. Defaults: see each field. */
  stream?: StreamSettings;
  /**
   * The role, usually in another account, that reads the stream (pull mode). The stream's resource
   * policy, the fan-out consumer's policy, the key policy and the shared table's stream policy grant
   * it read access and nothing else. Default: none; nothing is shared until it is given.
   */
  consumerRoleArn?: pulumi.Input<string>;
  /** Registers an enhanced fan-out consumer with this name (dedicated 2 MB/s per shard). Default: none. */
  fanOutConsumerName?: string;
  /** A DynamoDB table in this account whose stream is shared with `consumerRoleArn` (seed 003). Default: none. */
  sharedTable?: SharedTableSettings;
  /** Days KMS waits before deleting the stream key once it is scheduled for deletion, 7–30. Default: 30. */
  keyDeletionWindowDays?: number;
}

export const crossAccountStreamSourceDefaults = {
  retentionHours: 24,
  sharedTableStreamViewType: "NEW_AND_OLD_IMAGES",
  keyDeletionWindowDays: 30,
} as const;

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

function validateArgs(name: string, args: CrossAccountStreamSourceArgs): void {
  const check = validate(`CrossAccountStreamSource "${name}"`);
  check.integer("stream.shardCount", args.stream?.shardCount, 1, 4096);
  check.integer("stream.retentionHours", args.stream?.retentionHours, 24, 8760);
  check.integer("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);
  if (typeof args.consumerRoleArn === "string" && !ROLE_ARN.test(args.consumerRoleArn)) {
    check.fail(`consumerRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${args.consumerRoleArn}"`);
  }
  if (args.fanOutConsumerName !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(args.fanOutConsumerName)) {
    check.fail(`fanOutConsumerName must be 1–128 letters, digits, "_", "." or "-", got "${args.fanOutConsumerName}"`);
  }
  if (args.sharedTable) {
    if (!args.sharedTable.hashKey) check.fail("sharedTable.hashKey is required");
    check.oneOf("sharedTable.streamViewType", args.sharedTable.streamViewType, ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]);
  }
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
 * with one consumer role through resource policies (seed 002), with an optional enhanced fan-out
 * consumer and an optional DynamoDB table whose stream is shared the same way (seed 003).
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

  constructor(name: string, args: CrossAccountStreamSourceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:CrossAccountStreamSource`, name, {}, opts);
    validateArgs(name, args);
    const d = crossAccountStreamSourceDefaults;
    const consumerRole = args.consumerRoleArn;

    const key = new aws.kms.Key(`${name}-key`, {
      description: "Encrypts the clickstream at rest in Kinesis",
      enableKeyRotation: true,
      deletionWindowInDays: args.keyDeletionWindowDays ?? d.keyDeletionWindowDays,
    }, { parent: this });

    const shardCount = args.stream?.shardCount;
    const stream = new aws.kinesis.Stream(`${name}-stream`, {
      name: args.stream?.name,
      streamModeDetails: { streamMode: shardCount === undefined ? "ON_DEMAND" : "PROVISIONED" },
      shardCount,
      retentionPeriod: args.stream?.retentionHours ?? d.retentionHours,
      encryptionType: "KMS",
      kmsKeyId: key.arn,
    }, { parent: this });

    // The grant names the stream ARN, and the stream names the key: the key's policy is a
    // resource of its own, written once both exist.
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    new aws.kms.KeyPolicy(`${name}-key-policy`, {
      keyId: key.id,
      policy: policyDocument(
        pulumi
          .all([identity.accountId, partition.partition, region.region, stream.arn, consumerRole])
          .apply(([account, part, regionName, streamArn, roleArn]) => {
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
              if (args.sharedTable) {
                statements.push({
                  Sid: "ConsumerRoleDecryptsSharedTableStream",
                  Effect: "Allow",
                  Principal: { AWS: roleArn },
                  Action: "kms:Decrypt",
                  Resource: "*",
                  Condition: { StringEquals: { "kms:ViaService": `dynamodb.${regionName}.amazonaws.com` } },
                });
              }
            }
            return statements;
          }),
      ),
    }, { parent: this });

    // PutResourcePolicy replaces a resource's whole policy, so each ARN gets exactly one policy resource.
    if (consumerRole !== undefined) {
      new aws.kinesis.ResourcePolicy(`${name}-stream-policy`, {
        resourceArn: stream.arn,
        policy: grantTo(consumerRole, "ConsumerRoleReadsStream", KINESIS_STREAM_READ_ACTIONS, stream.arn),
      }, { parent: this });
    }

    let consumer: aws.kinesis.StreamConsumer | undefined;
    if (args.fanOutConsumerName !== undefined) {
      // The name is unique per stream: a replacement must delete the old consumer first.
      consumer = new aws.kinesis.StreamConsumer(`${name}-fan-out`, {
        name: args.fanOutConsumerName,
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
    }

    const producerPolicy = new aws.iam.Policy(`${name}-producer`, {
      description: "Lets a producer in this account write to the clickstream",
      policy: policyDocument(
        pulumi.all([stream.arn, key.arn]).apply(([streamArn, keyArn]): PolicyStatement[] => [
          { Sid: "WriteStream", Effect: "Allow", Action: KINESIS_STREAM_WRITE_ACTIONS, Resource: streamArn },
          { Sid: "EncryptRecords", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: keyArn },
        ]),
      ),
    }, { parent: this });

    const sharedTable = args.sharedTable && this.addSharedTable(name, args.sharedTable, consumerRole, key.arn);

    this.streamName = stream.name;
    this.streamArn = stream.arn;
    this.streamConsumerArn = pulumi.output(consumer?.arn);
    this.streamKmsKeyArn = key.arn;
    this.producerPolicyArn = producerPolicy.arn;
    this.streamReadGrantedTo = pulumi.output(consumerRole);
    this.sharedTableName = pulumi.output(sharedTable?.name);
    this.sharedTableStreamArn = pulumi.output(sharedTable?.streamArn);
    this.registerOutputs({
      streamName: this.streamName,
      streamArn: this.streamArn,
      streamConsumerArn: this.streamConsumerArn,
      streamKmsKeyArn: this.streamKmsKeyArn,
      producerPolicyArn: this.producerPolicyArn,
      streamReadGrantedTo: this.streamReadGrantedTo,
      sharedTableName: this.sharedTableName,
      sharedTableStreamArn: this.sharedTableStreamArn,
    });
  }

  private addSharedTable(name: string, settings: SharedTableSettings, consumerRole: pulumi.Input<string> | undefined, keyArn: pulumi.Output<string>): aws.dynamodb.Table {
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
    }, { parent: this });
    if (consumerRole !== undefined) {
      // Stream actions go in the stream's own policy; the table's policy does not cover its stream.
      new aws.dynamodb.ResourcePolicy(`${name}-shared-table-stream-policy`, {
        resourceArn: table.streamArn,
        policy: grantTo(consumerRole, "ConsumerRoleReadsTableStream", DYNAMODB_STREAM_READ_ACTIONS, table.streamArn),
      }, { parent: this });
    }
    return table;
  }
}
