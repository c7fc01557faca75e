import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COUNT, EXPIRES_AT, GROUP_KEY, groupByName, LEDGER_KEY, type GroupBy, type ProjectionSpec } from "../functions/project/spec";
import { alarmNamesOf, type MonitoringArgs } from "./internal/alarms";
import { type KeyAttributeType } from "./dedup-table";
import { type PolicyStatement } from "./internal/iam";
import { checkDerivedNames, checkPhysicalName } from "./internal/names";
import { checkOverrides } from "./internal/overrides";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions, type DataProtectionArgs } from "./internal/protection";
import { tableKeyStatements, tableStreamReadStatements } from "./internal/stream-access";
import { DEFAULT_LOG_RETENTION_DAYS, streamFunctionDefaults } from "./internal/shared-defaults";
import { createStreamFunction, streamFunctionNames, validateMappingSettings, type StreamFunction, type StreamMappingSettings } from "./internal/stream-function";
import { validate } from "./internal/validation";

/** What a projection keeps: each item again under other keys, or counters and sums per group. */
export const ProjectionKind = { Index: "index", Aggregate: "aggregate" } as const;
export type ProjectionKind = (typeof ProjectionKind)[keyof typeof ProjectionKind];

/** The period a timestamp attribute is cut to when an aggregate groups by it. */
export const GroupByPeriod = { Hour: "hour", Day: "day", Month: "month" } as const;
export type GroupByPeriod = (typeof GroupByPeriod)[keyof typeof GroupByPeriod];

/** An attribute an aggregate groups by, or with `period`, a timestamp attribute cut to its hour, day or month. */
export interface GroupByAttribute {
  attribute: string;
  /** Default: the attribute's value as it is. */
  period?: GroupByPeriod;
}

/** A numeric attribute an aggregate sums per group, kept under `name`. */
export interface ProjectionSum {
  name: string;
  attribute: string;
}

/**
 * What a projection keeps, one flat object whatever the kind (so every Pulumi language can pass
 * it): `kind` says which fields apply, and a field of the other kind fails at preview.
 */
export interface ProjectionSettings {
  kind: ProjectionKind;
  /** Index, required: the index's hash key attribute. */
  hashKey?: string;
  /** Index: the index's range key attribute. Default: none. */
  rangeKey?: string;
  /** Index: attributes copied besides the keys. Default: all. */
  attributes?: string[];
  /** Index: days after the change an index item expires (TTL attribute `expiresAt`). Default: never. */
  ttlDays?: number;
  /** Aggregate, at least one: what the counters are kept per. */
  groupBy?: GroupByAttribute[];
  /** Aggregate: numeric attributes summed per group. Default: none (the count only). */
  sums?: ProjectionSum[];
}

const FIELDS_OF: Record<ProjectionKind, (keyof ProjectionSettings)[]> = {
  index: ["hashKey", "rangeKey", "attributes", "ttlDays"],
  aggregate: ["groupBy", "sums"],
};

/** A projection spec as the stacks' config writes it (group-by entries may be plain attribute names), flattened. */
export function projectionSettings(spec: ProjectionSpec): ProjectionSettings {
  return spec.kind === "aggregate"
    ? { ...spec, groupBy: spec.groupBy?.map((entry) => (typeof entry === "string" ? { attribute: entry } : entry)) }
    : spec;
}

/** The spec the project function reads: keys in the order given, a group-by entry without a period as its attribute's name. */
function projectionSpec(settings: ProjectionSettings): ProjectionSpec {
  if (settings.kind !== "aggregate") return settings as ProjectionSpec;
  return { ...settings, groupBy: settings.groupBy?.map(groupByEntry) } as ProjectionSpec;
}

const groupByEntry = (entry: GroupByAttribute): GroupBy => (entry.period === undefined ? entry.attribute : { attribute: entry.attribute, period: entry.period });

export interface ProjectionTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  /** Types of an index's key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Customer-managed KMS key for encryption at rest; the function may use it through DynamoDB. Default: the AWS-managed key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Default: false. */
  deletionProtection?: boolean;
}

