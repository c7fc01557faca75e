import { CONSUMER, SOURCE } from "../support/stacks";
import { type Context, type Statement } from "./documents";
import { CUSTOMER_KEYS, type Scenario, type StackRun } from "./scenarios";

/**
 * What each role and each resource policy of the stacks may do, written out by hand: every action
 * literally, never through the constants the components build their policies from, so widening a
 * constant is noticed. The access paths are generated from these (test/security/paths.ts), and the
 * documents below are what the stacks must emit, exactly.
 */

export const THIRD = "222222222222";
export const REGION = "eu-west-1";

/**
 * Actions of the services the stacks use that would matter in the wrong role: each role is also
 * tried with those of the services its grants do not name, on the stacks' resources, and denied.
 */
export const SENSITIVE_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:ListBucket",
  "s3:PutBucketPolicy",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:PutItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetRecords",
  "dynamodb:ListStreams",
  "dynamodb:DeleteTable",
  "kinesis:GetRecords",
  "kinesis:SubscribeToShard",
  "kinesis:PutRecords",
  "kinesis:DeleteStream",
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "lambda:InvokeFunction",
  "lambda:UpdateFunctionCode",
  "firehose:PutRecordBatch",
  "firehose:DeleteDeliveryStream",
  "sqs:SendMessage",
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "secretsmanager:GetSecretValue",
  "rds-db:connect",
  "sts:AssumeRole",
  "iam:PassRole",
  "iam:PutRolePolicy",
  "logs:PutLogEvents",
  "logs:DeleteLogGroup",
  "ec2:CreateNetworkInterface",
  "ec2:RunInstances",
];

/** Requests every principal may make: AWS requires no permission to ask who one is. https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html */
export const ALWAYS_ALLOWED = ["sts:GetCallerIdentity"];

/** Requests a principal may make: every action on every resource matching a pattern, with at least this context. */
export interface Grant {
  actions: string[];
  /** Resource patterns (IAM wildcards). */
  resources: string[];
  /** Request context the grant needs; values are IAM wildcard patterns. */
  context?: Context;
}

export interface RoleExpectation {
  name: string;
  principal: string;
  /** Its identity policies, by document id. */
  identity: string[];
  /** Its trust policy and the one principal that may assume the role, with the context that principal's requests carry. None for a role the stacks do not create. */
  trust?: { document: string; principal: string; context: Context };
  /** Everything the role may do; every other action of these services, on any resource, is denied. */
  grants: Grant[];
}

export interface ResourcePolicyExpectation {
  document: string;
  /** What the policy grants, and to whom (a role, an account's root for the whole account, or a service). */
  grants: (Grant & { principal: string })[];
  /** Requests refused to everyone, the resource's own account included. */
  refusals?: { actions: string[]; context: Context }[];
}

export interface Expectations {
  roles: RoleExpectation[];
  resourcePolicies: ResourcePolicyExpectation[];
  /** Every document the stacks emit, statement by statement, by document id. */
  documents: Record<string, Statement[]>;
}

const root = (account: string) => `arn:aws:iam::${account}:root`;

/** A stack run's resources by logical name. */
function named(run: StackRun) {
  const get = (name: string) => {
    const found = run.resources.find((r) => r.name === name);
    if (!found) throw new Error(`${run.stack} has no ${name}`);
    return found.state;
  };
  return { get, arn: (name: string): string => get(name).arn };
}

// ---- statements and grants that recur ------------------------------------------------------

