import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HASH_KEY, RANGE_KEY } from "../functions/shared/dedup-key";
import { DEFAULT_LOG_RETENTION_DAYS, ingestDefaults } from "./internal/shared-defaults";
import { alarmNamesOf, type MonitoringArgs } from "./internal/alarms";
import { checkedExternalId, EXTERNAL_ID_RULE, isValidExternalId } from "./internal/external-id";
import { policyDocument, type PolicyStatement } from "./internal/iam";
import { createIngestFunction, validateIngestSettings, type IngestSettings } from "./internal/ingest-function";
import { checkDerivedNames, checkPhysicalName } from "./internal/names";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions, type DataProtectionArgs } from "./internal/protection";
import { streamFunctionNames, type StreamFunction } from "./internal/stream-function";
import { DEDUP_TABLE_WRITE_ACTIONS, tableKeyStatements } from "./internal/stream-access";
import { checkOverrides } from "./internal/overrides";
import { validate, type Check } from "./internal/validation";

/** A key attribute's DynamoDB type: string, number or binary. */
export const KeyAttributeType = { S: "S", N: "N", B: "B" } as const;
export type KeyAttributeType = (typeof KeyAttributeType)[keyof typeof KeyAttributeType];

/** Which attributes a global secondary index copies. */
export const IndexProjectionType = { All: "ALL", KeysOnly: "KEYS_ONLY", Include: "INCLUDE" } as const;
export type IndexProjectionType = (typeof IndexProjectionType)[keyof typeof IndexProjectionType];

/** On-demand or provisioned capacity. */
export const BillingMode = { PayPerRequest: "PAY_PER_REQUEST", Provisioned: "PROVISIONED" } as const;
export type BillingMode = (typeof BillingMode)[keyof typeof BillingMode];

/** What the dedup table's stream carries: the new image, or both images (projections that aggregate need both). */
export const DedupStreamViewType = { NewImage: "NEW_IMAGE", NewAndOldImages: "NEW_AND_OLD_IMAGES" } as const;
export type DedupStreamViewType = (typeof DedupStreamViewType)[keyof typeof DedupStreamViewType];

export interface GlobalSecondaryIndexArgs {
  name: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the index's key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "ALL". */
  projectionType?: IndexProjectionType;
  /** Attributes copied into the index; only with projectionType "INCLUDE". */
  nonKeyAttributes?: string[];
}

export interface ProvisionedCapacityArgs {
  /** Read capacity units to start with, and the autoscaling minimum. */
  read: number;
  /** Write capacity units to start with, and the autoscaling minimum. */
  write: number;
  /** Autoscaling maximum for reads. Default: 10 × `read`. */
  maxRead?: number;
  /** Autoscaling maximum for writes. Default: 10 × `write`. */
  maxWrite?: number;
  /** Utilization percentage target tracking aims for, 20–90. Default: 70. */
  targetUtilization?: number;
}

export interface DedupTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  /** Default: "PAY_PER_REQUEST" (on-demand). */
  billingMode?: BillingMode;
  /** Required with billingMode "PROVISIONED", rejected otherwise. */
  capacity?: ProvisionedCapacityArgs;
  /** What the table's stream carries. Default: "NEW_IMAGE". */
  streamViewType?: DedupStreamViewType;
  /**
   * Customer-managed KMS key for encryption at rest; every role that writes the table or reads its
   * stream here gets `kms:Decrypt` (and to write, `kms:GenerateDataKey`) on it through DynamoDB.
   * Pass the same key to FirehoseArchive's and StreamProjection's `tableKmsKeyArn`. Default: the
   * AWS-managed key `alias/aws/dynamodb`.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Refuse DeleteTable. Default: false. */
  deletionProtection?: boolean;
  /** Default: none. */
  globalSecondaryIndexes?: GlobalSecondaryIndexArgs[];
  /** Attribute holding an epoch-seconds expiry time. Default: no TTL. */
  ttlAttribute?: string;
}

/** How records cross from the source account: the consumer reads the stream (pull), or the source writes the table (push). */
export const AccessMode = { Pull: "pull", Push: "push" } as const;
export type AccessMode = (typeof AccessMode)[keyof typeof AccessMode];