/** Provider arguments for StreamProjection's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface StreamProjectionOverrides {
  /** The projection's table (aws.dynamodb.Table), except its name, keys and attributes, which the function writes by. */
  table?: aws.dynamodb.TableArgs;
}

/** What the table overrides may not change. */
const OWNED_TABLE_ARGS = ["name", "hashKey", "rangeKey", "attributes", "serverSideEncryption"] as const;

export interface StreamProjectionArgs extends DataProtectionArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: StreamProjectionOverrides;
  /**
   * The stream of the table to project; aggregates need it to carry NEW_AND_OLD_IMAGES. It may be
   * another account's, shared with this component's `roleArn` by the stream's resource policy
   * (the cross-account DynamoDB Streams design), in the same region. Until it is given, the function is deployed without its
   * mapping, under the role it keeps later. Default: none.
   */
  tableStreamArn?: pulumi.Input<string>;
  /** The customer-managed key of the table whose stream is read; the function may decrypt with it through DynamoDB. Default: none. */
  tableStreamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** What to keep: `{kind: "index", hashKey, rangeKey, attributes, ttlDays}` or `{kind: "aggregate", groupBy, sums}`. */
  projection: ProjectionSettings;
  table?: ProjectionTableSettings;
  /** Aggregates: days each applied record is remembered, longer than any record can be redelivered. Default: 7. */
  ledgerTtlDays?: number;
  /** The project function and its mapping; batchSize defaults to 100. */
  project?: StreamMappingSettings;
  /** Days the project function's logs are kept, unless `project.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** @deprecated Use `project`. */
  mapping?: StreamMappingSettings;
  /** @deprecated Use `project.deadLetterExpireAfterDays`. */
  deadLetterExpireAfterDays?: number;
  /** Alarms on the function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

export const streamProjectionDefaults = {
  ledgerTtlDays: 7,
  deletionProtection: false,
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  /** The project function (`project`). */
  project: { ...streamFunctionDefaults, batchSize: 100 },
} as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;
const RESERVED = [GROUP_KEY, COUNT, EXPIRES_AT, "sourceSequence"];

