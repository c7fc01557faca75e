/**
 * AWS's own rules that Pulumi mocks cannot see, stated once with the documentation that sets them.
 * Components validate their arguments against these at preview, and the policy pack (policy/)
 * checks the emitted resources against them; both cite this file. Plain data only: the policy pack
 * imports it without the program's dependencies.
 */

/**
 * The retention periods CloudWatch Logs accepts, in days; anything else is refused.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * An IAM role's ARN: partition, empty region, 12-digit account, `role/` and the role's path and
 * name, of the characters IAM accepts in them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
 */
export const IAM_ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * An external ID STS accepts: 2–1224 letters, digits and `+=,.@:/-`.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const EXTERNAL_ID_RULE = "2–1224 characters of letters, digits and +=,.@:/-";

/**
 * Characters EC2 accepts in a security group rule's description, up to 255 of them. The rule that
 * references a security group or prefix list leaves out "&", so neither does this.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserIdGroupPair.html
 */
export const SECURITY_GROUP_RULE_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]{0,255}$/;
export const SECURITY_GROUP_RULE_DESCRIPTION_RULE = "at most 255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=;{}!$*";

/**
 * A table's global secondary indexes: names of 3–255 letters, digits, "_", "." and "-" (as table
 * names), and at most 100 projected non-key attributes across them ("the total count of attributes
 * provided in NonKeyAttributes, summed across all of the secondary indexes, must not exceed 100").
 * The number of indexes (20) is a quota an account can raise, so it is not checked.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Projection.html
 */
export const DYNAMODB_INDEXES = { name: /^[a-zA-Z0-9_.-]{3,255}$/, maxNonKeyAttributes: 100 } as const;

/**
 * DynamoDB Streams serves at most two readers per shard at a time; a third throttles them all
 * (LimitExceededException: "More than 2 processes are reading from the same streams shard").
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.BestPracticesWithDynamoDB.html
 */
export const DYNAMODB_STREAM_MAX_READERS = 2;

/**
 * Characters Pulumi appends to a logical name to make a physical one: "-" and 7 random hex digits.
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming
 * https://github.com/pulumi/pulumi-terraform-bridge/blob/master/pkg/tfbridge/names.go (AutoNameTransform)
 */
export const AUTONAME_SUFFIX_LENGTH = 8;

export interface PhysicalNameRule {
  /** What users call it, for messages. */
  what: string;
  /** The input holding the physical name. */
  field: string;
  maxLength: number;
  /** Characters the service accepts. */
  pattern: RegExp;
  patternRule: string;
  /** Pulumi lowercases the logical name before auto-naming (buckets, clusters). */
  lowercased?: boolean;
  doc: string;
}

/** Physical name limits of the services this program names, by Pulumi resource type. */
export const PHYSICAL_NAME_RULES: Record<string, PhysicalNameRule> = {
  "aws:lambda/function:Function": {
    what: "Lambda function name",
    field: "name",
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_-]+$/,
    patternRule: "letters, digits, - and _",
    doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
  },
  "aws:iam/role:Role": {
    what: "IAM role name",
    field: "name",
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    patternRule: "letters, digits and +=,.@_-",
    doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
  },
  "aws:iam/policy:Policy": {
    what: "IAM policy name",
    field: "name",
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    patternRule: "letters, digits and +=,.@_-",
    doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html",
  },
  "aws:s3/bucket:Bucket": {
    what: "S3 bucket name",
    field: "bucket",
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9.-]+[a-z0-9]$/,
    patternRule: "lowercase letters, digits, . and -, starting and ending with a letter or digit",
    lowercased: true,
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  "aws:dynamodb/table:Table": {
    what: "DynamoDB table name",
    field: "name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_.-]{3,}$/,
    patternRule: "at least 3 letters, digits, _, . and -",
    doc: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
  },
  "aws:kinesis/stream:Stream": {
    what: "Kinesis stream name",
    field: "name",
    maxLength: 128,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    patternRule: "letters, digits, _, . and -",
    doc: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html",
  },
  "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {
    what: "Firehose delivery stream name",
    field: "name",
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    patternRule: "letters, digits, _, . and -",
    doc: "https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html",
  },
  "aws:sqs/queue:Queue": {
    what: "SQS queue name",
    field: "name",
    maxLength: 80,
    pattern: /^[a-zA-Z0-9_-]+$/,
    patternRule: "letters, digits, - and _",
    doc: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  },
  "aws:rds/cluster:Cluster": {
    what: "Aurora cluster identifier",
    field: "clusterIdentifier",
    maxLength: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    patternRule: "lowercase letters, digits and single hyphens, starting with a letter",
    lowercased: true,
    doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html",
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    what: "log group name",
    field: "name",
    maxLength: 512,
    pattern: /^[\w\-/.#]+$/,
    patternRule: "letters, digits and _-/.#",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
  },
};

/**
 * The master user's name: 1 to 16 letters or digits, starting with a letter.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
 */
export const MASTER_USERNAME = /^[a-zA-Z][a-zA-Z0-9]{0,15}$/;

/**
 * The database RDS creates in the cluster (DatabaseName): 1 to 64 letters, digits or "_", starting
 * with a letter, and not a word the engine reserves (isMysqlReservedWord).
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-create-db-instance-request/db-name.html
 */
export const DATABASE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * MySQL's own schemas. Aurora MySQL 3 lets no one create tables or other objects in `mysql`
 * ("You also can't create other types of objects, such as stored procedures, in the mysql database"),
 * and the other three are the server's.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Compare-80-v3.html#AuroraMySQL.privilege-model
 * https://dev.mysql.com/doc/refman/8.0/en/system-schema.html
 */
export const MYSQL_SYSTEM_SCHEMAS = ["mysql", "sys", "information_schema", "performance_schema"] as const;

/**
 * Accounts a cluster has before any of ours: RDS's own users, whose privileges cannot be changed
 * ("You can't drop, rename, or modify privileges for these predefined users"), the master user's
 * role, and the role that grants LOAD DATA FROM S3 (MySQL 8.0 keeps roles as accounts).
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.MySQL.CommonDBATasks.html#Appendix.MySQL.CommonDBATasks.users
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Compare-80-v3.html#AuroraMySQL.privilege-model
 */
export const RDS_PREDEFINED_ACCOUNTS = ["rdsadmin", "rdsrepladmin", "rds_superuser_role", "AWS_LOAD_S3_ACCESS"] as const;

/**
 * Aurora MySQL versions that bring features this program uses: the RDS Data API on Serverless v2
 * and provisioned clusters needs 3.07; a minimum capacity of 0 ACUs (automatic pause) needs 3.08;
 * `LOAD DATA FROM S3` reads objects encrypted with a customer-managed KMS key from 3.05.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.LoadFromS3.html (Giving Aurora access to Amazon S3)
 */
export const AURORA_MYSQL_DATA_API_SINCE = "3.07.0";
export const AURORA_MYSQL_AUTO_PAUSE_SINCE = "3.08.0";
export const AURORA_MYSQL_S3_CUSTOMER_KEY_SINCE = "3.05.0";

/**
 * Lambda's concurrency pool per account and Region: 1,000 by default, and a function's reserved
 * concurrency comes out of it, used or not, while 100 must stay unreserved ("You can reserve up to
 * the Unreserved account concurrency value that is shown, minus 100 for functions that don't have
 * reserved concurrency").
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export const LAMBDA_CONCURRENCY = { defaultQuota: 1_000, minimumUnreserved: 100 } as const;
