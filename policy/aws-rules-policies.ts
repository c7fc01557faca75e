import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allows, list, statementsOf } from "./statements";
import {
  DATABASE_NAME,
  DYNAMODB_STREAM_MAX_READERS,
  LOG_RETENTION_DAYS,
  MASTER_USERNAME,
  PHYSICAL_NAME_RULES,
  SECURITY_GROUP_RULE_DESCRIPTION,
  SECURITY_GROUP_RULE_DESCRIPTION_RULE,
} from "../components/internal/aws-rules";
import { isMysqlReservedWord } from "../components/internal/mysql-reserved-words";

// AWS's own rules, which Pulumi mocks and `pulumi preview` accept but AWS refuses at deploy or at
// run time. Each policy cites the documentation in components/internal/aws-rules.ts or in its description.

/** Resource types that hold data, and so must not be deleted or replaced by a routine change. */
export const DATA_BEARING_TYPES = [
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:kinesis/stream:Stream",
  "aws:rds/cluster:Cluster",
  "aws:sqs/queue:Queue",
  "aws:kms/key:Key",
];

export const dataProtected: ResourceValidationPolicy = {
  name: "data-bearing-resources-protected",
  description:
    "Every table, bucket, stream, cluster, queue and key is protected, so neither `pulumi destroy` nor a change that forces a replacement deletes its data " +
    "(https://www.pulumi.com/docs/iac/concepts/resources/options/protect/). Test stacks with protectData false disable this policy in their policy config.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (DATA_BEARING_TYPES.includes(args.type) && args.opts?.protect !== true)
      reportViolation(`${args.type} ${args.name} holds data but is not protected: set protectData (default true).`);
  },
};

export const securityGroupRuleDescriptions: ResourceValidationPolicy = {
  name: "security-group-rule-descriptions",
  description: `Security group rule descriptions are ${SECURITY_GROUP_RULE_DESCRIPTION_RULE}, as EC2 requires.`,
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!/^aws:(vpc\/securityGroup(Ingress|Egress)Rule|ec2\/securityGroupRule):/.test(args.type)) return;
    const description = args.props.description;
    if (typeof description === "string" && !SECURITY_GROUP_RULE_DESCRIPTION.test(description)) {
      reportViolation(`rule description "${description}" has characters EC2 refuses: ${SECURITY_GROUP_RULE_DESCRIPTION_RULE} only.`);
    }
  },
};

export const logRetentionAccepted: ResourceValidationPolicy = {
  name: "log-retention-accepted",
  description: `Log group retention is one CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")} days.`,
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const days = args.props.retentionInDays;
    if (args.type === "aws:cloudwatch/logGroup:LogGroup" && days !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
      reportViolation(`retentionInDays ${days} is not a retention CloudWatch Logs accepts.`);
    }
  },
};

export const physicalNames: ResourceValidationPolicy = {
  name: "physical-names-within-limits",
  description: "Physical names, given or auto-named, are within each service's length limit and character set.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const rule = PHYSICAL_NAME_RULES[args.type];
    const name = rule && args.props[rule.field];
    if (typeof name !== "string") return;
    if (name.length > rule.maxLength) reportViolation(`${rule.what} "${name}" is ${name.length} characters; AWS allows ${rule.maxLength} (${rule.doc}).`);
    else if (!rule.pattern.test(name)) reportViolation(`${rule.what} "${name}": ${rule.patternRule} only (${rule.doc}).`);
  },
};

/** RDS refuses a database name or master user outside its pattern, or a word the engine reserves (cited in aws-rules.ts). */
export const auroraNamesAccepted: ResourceValidationPolicy = {
  name: "aurora-names-accepted",
  description: "An Aurora MySQL cluster's database name and master user are names RDS accepts: its characters, and not a word MySQL reserves.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:rds/cluster:Cluster") return;
    for (const [field, pattern] of [
      ["databaseName", DATABASE_NAME],
      ["masterUsername", MASTER_USERNAME],
    ] as const) {
      const name = args.props[field];
      if (typeof name !== "string") continue;
      if (!pattern.test(name)) reportViolation(`${field} "${name}" has characters or a length RDS refuses.`);
      else if (isMysqlReservedWord(name)) reportViolation(`${field} "${name}" is a word MySQL reserves, which RDS refuses.`);
    }
  },
};