function validateArgs(component: pulumi.Resource, name: string, args: StreamProjectionArgs): void {
  const check = validate(`StreamProjection "${name}"`, "arguments", component);
  const spec = args.projection;
  for (const [kind, fields] of Object.entries(FIELDS_OF)) {
    if (spec?.kind === kind) continue;
    for (const field of fields) if (spec?.[field] !== undefined) check.fail(`projection.${field} is for kind "${kind}"; this projection is ${JSON.stringify(spec?.kind)}`);
  }
  checkPhysicalName(check, "table.name", "aws:dynamodb/table:Table", args.table?.name);
  checkDerivedNames(check, "name", name, [
    ...(args.table?.name === undefined ? [["aws:dynamodb/table:Table", `${name}-table`] as const] : []),
    ...(spec?.kind === "aggregate" ? [["aws:dynamodb/table:Table", `${name}-ledger`] as const] : []),
    ...streamFunctionNames(`${name}-project`, `${name}-dead-letter`),
  ]);
  check.oneOf("projection.kind", spec?.kind, Object.values(ProjectionKind));
  if (spec?.kind === "index") {
    if (!spec.hashKey) check.fail("projection.hashKey is required for an index");
    if (spec.rangeKey === spec.hashKey) check.fail("projection.rangeKey must differ from projection.hashKey");
    check.integer("projection.ttlDays", spec.ttlDays, 1, 36_500);
  } else if (spec?.kind === "aggregate") {
    if (!spec.groupBy?.length) check.fail("projection.groupBy must name at least one attribute");
    for (const [i, entry] of (spec.groupBy ?? []).entries()) {
      if (!entry?.attribute) check.fail(`projection.groupBy[${i}].attribute is required`);
      check.oneOf(`projection.groupBy[${i}].period`, entry?.period, Object.values(GroupByPeriod));
      const named = groupByName(groupByEntry(entry ?? { attribute: "" }));
      if (RESERVED.includes(named)) check.fail(`projection.groupBy[${i}] is named "${named}", which the aggregate item uses itself`);
    }
    const names = new Set<string>();
    for (const [i, sum] of (spec.sums ?? []).entries()) {
      if (!NAME.test(sum.name ?? "") || RESERVED.includes(sum.name)) check.fail(`projection.sums[${i}].name must be an attribute name other than ${RESERVED.join(", ")}, got ${JSON.stringify(sum.name)}`);
      if (names.has(sum.name)) check.fail(`projection.sums has two sums named "${sum.name}"`);
      names.add(sum.name);
      if (!sum.attribute) check.fail(`projection.sums[${i}].attribute is required`);
    }
  }
  check.integer("ledgerTtlDays", args.ledgerTtlDays, 1, 365);
  checkOverrides(check, "overrides.table", args.overrides?.table, OWNED_TABLE_ARGS, "the projection decides its keys and encryption (set table.name for the name, table.kmsKeyArn for the key)");
  check.deprecated("mapping", args.mapping, "project", args.project);
  check.deprecated("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, "project.deadLetterExpireAfterDays", (args.project ?? args.mapping)?.deadLetterExpireAfterDays);
  validateMappingSettings(check, args.mapping ? "mapping" : "project", args.project ?? args.mapping);
  check.integer("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, 1, 36_500);
  check.logRetention("logRetentionDays", args.logRetentionDays);
  check.done();
}

/**
 * A second table kept up to date from a table's stream: an index (each item again, under other
 * keys) or aggregates (counters and sums per group) that stay exact under retries and replays,
 * because each applied record is recorded in a ledger in the same transaction as its update.
 */
export class StreamProjection extends pulumi.ComponentResource {
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  /** Aggregates only. */
  public readonly ledgerTableName: pulumi.Output<string | undefined>;
  public readonly projectFunctionArn: pulumi.Output<string>;
  public readonly projectFunctionName: pulumi.Output<string>;
  /** The function's role: what another account's stream policy grants (the cross-account DynamoDB Streams design). */
  public readonly projectRoleArn: pulumi.Output<string>;
  public readonly projectDeadLetterBucketName: pulumi.Output<string>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting the records the function parked. */
  public readonly projectParkedMetricName: string | undefined;
  /** Every alarm of the function. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** @deprecated Use `projectFunctionArn`. */
  public readonly functionArn: pulumi.Output<string>;
  /** @deprecated Use `projectRoleArn`. */
  public readonly roleArn: pulumi.Output<string>;
  /** @deprecated Use `projectDeadLetterBucketName`. */
  public readonly deadLetterBucketName: pulumi.Output<string>;

  constructor(name: string, args: StreamProjectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:StreamProjection`, name, {}, opts);
    validateArgs(this, name, args);
    const spec = projectionSpec(args.projection);

    const { table, ledger } = this.addTables(name, spec, args.table ?? {}, args.protectData, args.overrides?.table);
    const fn = this.addFunction(name, args, spec, table, ledger);

    this.tableName = table.name;
    this.tableArn = table.arn;
    this.ledgerTableName = pulumi.output(ledger?.name);
    this.projectFunctionArn = fn.function.arn;
    this.projectFunctionName = fn.function.name;
    this.projectRoleArn = fn.role.arn;
    this.projectDeadLetterBucketName = fn.deadLetter.bucket.bucket;
    this.projectParkedMetricName = fn.parkedMetricName;
    this.alarmNames = alarmNamesOf(this);
    this.functionArn = this.projectFunctionArn;
    this.roleArn = this.projectRoleArn;
    this.deadLetterBucketName = this.projectDeadLetterBucketName;
    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      ledgerTableName: this.ledgerTableName,
      projectFunctionArn: this.projectFunctionArn,
      projectFunctionName: this.projectFunctionName,
      projectRoleArn: this.projectRoleArn,
      projectDeadLetterBucketName: this.projectDeadLetterBucketName,
      projectParkedMetricName: this.projectParkedMetricName,
      alarmNames: this.alarmNames,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      deadLetterBucketName: this.deadLetterBucketName,
    });
  }

  /** The projection's table, and for an aggregate the ledger of records already applied. */
  private addTables(name: string, spec: ProjectionSpec, settings: ProjectionTableSettings, protectData: boolean | undefined, overrides: aws.dynamodb.TableArgs | undefined): { table: aws.dynamodb.Table; ledger: aws.dynamodb.Table | undefined } {
    const keys: [string, KeyAttributeType][] =
      spec.kind === "index"
        ? [spec.hashKey, spec.rangeKey].filter((k): k is string => Boolean(k)).map((k) => [k, settings.attributeTypes?.[k] ?? "S"])
        : [[GROUP_KEY, "S"]];
    const table = new aws.dynamodb.Table(`${name}-table`, {
      name: settings.name,
      hashKey: keys[0][0],
      rangeKey: keys[1]?.[0],
      attributes: keys.map(([attribute, type]) => ({ name: attribute, type })),
      billingMode: "PAY_PER_REQUEST",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: settings.kmsKeyArn },
      deletionProtectionEnabled: settings.deletionProtection ?? streamProjectionDefaults.deletionProtection,
      ttl: spec.kind === "index" && spec.ttlDays !== undefined ? { attributeName: EXPIRES_AT, enabled: true } : undefined,
      ...overrides,
    }, dataResourceOptions(this, protectData, settings.name));

    const ledger = spec.kind === "aggregate"
      ? new aws.dynamodb.Table(`${name}-ledger`, {
          hashKey: LEDGER_KEY,
          attributes: [{ name: LEDGER_KEY, type: "S" }],
          billingMode: "PAY_PER_REQUEST",
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: { enabled: true, kmsKeyArn: settings.kmsKeyArn },
          ttl: { attributeName: EXPIRES_AT, enabled: true },
        }, dataResourceOptions(this, protectData))
      : undefined;
    return { table, ledger };
  }

  /** The function on the table's stream that keeps the projection up to date. */
  private addFunction(name: string, args: StreamProjectionArgs, spec: ProjectionSpec, table: aws.dynamodb.Table, ledger: aws.dynamodb.Table | undefined): StreamFunction {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    return createStreamFunction(`${name}-project`, {
      code: "project",
      description: `Keeps the ${spec.kind} ${name} up to date from a table's stream`,
      deadLetterName: `${name}-dead-letter`,
      eventSourceArn: args.tableStreamArn,
      statements: pulumi.all([args.tableStreamArn, args.tableStreamKmsKeyArn, table.arn, ledger?.arn, args.table?.kmsKeyArn, region]).apply(([streamArn, streamKeyArn, tableArn, ledgerArn, ownKeyArn, regionName]): PolicyStatement[] => [
        ...(streamArn ? tableStreamReadStatements(streamArn, { arn: streamKeyArn, region: regionName }) : []),
        ...tableKeyStatements("UseProjectionTableKey", ownKeyArn, regionName, "write"),
        ...(spec.kind === "index"
          ? [{ Sid: "WriteIndex", Effect: "Allow" as const, Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: tableArn }]
          : [
              { Sid: "UpdateAggregates", Effect: "Allow" as const, Action: "dynamodb:UpdateItem", Resource: tableArn },
              { Sid: "RecordAppliedRecords", Effect: "Allow" as const, Action: "dynamodb:PutItem", Resource: ledgerArn! },
            ]),
      ]),
      environment: {
        PROJECTION: JSON.stringify(spec),
        TARGET_TABLE: table.name,
        ...(ledger ? { LEDGER_TABLE: ledger.name, LEDGER_TTL_DAYS: String(args.ledgerTtlDays ?? streamProjectionDefaults.ledgerTtlDays) } : {}),
        POWERTOOLS_SERVICE_NAME: "project",
      },
      settings: args.project ?? args.mapping ?? {},
      defaultBatchSize: streamProjectionDefaults.project.batchSize,
      deadLetterExpireAfterDays: args.deadLetterExpireAfterDays,
      logRetentionDays: args.logRetentionDays,
      monitoring: args.monitoring,
      protectData: args.protectData,
    }, this);
  }
}
