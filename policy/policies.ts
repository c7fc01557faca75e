import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsRulePolicies } from "./aws-rules-policies";
import { leastPrivilegePolicies } from "./least-privilege-policies";
import { isEveryone, RESOURCE_POLICY_FIELDS, statementsOf } from "./statements";

export const encryptionAtRest: ResourceValidationPolicy = {
  name: "encryption-at-rest",
  description: "Every stream, table, queue, topic, delivery stream and cluster is encrypted at rest.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const p = args.props;
    switch (args.type) {
      case "aws:kinesis/stream:Stream":
        if (p.encryptionType !== "KMS") reportViolation("Kinesis streams must be encrypted with KMS (encryptionType: KMS).");
        break;
      case "aws:dynamodb/table:Table":
        if (p.serverSideEncryption?.enabled !== true)
          reportViolation("DynamoDB tables must set serverSideEncryption.enabled, with an AWS-managed or customer key.");
        break;
      case "aws:sqs/queue:Queue":
        if (!p.sqsManagedSseEnabled && !p.kmsMasterKeyId) reportViolation("SQS queues must use SSE (sqsManagedSseEnabled or kmsMasterKeyId).");
        break;
      case "aws:sns/topic:Topic":
        if (!p.kmsMasterKeyId) reportViolation("SNS topics must be encrypted (kmsMasterKeyId).");
        break;
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        if (p.serverSideEncryption?.enabled !== true) reportViolation("Firehose delivery streams must enable serverSideEncryption.");
        break;
      case "aws:rds/cluster:Cluster":
        if (p.storageEncrypted !== true) reportViolation("RDS clusters must set storageEncrypted.");
        break;
    }
  },
};

/** Every bucket has default encryption and blocks public access on all four settings. */
export const privateEncryptedBuckets: StackValidationPolicy = {
  name: "private-encrypted-buckets",
  description: "Every S3 bucket has default encryption and blocks all public access.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const byBucket = (type: string) => new Set(args.resources.filter((r) => r.type === type).map((r) => String(r.props.bucket)));
    const encrypted = byBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    const blocked = new Set(
      args.resources
        .filter((r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        .filter((r) => r.props.blockPublicAcls && r.props.blockPublicPolicy && r.props.ignorePublicAcls && r.props.restrictPublicBuckets)
        .map((r) => String(r.props.bucket)),
    );
    for (const bucket of args.resources.filter((r: PolicyResource) => r.type === "aws:s3/bucket:Bucket")) {
      const id = String(bucket.props.bucket ?? bucket.props.id ?? bucket.name);
      if (!encrypted.has(id)) reportViolation(`bucket ${bucket.name} has no default encryption`, bucket.urn);
      if (!blocked.has(id)) reportViolation(`bucket ${bucket.name} does not block all public access`, bucket.urn);
    }
  },
};

export const noUnconditionedEveryone: ResourceValidationPolicy = {
  name: "no-unconditioned-public-principal",
  description: "No policy allows the `*` principal without a condition.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const field = RESOURCE_POLICY_FIELDS[args.type];
    if (!field) return;
    for (const statement of statementsOf(args.props[field])) {
      if (statement.Effect === "Allow" && isEveryone(statement.Principal) && !statement.Condition) {
        reportViolation(`${args.type} allows everyone ("*") with no condition.`);
      }
    }
  },
};

export const boundedStreamRetries: ResourceValidationPolicy = {
  name: "stream-mappings-park-failures",
  description: "Every event source mapping on a stream has an on-failure destination and bounded retries.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:lambda/eventSourceMapping:EventSourceMapping") return;
    const p = args.props;
    if (!p.destinationConfig?.onFailure?.destinationArn) reportViolation("event source mappings must send failed batches to an on-failure destination.");
    const retries = p.maximumRetryAttempts;
    if (retries === undefined || retries < 0 || retries > 10_000)
      reportViolation("event source mappings must bound maximumRetryAttempts (0–10000; -1 retries forever).");
  },
};

export const logRetention: ResourceValidationPolicy = {
  name: "log-retention",
  description: "Every log group keeps its logs for a set number of days.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type === "aws:cloudwatch/logGroup:LogGroup" && !(args.props.retentionInDays > 0)) reportViolation("log groups must set retentionInDays.");
  },
};

export const policies = [
  encryptionAtRest,
  privateEncryptedBuckets,
  noUnconditionedEveryone,
  boundedStreamRetries,
  logRetention,
  ...awsRulePolicies,
  ...leastPrivilegePolicies,
];
