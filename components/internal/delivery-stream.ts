import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { versionSegment } from "../../functions/shared/archive-schema";
import { type ResolvedFirehoseArchive } from "../settings/firehose-archive";
import { ERROR_PREFIX, PROCESSED_PREFIX, SOURCE_PREFIX } from "./archive-layout";
import { type FunctionResources } from "./bundled-function";
import { tagsOf, type Children } from "./context";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";

// FirehoseArchive's delivery stream: its log group, its role, and where it writes.

const HOURLY = "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/";

/** The delivery stream and what it runs as and logs to. */
export interface DeliveryResources {
  deliveryStream: aws.kinesis.FirehoseDeliveryStream;
  /** The role Firehose assumes to invoke the transform and write the bucket. */
  role: aws.iam.Role;
  logGroup: aws.cloudwatch.LogGroup;
}

/** The delivery stream, its log group and its role, writing rows under processed/ and refusals under failed/. */
export function addDeliveryStream(
  children: Children,
  settings: ResolvedFirehoseArchive,
  writes: { bucket: aws.s3.Bucket; transform: FunctionResources },
): DeliveryResources {
  const { delivery } = settings;
  const { bucket, transform } = writes;
  const { name } = children;
  const opts = { parent: children.parent };
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-delivery-logs`,
    {
      namePrefix: `/aws/kinesisfirehose/${name}-`,
      retentionInDays: settings.logRetentionDays,
      tags: tagsOf(children),
    },
    opts,
  );
  const destinationLog = new aws.cloudwatch.LogStream(`${name}-delivery-log`, { logGroupName: logGroup.name, name: "DestinationDelivery" }, opts);
  const backupLog = delivery.backupSourceRecords
    ? new aws.cloudwatch.LogStream(`${name}-backup-log`, { logGroupName: logGroup.name, name: "BackupDelivery" }, opts)
    : undefined;
  const { role, policy } = addFirehoseRole(children, settings, { ...writes, logGroup });

  const deliveryStream = new aws.kinesis.FirehoseDeliveryStream(
    `${name}-delivery`,
    {
      name: delivery.name,
      destination: "extended_s3",
      serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
      extendedS3Configuration: {
        roleArn: role.arn,
        bucketArn: bucket.arn,
        prefix: `${PROCESSED_PREFIX}${versionSegment(settings.schemaVersion)}${HOURLY}`,
        errorOutputPrefix: `${ERROR_PREFIX}!{firehose:error-output-type}/${HOURLY}`,
        bufferingSize: delivery.bufferSizeMiB,
        bufferingInterval: delivery.bufferIntervalSeconds,
        compressionFormat: delivery.compression,
        fileExtension: delivery.compression === "GZIP" ? ".csv.gz" : ".csv",
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: destinationLog.name },
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
          cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: backupLog.name },
        },
      },
      tags: tagsOf(children),
    },
    {
      ...opts,
      dependsOn: [policy],
      // A fixed name is unique per account and region: a replacement must delete the old stream first.
      deleteBeforeReplace: delivery.name !== undefined,
    },
  );
  return { deliveryStream, role, logGroup };
}

/**
 * Firehose's role writes under the delivery's prefixes only: rows under processed/, refused
 * records under failed/, and, when kept, source records under source/; it lists the bucket and
 * its multipart uploads. https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
 */
function addFirehoseRole(
  children: Children,
  settings: ResolvedFirehoseArchive,
  uses: { bucket: aws.s3.Bucket; transform: FunctionResources; logGroup: aws.cloudwatch.LogGroup },
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const { name } = children;
  const { bucket, transform, logGroup } = uses;
  const role = new aws.iam.Role(
    `${name}-firehose-role`,
    {
      description: "Assumed by Firehose to write the archive bucket and invoke the transform",
      assumeRolePolicy: serviceTrustPolicy("firehose.amazonaws.com", "sts:ExternalId"),
      tags: tagsOf(children),
    },
    { parent: children.parent },
  );
  const prefixes = [PROCESSED_PREFIX, ERROR_PREFIX, ...(settings.delivery.backupSourceRecords ? [SOURCE_PREFIX] : [])];
  const statements = pulumi
    .all([bucket.arn, transform.function.arn, logGroup.arn, settings.bucket.kmsKeyArn, children.region])
    .apply(([bucketArn, transformArn, logGroupArn, keyArn, regionName]) => {
      const objects = prefixes.map((prefix) => `${bucketArn}/${prefix}*`);
      const list: PolicyStatement[] = [
        { Sid: "FindArchiveBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucketArn },
        { Sid: "WriteArchivePrefixes", Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"], Resource: objects },
        {
          Sid: "InvokeTransform",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
          Resource: [transformArn, `${transformArn}:*`],
        },
        { Sid: "WriteDeliveryLogs", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${logGroupArn}:*` },
      ];
      if (keyArn) {
        list.push({
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
      return list;
    });
  const policy = new aws.iam.RolePolicy(`${name}-firehose-policy`, { role: role.id, policy: policyDocument(statements) }, { parent: children.parent });
  return { role, policy };
}