const lambdaTrust = (account: string): Statement[] => [
  { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": account } } },
];
const writeOwnLogs = (logGroup: string): Statement => ({
  Sid: "WriteOwnLogs",
  Effect: "Allow",
  Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
  Resource: `${logGroup}:*`,
});
const ownLogsGrant = (logGroup: string): Grant => ({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup}:*`] });
const deadLetterStatements = (bucket: string): Statement[] => [
  { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/*` },
  { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
];
const deadLetterGrants = (bucket: string): Grant[] => [
  { actions: ["s3:PutObject"], resources: [`${bucket}/*`] },
  { actions: ["s3:ListBucket"], resources: [bucket] },
];
const tlsOnly = (bucket: string): Statement[] => [
  {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucket, `${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  },
];
const VPC_INTERFACE_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];
const vpcInterfaces: Statement = { Sid: "ManageVpcNetworkInterfaces", Effect: "Allow", Action: VPC_INTERFACE_ACTIONS, Resource: "*" };
const TABLE_STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"];
const STREAM_READ = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"];
const FAN_OUT_READ = ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"];
const through = (service: string): Context => ({ "kms:ViaService": `${service}.${REGION}.amazonaws.com` });
const viaService = (service: string) => ({ StringEquals: through(service) as Record<string, string> });

/** The request context of this account's CloudWatch alarms acting through a service principal. */
const alarmsOf = (account: string): Context => ({ "aws:SourceAccount": account, "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${account}:alarm:*` });
const alertsKeyDocument = (account: string): Statement[] => [
  { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: root(account) }, Action: "kms:*", Resource: "*" },
  {
    Sid: "CloudWatchAlarmsPublish",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${account}:alarm:*` } },
  },
];
const alertsKeyPolicy = (stack: string, account: string, key: string): ResourcePolicyExpectation => ({
  document: `${stack}:alerts-key`,
  grants: [
    { principal: root(account), actions: ["kms:*"], resources: [key] },
    {
      principal: "cloudwatch.amazonaws.com",
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: [key],
      context: alarmsOf(account),
    },
  ],
});

const TOPIC_MANAGEMENT = [
  "sns:GetTopicAttributes",
  "sns:SetTopicAttributes",
  "sns:AddPermission",
  "sns:RemovePermission",
  "sns:DeleteTopic",
  "sns:Subscribe",
  "sns:ListSubscriptionsByTopic",
  "sns:Publish",
];
const alertsTopicDocument = (account: string, topic: string): Statement[] => [
  { Sid: "AccountManagesTopic", Effect: "Allow", Principal: { AWS: root(account) }, Action: TOPIC_MANAGEMENT, Resource: topic },
  {
    Sid: "CloudWatchAlarmsPublish",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topic,
    Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${account}:alarm:*` } },
  },
  { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:*", Resource: topic, Condition: { Bool: { "aws:SecureTransport": "false" } } },
];
/** The alarm topic's policy: the account manages it, its alarms publish to it, nobody reaches it without TLS. */
const alertsTopicPolicy = (stack: string, account: string, topic: string): ResourcePolicyExpectation => ({
  document: `${stack}:alerts-policy`,
  grants: [
    // The account's own roles act on its topic through their identity policies whatever this one lists.
    { principal: root(account), actions: ["sns:*"], resources: [topic] },
    { principal: "cloudwatch.amazonaws.com", actions: ["sns:Publish"], resources: [topic], context: alarmsOf(account) },
  ],
  refusals: [{ actions: ["sns:*"], context: { "aws:SecureTransport": "false" } }],
});
/** The failed-events queue's policy: nothing granted (the loader's role sends through its own policy), everything refused without TLS. */
const tlsOnlyQueue = (queue: string): Statement[] => [
  { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: [queue], Condition: { Bool: { "aws:SecureTransport": "false" } } },
];
const tlsOnlyQueuePolicy = (document: string): ResourcePolicyExpectation => ({
  document,
  grants: [],
  refusals: [{ actions: ["sqs:*"], context: { "aws:SecureTransport": "false" } }],
});

/** A bucket's policy: nothing granted, everything refused without TLS. */
const tlsOnlyPolicy = (document: string): ResourcePolicyExpectation => ({
  document,
  grants: [],
  refusals: [{ actions: ["s3:*"], context: { "aws:SecureTransport": "false" } }],
});

// ---- the source account --------------------------------------------------------------------