export const dynamodbStreamReaders: StackValidationPolicy = {
  name: "dynamodb-stream-readers",
  description: `At most ${DYNAMODB_STREAM_MAX_READERS} event source mappings read one DynamoDB stream: a third reader throttles every reader of its shards.`,
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const readers = new Map<string, PolicyResource[]>();
    for (const mapping of args.resources.filter((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping")) {
      const source = String(mapping.props.eventSourceArn ?? "");
      if (/^arn:[\w-]+:dynamodb:.*\/stream\//.test(source)) readers.set(source, [...(readers.get(source) ?? []), mapping]);
    }
    for (const [stream, mappings] of readers) {
      if (mappings.length > DYNAMODB_STREAM_MAX_READERS) {
        reportViolation(
          `${mappings.length} mappings read ${stream} (${mappings.map((m) => m.name).join(", ")}); DynamoDB Streams serves at most ${DYNAMODB_STREAM_MAX_READERS} readers per shard.`,
        );
      }
    }
  },
};

/**
 * CloudWatch alarms publish to an encrypted topic only if the topic's key policy lets
 * cloudwatch.amazonaws.com decrypt and generate data keys; an AWS-managed key (alias/aws/sns)
 * cannot. https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const alarmTopicKeys: StackValidationPolicy = {
  name: "alarm-topic-key-admits-cloudwatch",
  description: "An encrypted topic that alarms notify uses a key whose policy lets CloudWatch decrypt and generate data keys.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const topics = args.resources.filter((r) => r.type === "aws:sns/topic:Topic");
    const keys = args.resources.filter((r) => r.type === "aws:kms/key:Key");
    const keyPolicies = args.resources.filter((r) => r.type === "aws:kms/keyPolicy:KeyPolicy");
    const notified = new Set(
      args.resources
        .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
        .flatMap((r) => [...(r.props.alarmActions ?? []), ...(r.props.okActions ?? [])]),
    );
    for (const topic of topics.filter((t) => notified.has(t.props.arn))) {
      const keyId = topic.props.kmsMasterKeyId;
      if (!keyId) continue;
      const key = keys.find((k) => k.props.arn === keyId || k.props.keyId === keyId || k.props.id === keyId);
      const policy = key && (key.props.policy ?? keyPolicies.find((p) => p.props.keyId === key.props.keyId || p.props.keyId === key.props.id)?.props.policy);
      const admitsCloudWatch = statementsOf(policy).some(
        (s) =>
          s.Effect === "Allow" &&
          list((s.Principal as { Service?: string | string[] } | undefined)?.Service).includes("cloudwatch.amazonaws.com") &&
          allows([s], "kms:Decrypt", "*") &&
          allows([s], "kms:GenerateDataKey", "*"),
      );
      if (!admitsCloudWatch)
        reportViolation(
          `alarms notify topic ${topic.name}, whose key ${keyId} does not let cloudwatch.amazonaws.com use it: every notification would fail.`,
          topic.urn,
        );
    }
  },
};

const DYNAMODB_WRITE = /^dynamodb:(PutItem|BatchWriteItem|UpdateItem|DeleteItem|TransactWriteItems)$/;

/**
 * A table encrypted with a customer-managed key can be used only by roles that may use the key:
 * reading the table or its stream takes kms:Decrypt, writing it kms:GenerateDataKey too.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
 */
export const tableKeysUsable: StackValidationPolicy = {
  name: "table-key-usable",
  description: "Every role that reads or writes a table encrypted with a customer-managed key (or reads its stream) may use that key.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const tables = args.resources.filter((r) => r.type === "aws:dynamodb/table:Table" && r.props.serverSideEncryption?.kmsKeyArn && r.props.arn);
    for (const rolePolicy of args.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
      const statements = statementsOf(rolePolicy.props.policy);
      for (const table of tables) {
        const keyArn = table.props.serverSideEncryption.kmsKeyArn as string;
        const onTable = statements.filter(
          (s) => s.Effect === "Allow" && list(s.Resource).some((r) => r === table.props.arn || r.startsWith(`${table.props.arn}/`)),
        );
        const actions = onTable.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("dynamodb:"));
        if (actions.length === 0) continue;
        const missing = ["kms:Decrypt", ...(actions.some((a) => DYNAMODB_WRITE.test(a)) ? ["kms:GenerateDataKey"] : [])].filter(
          (a) => !allows(statements, a, keyArn),
        );
        if (missing.length > 0)
          reportViolation(
            `${rolePolicy.name} lets its role use table ${table.name}, encrypted with ${keyArn}, but not ${missing.join(" and ")} on that key.`,
            rolePolicy.urn,
          );
      }
    }
  },
};

export const awsRulePolicies = [
  dataProtected,
  securityGroupRuleDescriptions,
  logRetentionAccepted,
  physicalNames,
  auroraNamesAccepted,
  dynamodbStreamReaders,
  alarmTopicKeys,
  tableKeysUsable,
];