/** Pull mode: an ingest function here reads the source stream through its resource policy. */
export interface PullAccessArgs {
  /**
   * ARN of the Kinesis stream the ingest function reads. Until it is given (the source account has
   * not granted this function's role access yet), the function is deployed without its event
   * source mapping. Default: none.
   */
  streamArn?: pulumi.Input<string>;
  /** ARN of an enhanced fan-out consumer of that stream; when set, the mapping reads through it. Default: none. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** KMS key the stream is encrypted with; the ingest role may decrypt with it. Default: none. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
}

/** Push mode: a function in the source account (PushIngest) writes here by assuming this table's writer role. */
export interface PushAccessArgs {
  /** The role, in the source account, that may assume the writer role. Until it is given, no writer role is deployed. Default: none. */
  principalArn?: pulumi.Input<string>;
  /** The external ID the writer role demands of whoever assumes it. */
  externalId: pulumi.Input<string>;
}

export interface DedupTableArgs extends DataProtectionArgs {
  /** How records cross from the source account: give `pull` or `push`, not both. Default: `pull: {}` (no stream yet). */
  pull?: PullAccessArgs;
  /** How records cross from the source account: give `pull` or `push`, not both. */
  push?: PushAccessArgs;
  /** The table. Defaults: see each field. */
  table?: DedupTableSettings;
  /** Pull: the ingest function and its event source mapping. Defaults: see each field. */
  ingest?: IngestSettings;
  /** Pull: days the ingest function's logs are kept, unless `ingest.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Pull: alarms on the ingest function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: DedupTableOverrides;
  /** @deprecated Give `pull` or `push` instead. */
  accessMode?: AccessMode;
  /** @deprecated Use `pull.streamArn`. */
  streamArn?: pulumi.Input<string>;
  /** @deprecated Use `pull.consumerArn`. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** @deprecated Use `pull.streamKmsKeyArn`. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** @deprecated Use `push.principalArn`. */
  writerPrincipalArn?: pulumi.Input<string>;
  /** @deprecated Use `push.externalId`. */
  writerExternalId?: pulumi.Input<string>;
  /** @deprecated Use `ingest.deadLetterExpireAfterDays`. */
  deadLetterExpireAfterDays?: number;
}

/** Provider arguments for DedupTable's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface DedupTableOverrides {
  /** The table (aws.dynamodb.Table), except its name, keys, attributes and stream, which the pipeline depends on. */
  table?: aws.dynamodb.TableArgs;
}

/** What DedupTable's table overrides may not change. */
const OWNED_TABLE_ARGS = ["name", "hashKey", "rangeKey", "attributes", "streamEnabled", "streamViewType", "serverSideEncryption"] as const;

/** The deprecated flat fields that `pull` and `push` replace. */
const FLAT_ACCESS_FIELDS = ["accessMode", "streamArn", "consumerArn", "streamKmsKeyArn", "writerPrincipalArn", "writerExternalId"] as const;

/** The access mode and its settings: `pull` or `push`, or the deprecated flat fields mapped onto them. */
function accessOf(args: DedupTableArgs): { pull?: PullAccessArgs; push?: PushAccessArgs } {
  if (args.pull || args.push) return { pull: args.pull, push: args.push };
  if ((args.accessMode ?? dedupTableDefaults.accessMode) === "push") return { push: { principalArn: args.writerPrincipalArn, externalId: args.writerExternalId! } };
  return { pull: { streamArn: args.streamArn, consumerArn: args.consumerArn, streamKmsKeyArn: args.streamKmsKeyArn } };
}

export const dedupTableDefaults = {
  accessMode: "pull",
  billingMode: "PAY_PER_REQUEST",
  streamViewType: "NEW_IMAGE",
  deletionProtection: false,
  targetUtilization: 70,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  /** Pull mode's ingest function (`ingest`). */
  ingest: ingestDefaults,
} as const;