function source(s: Scenario, ingestRole: string, scoresRole: string | undefined): Expectations {
  const prod = named(s.prod);
  const push = s.prod.outputs.accessMode === "push";
  const stream = prod.arn("clicks-stream");
  const consumer = prod.arn("clicks-fan-out");
  const key = prod.arn("clicks-key");
  const sharedStream = scoresRole ? prod.get("clicks-shared-table").streamArn : undefined;
  // The shared table's readers decrypt that table's data only.
  const sharedTableData = scoresRole
    ? { ...through("dynamodb"), "kms:EncryptionContext:aws:dynamodb:tableName": prod.get("clicks-shared-table").name as string }
    : {};
  const producer = `arn:aws:iam::${SOURCE}:role/web-producer`;

  const documents: Record<string, Statement[]> = {
    "prod:alerts-key": alertsKeyDocument(SOURCE),
    "prod:alerts-policy": alertsTopicDocument(SOURCE, prod.arn("alerts")),
    "prod:clicks-key-policy": [
      { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: root(SOURCE) }, Action: "kms:*", Resource: "*" },
      ...(push
        ? []
        : [
            {
              Sid: "ConsumerRoleDecryptsThisStream",
              Effect: "Allow" as const,
              Principal: { AWS: ingestRole },
              Action: "kms:Decrypt",
              Resource: "*",
              Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": stream } },
            },
          ]),
      ...(scoresRole
        ? [
            {
              Sid: "ReadersDecryptSharedTableStream",
              Effect: "Allow" as const,
              Principal: { AWS: scoresRole },
              Action: "kms:Decrypt",
              Resource: "*",
              Condition: { StringEquals: sharedTableData },
            },
          ]
        : []),
    ],
    "prod:clicks-producer": [
      {
        Sid: "WriteStream",
        Effect: "Allow",
        Action: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"],
        Resource: stream,
      },
      {
        Sid: "EncryptRecords",
        Effect: "Allow",
        Action: "kms:GenerateDataKey",
        Resource: key,
        Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": stream } },
      },
    ],
  };
  const roles: RoleExpectation[] = [
    {
      name: "producer (a role of the source account with producerPolicyArn)",
      principal: producer,
      identity: ["prod:clicks-producer"],
      grants: [
        { actions: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"], resources: [stream] },
        { actions: ["kms:GenerateDataKey"], resources: [key], context: through("kinesis") },
      ],
    },
  ];
  const resourcePolicies: ResourcePolicyExpectation[] = [
    alertsKeyPolicy("prod", SOURCE, prod.arn("alerts-key")),
    alertsTopicPolicy("prod", SOURCE, prod.arn("alerts")),
    {
      document: "prod:clicks-key-policy",
      grants: [
        { principal: root(SOURCE), actions: ["kms:*"], resources: [key] },
        ...(push ? [] : [{ principal: ingestRole, actions: ["kms:Decrypt"], resources: [key], context: through("kinesis") }]),
        // The evaluator cannot read encryption-context conditions (test/security/simulator.ts): the documents above hold them.
        ...(scoresRole ? [{ principal: scoresRole, actions: ["kms:Decrypt"], resources: [key], context: through("dynamodb") }] : []),
      ],
    },
  ];

  if (!push) {
    documents["prod:clicks-stream-policy"] = [
      { Sid: "ConsumerRoleReadsStream", Effect: "Allow", Principal: { AWS: ingestRole }, Action: STREAM_READ, Resource: stream },
    ];
    documents["prod:clicks-fan-out-policy"] = [
      { Sid: "ConsumerRoleReadsFanOut", Effect: "Allow", Principal: { AWS: ingestRole }, Action: FAN_OUT_READ, Resource: consumer },
    ];
    resourcePolicies.push(
      { document: "prod:clicks-stream-policy", grants: [{ principal: ingestRole, actions: STREAM_READ, resources: [stream] }] },
      { document: "prod:clicks-fan-out-policy", grants: [{ principal: ingestRole, actions: FAN_OUT_READ, resources: [consumer] }] },
    );
  }
  if (scoresRole && sharedStream) {
    documents["prod:clicks-shared-table-stream-policy"] = [
      { Sid: "ReadersReadTableStream", Effect: "Allow", Principal: { AWS: scoresRole }, Action: TABLE_STREAM_READ, Resource: sharedStream },
    ];
    resourcePolicies.push({
      document: "prod:clicks-shared-table-stream-policy",
      grants: [{ principal: scoresRole, actions: TABLE_STREAM_READ, resources: [sharedStream] }],
    });
  }
  if (push) {
    const logs = prod.arn("clicks-ingest-logs");
    const deadLetter = prod.arn("clicks-dead-letter");
    const writer = s.poc.outputs.writerRoleArn as string;
    const decrypt = { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": stream } };
    documents["prod:clicks-ingest-role:trust"] = lambdaTrust(SOURCE);
    documents["prod:clicks-ingest-policy"] = [
      writeOwnLogs(logs),
      { Sid: "AssumeWriterRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: writer },
      { Sid: "ReadSourceStream", Effect: "Allow", Action: STREAM_READ, Resource: stream },
      { Sid: "ReadFanOutConsumer", Effect: "Allow", Action: FAN_OUT_READ, Resource: consumer },
      { Sid: "DecryptSourceStream", Effect: "Allow", Action: "kms:Decrypt", Resource: key, Condition: decrypt },
      ...deadLetterStatements(deadLetter),
    ];
    documents["prod:clicks-dead-letter-policy"] = tlsOnly(deadLetter);
    roles.push({
      name: "push ingest",
      principal: ingestRole,
      identity: ["prod:clicks-ingest-policy"],
      trust: { document: "prod:clicks-ingest-role:trust", principal: "lambda.amazonaws.com", context: { "aws:SourceAccount": SOURCE } },
      grants: [
        ownLogsGrant(logs),
        { actions: ["sts:AssumeRole"], resources: [writer] },
        { actions: STREAM_READ, resources: [stream] },
        { actions: FAN_OUT_READ, resources: [consumer] },
        { actions: ["kms:Decrypt"], resources: [key], context: through("kinesis") },
        ...deadLetterGrants(deadLetter),
      ],
    });
    resourcePolicies.push(tlsOnlyPolicy("prod:clicks-dead-letter-policy"));
  }
  return { roles, resourcePolicies, documents };
}

// ---- the consumer account ------------------------------------------------------------------

function consumer(s: Scenario): Expectations {
  const poc = named(s.poc);
  const prod = named(s.prod);
  const push = s.poc.outputs.accessMode === "push";
  const localLoads = s.poc.resources.find((r) => r.name === "clicks-load-function")!.inputs.environment.variables.LOAD_MODE === "streamed";
  const table = poc.arn("clicks-table");
  const tableStream = poc.get("clicks-table").streamArn as string;
  const bucket = poc.arn("clicks-bucket");
  const transform = poc.arn("clicks-transform-function");
  const sharedStream = push ? undefined : (prod.get("clicks-shared-table").streamArn as string);
  const streamKey = prod.arn("clicks-key");
  const cluster = poc.get("clicks-cluster");
  const secret = cluster.masterUserSecrets[0].secretArn as string;
  const dbUser = `arn:aws:rds-db:${REGION}:${CONSUMER}:dbuser:${cluster.clusterResourceId}/clickstream_loader`;
  const queue = poc.arn("clicks-failed-events");
  const clusterLogs = `arn:aws:logs:${REGION}:${CONSUMER}:log-group:/aws/rds/cluster/${cluster.clusterIdentifier}/*`;
  const LOG_KEY_USE = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"];
  const lambda = (name: string): RoleExpectation["trust"] => ({
    document: `poc:${name}-role:trust`,
    principal: "lambda.amazonaws.com",
    context: { "aws:SourceAccount": CONSUMER },
  });
  const useTableKey = (sid: string, key: string): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: key,
    Condition: viaService("dynamodb"),
  });
  const processedRows = `${bucket}/processed/*`;
  const readRowsStatements: Statement[] = [
    { Sid: "ReadProcessedRows", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: processedRows },
    { Sid: "ListProcessedRows", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": "processed/*" } } },
    {
      Sid: "DecryptProcessedRows",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: CUSTOMER_KEYS.archive,
      Condition: {
        StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket, processedRows] },
      },
    },
  ];
  const readRowsGrants: Grant[] = [
    { actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [processedRows] },
    { actions: ["s3:ListBucket"], resources: [bucket], context: { "s3:prefix": "processed/*" } },
    { actions: ["kms:Decrypt"], resources: [CUSTOMER_KEYS.archive], context: through("s3") },
  ];
  const logs = (name: string) => poc.arn(`${name}-logs`);
  const deadLetter = (name: string) => poc.arn(name);

  const documents: Record<string, Statement[]> = {
    "poc:alerts-key": alertsKeyDocument(CONSUMER),
    "poc:alerts-policy": alertsTopicDocument(CONSUMER, poc.arn("alerts")),
    "poc:clicks-failed-events-policy": tlsOnlyQueue(queue),
    "poc:clicks-logs-key": [
      { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: root(CONSUMER) }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchLogsEncryptsClusterLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${REGION}.amazonaws.com` },
        Action: LOG_KEY_USE,
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": clusterLogs } },
      },
    ],
    "poc:clicks-transform-role:trust": lambdaTrust(CONSUMER),
    "poc:clicks-transform-policy": [writeOwnLogs(logs("clicks-transform"))],
    "poc:clicks-forward-role:trust": lambdaTrust(CONSUMER),
    "poc:clicks-forward-policy": [
      writeOwnLogs(logs("clicks-forward")),
      { Sid: "ReadTableStream", Effect: "Allow", Action: TABLE_STREAM_READ, Resource: tableStream },
      { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
      { Sid: "DecryptTableStream", Effect: "Allow", Action: "kms:Decrypt", Resource: CUSTOMER_KEYS.table, Condition: viaService("dynamodb") },
      { Sid: "PutToDeliveryStream", Effect: "Allow", Action: "firehose:PutRecordBatch", Resource: poc.arn("clicks-delivery") },
      ...deadLetterStatements(deadLetter("clicks-forward-dead-letter")),
    ],
    "poc:clicks-firehose-role:trust": [
      {
        Effect: "Allow",
        Principal: { Service: "firehose.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": CONSUMER } },
      },
    ],
    "poc:clicks-firehose-policy": [
      { Sid: "FindArchiveBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucket },
      {
        Sid: "WriteArchivePrefixes",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
        Resource: [`${bucket}/processed/*`, `${bucket}/failed/*`],
      },
      {
        Sid: "InvokeTransform",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
        Resource: [transform, `${transform}:*`],
      },
      { Sid: "WriteDeliveryLogs", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${poc.arn("clicks-delivery-logs")}:*` },
      {
        Sid: "EncryptArchiveObjects",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: CUSTOMER_KEYS.archive,
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket, `${bucket}/processed/*`, `${bucket}/failed/*`] },
        },
      },
    ],
    "poc:clicks-bucket-policy": tlsOnly(bucket),
    "poc:clicks-forward-dead-letter-policy": tlsOnly(deadLetter("clicks-forward-dead-letter")),
    "poc:clicks-s3-role:trust": [
      {
        Effect: "Allow",
        Principal: { Service: "rds.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": CONSUMER } },
      },
    ],
    "poc:clicks-s3-policy": readRowsStatements,
    "poc:clicks-db-setup-role:trust": lambdaTrust(CONSUMER),
    "poc:clicks-db-setup-policy": [
      writeOwnLogs(logs("clicks-db-setup")),
      { Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret },
      vpcInterfaces,
    ],
    "poc:clicks-load-role:trust": lambdaTrust(CONSUMER),
    "poc:clicks-load-policy": [
      writeOwnLogs(logs("clicks-load")),
      { Sid: "ConnectAsLoaderUser", Effect: "Allow", Action: "rds-db:connect", Resource: dbUser },
      { Sid: "ParkFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
      ...(localLoads ? readRowsStatements : []),
      vpcInterfaces,
    ],
    "poc:clicks-load-from-s3": [
      {
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "lambda:InvokeFunction",
        Resource: poc.arn("clicks-load-function"),
        Condition: { StringEquals: { "aws:SourceAccount": CONSUMER }, ArnLike: { "aws:SourceArn": bucket } },
      },
    ],
    "poc:by-user-project-role:trust": lambdaTrust(CONSUMER),
    "poc:by-user-project-policy": [
      writeOwnLogs(logs("by-user-project")),
      { Sid: "ReadTableStream", Effect: "Allow", Action: TABLE_STREAM_READ, Resource: tableStream },
      { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
      { Sid: "DecryptTableStream", Effect: "Allow", Action: "kms:Decrypt", Resource: CUSTOMER_KEYS.table, Condition: viaService("dynamodb") },
      useTableKey("UseProjectionTableKey", CUSTOMER_KEYS.projectionTable),
      { Sid: "WriteIndex", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: poc.arn("by-user-table") },
      ...deadLetterStatements(deadLetter("by-user-dead-letter")),
    ],
    "poc:by-user-dead-letter-policy": tlsOnly(deadLetter("by-user-dead-letter")),
    "poc:scores-by-user-project-role:trust": lambdaTrust(CONSUMER),
    "poc:scores-by-user-project-policy": [
      writeOwnLogs(logs("scores-by-user-project")),
      ...(sharedStream
        ? [
            { Sid: "ReadTableStream", Effect: "Allow" as const, Action: TABLE_STREAM_READ, Resource: sharedStream },
            { Sid: "ListTableStreams", Effect: "Allow" as const, Action: "dynamodb:ListStreams", Resource: "*" },
            { Sid: "DecryptTableStream", Effect: "Allow" as const, Action: "kms:Decrypt", Resource: streamKey, Condition: viaService("dynamodb") },
          ]
        : []),
      { Sid: "UpdateAggregates", Effect: "Allow", Action: "dynamodb:UpdateItem", Resource: poc.arn("scores-by-user-table") },
      { Sid: "RecordAppliedRecords", Effect: "Allow", Action: "dynamodb:PutItem", Resource: poc.arn("scores-by-user-ledger") },
      ...deadLetterStatements(deadLetter("scores-by-user-dead-letter")),
    ],
    "poc:scores-by-user-dead-letter-policy": tlsOnly(deadLetter("scores-by-user-dead-letter")),
  };

  const roles: RoleExpectation[] = [
    {
      name: "transform",
      principal: poc.arn("clicks-transform-role"),
      identity: ["poc:clicks-transform-policy"],
      trust: lambda("clicks-transform"),
      grants: [ownLogsGrant(logs("clicks-transform"))],
    },
    {
      name: "forward",
      principal: poc.arn("clicks-forward-role"),
      identity: ["poc:clicks-forward-policy"],
      trust: lambda("clicks-forward"),
      grants: [
        ownLogsGrant(logs("clicks-forward")),
        { actions: TABLE_STREAM_READ, resources: [tableStream] },
        { actions: ["dynamodb:ListStreams"], resources: ["*"] },
        { actions: ["kms:Decrypt"], resources: [CUSTOMER_KEYS.table], context: through("dynamodb") },
        { actions: ["firehose:PutRecordBatch"], resources: [poc.arn("clicks-delivery")] },
        ...deadLetterGrants(deadLetter("clicks-forward-dead-letter")),
      ],
    },
    {
      name: "Firehose delivery",
      principal: poc.arn("clicks-firehose-role"),
      identity: ["poc:clicks-firehose-policy"],
      trust: { document: "poc:clicks-firehose-role:trust", principal: "firehose.amazonaws.com", context: { "sts:ExternalId": CONSUMER } },
      grants: [
        { actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], resources: [bucket] },
        { actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"], resources: [`${bucket}/processed/*`, `${bucket}/failed/*`] },
        { actions: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"], resources: [transform, `${transform}:*`] },
        { actions: ["logs:PutLogEvents"], resources: [`${poc.arn("clicks-delivery-logs")}:*`] },
        { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [CUSTOMER_KEYS.archive], context: through("s3") },
      ],
    },
    {
      name: "Aurora's S3 import",
      principal: poc.arn("clicks-s3-role"),
      identity: ["poc:clicks-s3-policy"],
      trust: { document: "poc:clicks-s3-role:trust", principal: "rds.amazonaws.com", context: { "aws:SourceAccount": CONSUMER } },
      grants: readRowsGrants,
    },
    {
      name: "database setup",
      principal: poc.arn("clicks-db-setup-role"),
      identity: ["poc:clicks-db-setup-policy"],
      trust: lambda("clicks-db-setup"),
      grants: [
        ownLogsGrant(logs("clicks-db-setup")),
        { actions: ["secretsmanager:GetSecretValue"], resources: [secret] },
        { actions: VPC_INTERFACE_ACTIONS, resources: ["*"] },
      ],
    },
    {
      name: localLoads ? "loader (streaming from S3)" : "loader",
      principal: poc.arn("clicks-load-role"),
      identity: ["poc:clicks-load-policy"],
      trust: lambda("clicks-load"),
      grants: [
        ownLogsGrant(logs("clicks-load")),
        { actions: ["rds-db:connect"], resources: [dbUser] },
        { actions: ["sqs:SendMessage"], resources: [queue] },
        ...(localLoads ? readRowsGrants : []),
        { actions: VPC_INTERFACE_ACTIONS, resources: ["*"] },
      ],
    },
    {
      name: "projection (by-user index)",
      principal: poc.arn("by-user-project-role"),
      identity: ["poc:by-user-project-policy"],
      trust: lambda("by-user-project"),
      grants: [
        ownLogsGrant(logs("by-user-project")),
        { actions: TABLE_STREAM_READ, resources: [tableStream] },
        { actions: ["dynamodb:ListStreams"], resources: ["*"] },
        { actions: ["kms:Decrypt"], resources: [CUSTOMER_KEYS.table], context: through("dynamodb") },
        { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [CUSTOMER_KEYS.projectionTable], context: through("dynamodb") },
        { actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [poc.arn("by-user-table")] },
        ...deadLetterGrants(deadLetter("by-user-dead-letter")),
      ],
    },
    {
      name: "shared-table projection (scores-by-user)",
      principal: poc.arn("scores-by-user-project-role"),
      identity: ["poc:scores-by-user-project-policy"],
      trust: lambda("scores-by-user-project"),
      grants: [
        ownLogsGrant(logs("scores-by-user-project")),
        ...(sharedStream
          ? [
              { actions: TABLE_STREAM_READ, resources: [sharedStream] },
              { actions: ["dynamodb:ListStreams"], resources: ["*"] },
              { actions: ["kms:Decrypt"], resources: [streamKey], context: through("dynamodb") },
            ]
          : []),
        { actions: ["dynamodb:UpdateItem"], resources: [poc.arn("scores-by-user-table")] },
        { actions: ["dynamodb:PutItem"], resources: [poc.arn("scores-by-user-ledger")] },
        ...deadLetterGrants(deadLetter("scores-by-user-dead-letter")),
      ],
    },
  ];
  const resourcePolicies: ResourcePolicyExpectation[] = [
    alertsKeyPolicy("poc", CONSUMER, poc.arn("alerts-key")),
    alertsTopicPolicy("poc", CONSUMER, poc.arn("alerts")),
    tlsOnlyQueuePolicy("poc:clicks-failed-events-policy"),
    {
      document: "poc:clicks-logs-key",
      grants: [
        { principal: root(CONSUMER), actions: ["kms:*"], resources: [poc.arn("clicks-logs-key")] },
        // Held to the cluster's log groups by an encryption-context condition, which the evaluator cannot read: the document above holds it.
        { principal: `logs.${REGION}.amazonaws.com`, actions: LOG_KEY_USE, resources: [poc.arn("clicks-logs-key")] },
      ],
    },
    tlsOnlyPolicy("poc:clicks-bucket-policy"),
    tlsOnlyPolicy("poc:clicks-forward-dead-letter-policy"),
    tlsOnlyPolicy("poc:by-user-dead-letter-policy"),
    tlsOnlyPolicy("poc:scores-by-user-dead-letter-policy"),
    {
      document: "poc:clicks-load-from-s3",
      grants: [
        {
          principal: "s3.amazonaws.com",
          actions: ["lambda:InvokeFunction"],
          resources: [poc.arn("clicks-load-function")],
          context: { "aws:SourceAccount": CONSUMER, "aws:SourceArn": bucket },
        },
      ],
    },
  ];

  const tableWrite: Grant[] = [
    { actions: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"], resources: [table] },
    { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [CUSTOMER_KEYS.table], context: through("dynamodb") },
  ];
  const tableWriteStatements: Statement[] = [
    { Sid: "WriteDedupTable", Effect: "Allow", Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: table },
    useTableKey("UseDedupTableKey", CUSTOMER_KEYS.table),
  ];
  if (push) {
    const pushRole = s.prod.outputs.pushIngestRoleArn as string;
    documents["poc:clicks-writer-role:trust"] = [
      {
        Sid: "SourceIngestFunctionOnly",
        Effect: "Allow",
        Principal: { AWS: pushRole },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "poc-writer-7f3a" } },
      },
    ];
    documents["poc:clicks-writer-policy"] = tableWriteStatements;
    roles.push({
      name: "writer (push)",
      principal: poc.arn("clicks-writer-role"),
      identity: ["poc:clicks-writer-policy"],
      trust: { document: "poc:clicks-writer-role:trust", principal: pushRole, context: { "sts:ExternalId": "poc-writer-7f3a" } },
      grants: tableWrite,
    });
  } else {
    const stream = prod.arn("clicks-stream");
    const deadLetterArn = deadLetter("clicks-dead-letter");
    documents["poc:clicks-ingest-role:trust"] = lambdaTrust(CONSUMER);
    documents["poc:clicks-ingest-policy"] = [
      writeOwnLogs(logs("clicks-ingest")),
      ...tableWriteStatements,
      { Sid: "ReadSourceStream", Effect: "Allow", Action: STREAM_READ, Resource: stream },
      { Sid: "ReadFanOutConsumer", Effect: "Allow", Action: FAN_OUT_READ, Resource: prod.arn("clicks-fan-out") },
      {
        Sid: "DecryptSourceStream",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: streamKey,
        Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": stream } },
      },
      ...deadLetterStatements(deadLetterArn),
    ];
    documents["poc:clicks-dead-letter-policy"] = tlsOnly(deadLetterArn);
    roles.push({
      name: "ingest (pull)",
      principal: poc.arn("clicks-ingest-role"),
      identity: ["poc:clicks-ingest-policy"],
      trust: lambda("clicks-ingest"),
      grants: [
        ownLogsGrant(logs("clicks-ingest")),
        ...tableWrite,
        { actions: STREAM_READ, resources: [stream] },
        { actions: FAN_OUT_READ, resources: [prod.arn("clicks-fan-out")] },
        { actions: ["kms:Decrypt"], resources: [streamKey], context: through("kinesis") },
        ...deadLetterGrants(deadLetterArn),
      ],
    });
    resourcePolicies.push(tlsOnlyPolicy("poc:clicks-dead-letter-policy"));
  }
  return { roles, resourcePolicies, documents };
}

/** The expectations of both stacks of a scenario. */
export function expectations(s: Scenario): Expectations {
  const push = s.poc.outputs.accessMode === "push";
  const ingestRole = push ? (s.prod.outputs.pushIngestRoleArn as string) : (s.poc.outputs.ingestRoleArn as string);
  const scoresRole = push ? undefined : (s.poc.outputs.sharedTableReaderRoleArns["scores-by-user"] as string);
  const prod = source(s, ingestRole, scoresRole);
  const poc = consumer(s);
  return {
    roles: [...prod.roles, ...poc.roles],
    resourcePolicies: [...prod.resourcePolicies, ...poc.resourcePolicies],
    documents: { ...prod.documents, ...poc.documents },
  };
}