function validateAccess(check: Check, args: DedupTableArgs, component: pulumi.Resource): void {
  const flat = FLAT_ACCESS_FIELDS.filter((field) => args[field] !== undefined);
  if (args.pull || args.push) {
    if (args.pull && args.push) check.fail("give either pull or push, not both: a table is fed one way");
    for (const field of flat) check.fail(`${field} is the deprecated flat form of pull and push: move it into ${args.push ? "push" : "pull"}`);
    if (args.push) {
      for (const arg of ["ingest", "deadLetterExpireAfterDays", "logRetentionDays"] as const) {
        if (args[arg] !== undefined) check.fail(`${arg} is for pull; with push the ingest function runs in the source account (PushIngest)`);
      }
      if (args.push.externalId === undefined) check.fail("push.externalId is required");
      if (typeof args.push.externalId === "string" && !isValidExternalId(args.push.externalId)) check.fail(`push.externalId must be ${EXTERNAL_ID_RULE}`);
      check.roleArn("push.principalArn", args.push.principalArn);
    }
    return;
  }
  if (flat.length > 0) pulumi.log.warn(`${flat.join(", ")} ${flat.length === 1 ? "is" : "are"} deprecated: give pull: {streamArn, consumerArn, streamKmsKeyArn} or push: {principalArn, externalId} instead`, component);
  const mode = args.accessMode ?? dedupTableDefaults.accessMode;
  check.oneOf("accessMode", args.accessMode, Object.values(AccessMode));
  if (mode === "pull") {
    for (const arg of ["writerPrincipalArn", "writerExternalId"] as const) {
      if (args[arg] !== undefined) check.fail(`${arg} is for accessMode "push"; this table is in "pull" mode`);
    }
  } else if (mode === "push") {
    for (const arg of ["streamArn", "consumerArn", "streamKmsKeyArn", "ingest", "deadLetterExpireAfterDays", "logRetentionDays"] as const) {
      if (args[arg] !== undefined) check.fail(`${arg} is for accessMode "pull"; in "push" mode the ingest function runs in the source account`);
    }
    if (args.writerExternalId === undefined) check.fail('writerExternalId is required with accessMode "push"');
    if (typeof args.writerExternalId === "string" && !isValidExternalId(args.writerExternalId)) {
      check.fail(`writerExternalId must be ${EXTERNAL_ID_RULE}`);
    }
    check.roleArn("writerPrincipalArn", args.writerPrincipalArn);
  }
}

function validateArgs(component: pulumi.Resource, name: string, args: DedupTableArgs): void {
  const check = validate(`DedupTable "${name}"`, "arguments", component);
  const table = args.table ?? {};
  checkPhysicalName(check, "table.name", "aws:dynamodb/table:Table", table.name);
  checkDerivedNames(check, "name", name, [
    ...(table.name === undefined ? [["aws:dynamodb/table:Table", `${name}-table`] as const] : []),
    ...(accessOf(args).pull ? streamFunctionNames(`${name}-ingest`, `${name}-dead-letter`) : [["aws:iam/role:Role", `${name}-writer-role`] as const]),
  ]);
  check.oneOf("table.billingMode", table.billingMode, Object.values(BillingMode));
  check.oneOf("table.streamViewType", table.streamViewType, Object.values(DedupStreamViewType));
  if (table.billingMode === "PROVISIONED") {
    if (!table.capacity) check.fail('table.capacity is required when table.billingMode is "PROVISIONED"');
    else {
      check.integer("table.capacity.read", table.capacity.read, 1, 40_000);
      check.integer("table.capacity.write", table.capacity.write, 1, 40_000);
      check.integer("table.capacity.maxRead", table.capacity.maxRead, table.capacity.read, 40_000);
      check.integer("table.capacity.maxWrite", table.capacity.maxWrite, table.capacity.write, 40_000);
      check.integer("table.capacity.targetUtilization", table.capacity.targetUtilization, 20, 90);
    }
  } else if (table.capacity) {
    check.fail('table.capacity conflicts with table.billingMode "PAY_PER_REQUEST" (the default): set billingMode to "PROVISIONED" or drop capacity');
  }
  const indexNames = new Set<string>();
  for (const [i, index] of (table.globalSecondaryIndexes ?? []).entries()) {
    if (!index.name || !index.hashKey) check.fail(`table.globalSecondaryIndexes[${i}] needs a name and a hashKey`);
    if (indexNames.has(index.name)) check.fail(`table.globalSecondaryIndexes has two indexes named "${index.name}"`);
    indexNames.add(index.name);
    if (index.nonKeyAttributes?.length && index.projectionType !== "INCLUDE") {
      check.fail(`table.globalSecondaryIndexes[${i}].nonKeyAttributes needs projectionType "INCLUDE"`);
    }
  }
  if (table.ttlAttribute === "") check.fail("table.ttlAttribute must not be empty");
  validateIngestSettings(check, args.ingest);
  validateAccess(check, args, component);
  checkOverrides(check, "overrides.table", args.overrides?.table, OWNED_TABLE_ARGS, "the dedup key, the stream, the name and the encryption are the pipeline's (set table.name, table.streamViewType and table.kmsKeyArn instead)");
  check.integer("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, 1, 36_500);
  if (!accessOf(args).push) check.deprecated("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, "ingest.deadLetterExpireAfterDays", args.ingest?.deadLetterExpireAfterDays);
  check.logRetention("logRetentionDays", args.logRetentionDays);
  check.done();
}

/**
 * The consumer account's landing table. Kinesis records are written exactly once, keyed by their
 * sequence number and shard (the cross-account replication design), by an ingest function on an event source mapping; records
 * that can never be written are parked, with their reason, in an encrypted dead-letter bucket.
 * In pull mode that function runs here; in push mode it runs in the source account (PushIngest)
 * and writes through this table's writer role.
 */
export class DedupTable extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly tableStreamArn: pulumi.Output<string>;
  /** Pull mode: the ingest function, its role and its dead-letter bucket. */
  public readonly ingestFunctionArn: pulumi.Output<string | undefined>;
  public readonly ingestFunctionName: pulumi.Output<string | undefined>;
  public readonly ingestRoleArn: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketName: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketArn: pulumi.Output<string | undefined>;
  /** Pull mode, alarms on: the metric (in METRICS_NAMESPACE) counting the records the ingest function parked. */
  public readonly ingestParkedMetricName: string | undefined;
  /** @deprecated Use `ingestDeadLetterBucketName`. */
  public readonly deadLetterBucketName: pulumi.Output<string | undefined>;
  /** @deprecated Use `ingestDeadLetterBucketArn`. */
  public readonly deadLetterBucketArn: pulumi.Output<string | undefined>;
  /** Pull mode, once the stream is given. */
  public readonly eventSourceMappingId: pulumi.Output<string | undefined>;
  /** Push mode, once the writer principal is given: the role the source account's function assumes. */
  public readonly writerRoleArn: pulumi.Output<string | undefined>;
  /** Every alarm of this table and its function. */
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: DedupTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:DedupTable`, name, {}, opts);
    validateArgs(this, name, args);
    const settings = args.table ?? {};
    const table = this.addTable(name, settings, args.protectData, args.overrides?.table);

    const region = aws.getRegionOutput({}, { parent: this }).region;
    const tableAccess = pulumi.all([table.arn, settings.kmsKeyArn, region]).apply(([arn, keyArn, regionName]): PolicyStatement[] => [
      { Sid: "WriteDedupTable", Effect: "Allow", Action: DEDUP_TABLE_WRITE_ACTIONS, Resource: arn },
      ...tableKeyStatements("UseDedupTableKey", keyArn, regionName, "write"),
    ]);

    const access = accessOf(args);
    let ingestFunction: StreamFunction | undefined;
    let writerRole: aws.iam.Role | undefined;
    if (access.pull) {
      const { streamArn, consumerArn, streamKmsKeyArn } = access.pull;
      ingestFunction = createIngestFunction(name, {
        source: streamArn === undefined ? undefined : { streamArn, consumerArn, streamKmsKeyArn },
        tableName: table.name,
        tableAccess,
        settings: args.ingest,
        deadLetterExpireAfterDays: args.deadLetterExpireAfterDays,
        logRetentionDays: args.logRetentionDays,
        monitoring: args.monitoring,
        protectData: args.protectData,
      }, this);
    } else if (access.push?.principalArn !== undefined) {
      writerRole = this.addWriterRole(name, access.push.principalArn, access.push.externalId, tableAccess);
    }

    this.tableName = table.name;
    this.tableArn = table.arn;
    this.tableStreamArn = table.streamArn;
    this.ingestFunctionArn = pulumi.output(ingestFunction?.function.arn);
    this.ingestFunctionName = pulumi.output(ingestFunction?.function.name);
    this.ingestRoleArn = pulumi.output(ingestFunction?.role.arn);
    this.ingestDeadLetterBucketName = pulumi.output(ingestFunction?.deadLetter.bucket.bucket);
    this.ingestDeadLetterBucketArn = pulumi.output(ingestFunction?.deadLetter.bucket.arn);
    this.ingestParkedMetricName = ingestFunction?.parkedMetricName;
    this.deadLetterBucketName = this.ingestDeadLetterBucketName;
    this.deadLetterBucketArn = this.ingestDeadLetterBucketArn;
    this.eventSourceMappingId = pulumi.output(ingestFunction?.mapping?.uuid);
    this.writerRoleArn = pulumi.output(writerRole?.arn);
    this.alarmNames = alarmNamesOf(this);
    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      tableStreamArn: this.tableStreamArn,
      ingestFunctionArn: this.ingestFunctionArn,
      ingestFunctionName: this.ingestFunctionName,
      ingestRoleArn: this.ingestRoleArn,
      ingestDeadLetterBucketName: this.ingestDeadLetterBucketName,
      ingestDeadLetterBucketArn: this.ingestDeadLetterBucketArn,
      ingestParkedMetricName: this.ingestParkedMetricName,
      deadLetterBucketName: this.deadLetterBucketName,
      deadLetterBucketArn: this.deadLetterBucketArn,
      eventSourceMappingId: this.eventSourceMappingId,
      writerRoleArn: this.writerRoleArn,
      alarmNames: this.alarmNames,
    });
  }

  /** The table, keyed by the dedup key, with its stream on; autoscaled when provisioned. */
  private addTable(name: string, settings: DedupTableSettings, protectData: boolean | undefined, overrides: aws.dynamodb.TableArgs | undefined): aws.dynamodb.Table {
    const d = dedupTableDefaults;
    const provisioned = settings.billingMode === "PROVISIONED" ? settings.capacity : undefined;

    const attributeTypes = new Map<string, KeyAttributeType>([[HASH_KEY, "S"], [RANGE_KEY, "S"]]);
    for (const index of settings.globalSecondaryIndexes ?? []) {
      for (const key of [index.hashKey, index.rangeKey]) {
        if (key && !attributeTypes.has(key)) attributeTypes.set(key, index.attributeTypes?.[key] ?? "S");
      }
    }

    const table = new aws.dynamodb.Table(`${name}-table`, {
      name: settings.name,
      hashKey: HASH_KEY,
      rangeKey: RANGE_KEY,
      attributes: [...attributeTypes].map(([attributeName, type]) => ({ name: attributeName, type })),
      billingMode: settings.billingMode ?? d.billingMode,
      readCapacity: provisioned?.read,
      writeCapacity: provisioned?.write,
      streamEnabled: true,
      streamViewType: settings.streamViewType ?? d.streamViewType,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: settings.kmsKeyArn },
      deletionProtectionEnabled: settings.deletionProtection ?? d.deletionProtection,
      globalSecondaryIndexes: settings.globalSecondaryIndexes?.map((index) => ({
        name: index.name,
        hashKey: index.hashKey,
        rangeKey: index.rangeKey,
        projectionType: index.projectionType ?? "ALL",
        nonKeyAttributes: index.nonKeyAttributes,
        readCapacity: provisioned?.read,
        writeCapacity: provisioned?.write,
      })),
      ttl: settings.ttlAttribute ? { attributeName: settings.ttlAttribute, enabled: true } : undefined,
      ...overrides,
    }, {
      ...dataResourceOptions(this, protectData, settings.name),
      // Autoscaling owns the capacity once the table exists.
      ignoreChanges: provisioned ? ["readCapacity", "writeCapacity"] : [],
    });
    if (provisioned) this.addAutoscaling(name, table, provisioned);
    return table;
  }

  /**
   * Push mode's writer role: only `principalArn` may assume it, only with the external ID, and it
   * may only write items to this table.
   */
  private addWriterRole(name: string, principalArn: pulumi.Input<string>, externalId: pulumi.Input<string>, tableAccess: pulumi.Output<PolicyStatement[]>): aws.iam.Role {
    const role = new aws.iam.Role(`${name}-writer-role`, {
      description: "Assumed by the source account's ingest function to write the dedup table",
      assumeRolePolicy: policyDocument(
        pulumi.all([principalArn, checkedExternalId(externalId, `DedupTable "${name}": writerExternalId`, this)]).apply(([principal, id]) => [
          {
            Sid: "SourceIngestFunctionOnly",
            Effect: "Allow" as const,
            Principal: { AWS: principal },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": id } },
          },
        ]),
      ),
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-writer-policy`, { role: role.id, policy: policyDocument(tableAccess) }, { parent: this });
    return role;
  }

  private addAutoscaling(name: string, table: aws.dynamodb.Table, capacity: ProvisionedCapacityArgs): void {
    const dimensions = [
      { kind: "read", min: capacity.read, max: capacity.maxRead ?? capacity.read * 10, metric: "DynamoDBReadCapacityUtilization" },
      { kind: "write", min: capacity.write, max: capacity.maxWrite ?? capacity.write * 10, metric: "DynamoDBWriteCapacityUtilization" },
    ];
    for (const { kind, min, max, metric } of dimensions) {
      const unit = kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits";
      const target = new aws.appautoscaling.Target(`${name}-${kind}-scaling`, {
        serviceNamespace: "dynamodb",
        resourceId: pulumi.interpolate`table/${table.name}`,
        scalableDimension: `dynamodb:table:${unit}`,
        minCapacity: min,
        maxCapacity: max,
      }, { parent: this });
      new aws.appautoscaling.Policy(`${name}-${kind}-scaling-policy`, {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: metric },
          targetValue: capacity.targetUtilization ?? dedupTableDefaults.targetUtilization,
        },
      }, { parent: this });
    }
  }
}
