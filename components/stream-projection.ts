import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { projectEnvironment } from "../functions/project/environment";
import { EXPIRES_AT, LEDGER_KEY } from "../functions/project/spec";
import { ALL_BUT_EXPIRIES } from "../functions/shared/table-stream";
import { alarmNamesOf } from "./internal/alarms";
import { childrenOf, declaredOutputs, tagsOf, type Children } from "./internal/context";
import { type PolicyStatement } from "./internal/iam";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions } from "./internal/protection";
import { tableKeyStatements, tableStreamReadStatements } from "./internal/stream-access";
import { createStreamFunction, type StreamFunctionResources } from "./internal/stream-function";
import { checkedLiveChange, refuseProblems } from "./internal/validation";
import { TABLE_STREAM_SOURCE_CHANGE, type TableStreamDeployment } from "./settings/shared";
import { resolveStreamProjection, type ResolvedStreamProjection, type StreamProjectionArgs } from "./settings/stream-projection";

export * from "./settings/stream-projection";

/**
 * A second table kept up to date from a table's stream: an index (each item again, under other
 * keys) or aggregates (counters and sums per group) that stay exact under retries and replays,
 * because each applied record is recorded in a ledger in the same transaction as its update.
 */
export class StreamProjection extends pulumi.ComponentResource {
  /** The projection's table. */
  public readonly table: aws.dynamodb.Table;
  /** Aggregates: the ledger of records already applied. */
  public readonly ledger?: aws.dynamodb.Table;
  /** The project function, its role, log group, dead-letter bucket and, once the stream is given, its mapping. */
  public readonly project: StreamFunctionResources;
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
  /** The stream the function reads: give it back as `lastDeployment`. */
  public readonly deployment: pulumi.Output<TableStreamDeployment>;

  constructor(name: string, args: StreamProjectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:StreamProjection`, name, {}, opts);
    const { settings, problems } = resolveStreamProjection(name, args);
    refuseProblems(this, `StreamProjection "${name}"`, problems);
    // A warning, not a refusal: the projection works live whatever the archive holds, and a late backfill parks, with the reason, each row it cannot use.
    for (const gap of settings.archiveGaps) pulumi.log.warn(`StreamProjection "${name}": ${gap}`, this);
    const children = childrenOf(this, name, settings);

    this.table = addTable(children, settings);
    this.ledger = settings.ledger === undefined ? undefined : addLedger(children, settings);
    const project = addFunction(children, settings, { table: this.table, ledger: this.ledger });
    this.project = project.resources;

    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.ledgerTableName = pulumi.output(this.ledger?.name);
    this.projectFunctionArn = this.project.function.arn;
    this.projectFunctionName = this.project.function.name;
    this.projectRoleArn = this.project.role.arn;
    this.projectDeadLetterBucketName = this.project.deadLetterBucket.bucket;
    this.projectParkedMetricName = project.parkedMetricName;
    this.alarmNames = alarmNamesOf(this);
    const sourceChange = { ...TABLE_STREAM_SOURCE_CHANGE, from: args.lastDeployment?.tableStreamArn, to: settings.tableStreamArn };
    this.deployment = checkedLiveChange(this, `StreamProjection "${name}"`, sourceChange, args.liveChangesAcknowledged).apply((tableStreamArn) => ({
      tableStreamArn,
    }));
    this.registerOutputs(declaredOutputs(this));
  }
}

/** The projection's table, keyed as the spec says. */
function addTable(children: Children, settings: ResolvedStreamProjection): aws.dynamodb.Table {
  const { table } = settings;
  return new aws.dynamodb.Table(
    `${children.name}-table`,
    {
      name: table.name,
      hashKey: table.keys[0].name,
      rangeKey: table.keys[1]?.name,
      attributes: table.keys,
      billingMode: "PAY_PER_REQUEST",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: table.kmsKeyArn },
      deletionProtectionEnabled: table.deletionProtection,
      ttl: table.ttl ? { attributeName: EXPIRES_AT, enabled: true } : undefined,
      tags: tagsOf(children),
      ...settings.overrides.table,
    },
    dataResourceOptions(children, table.name),
  );
}

/**
 * An aggregate's ledger: one entry per item it has seen, what the item adds and the change that
 * said so, written in the same transaction as the groups' updates. Entries of items that count
 * nothing expire `ledgerTtlDays` after their change; so do the others when the table's items expire.
 */
function addLedger(children: Children, settings: ResolvedStreamProjection): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
    `${children.name}-ledger`,
    {
      hashKey: LEDGER_KEY,
      attributes: [{ name: LEDGER_KEY, type: "S" }],
      billingMode: "PAY_PER_REQUEST",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: settings.table.kmsKeyArn },
      ttl: { attributeName: EXPIRES_AT, enabled: true },
      tags: tagsOf(children),
    },
    dataResourceOptions(children),
  );
}

/** The function on the table's stream that keeps the projection up to date. */
function addFunction(children: Children, settings: ResolvedStreamProjection, writes: { table: aws.dynamodb.Table; ledger?: aws.dynamodb.Table }) {
  const { spec } = settings;
  const { name } = children;
  const { table, ledger } = writes;
  const statements = pulumi
    .all([settings.tableStreamArn, settings.tableStreamKmsKeyArn, table.arn, ledger?.arn, settings.table.kmsKeyArn, children.region])
    .apply(([streamArn, streamKeyArn, tableArn, ledgerArn, ownKeyArn, regionName]): PolicyStatement[] => [
      ...(streamArn ? tableStreamReadStatements(streamArn, { arn: streamKeyArn, region: regionName }) : []),
      ...tableKeyStatements("UseProjectionTableKey", ownKeyArn, regionName, "write"),
      ...(spec.kind === "index"
        ? [{ Sid: "WriteIndex", Effect: "Allow" as const, Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: tableArn }]
        : [
            { Sid: "UpdateAggregates", Effect: "Allow" as const, Action: "dynamodb:UpdateItem", Resource: tableArn },
            { Sid: "RecordAppliedRecords", Effect: "Allow" as const, Action: "dynamodb:PutItem", Resource: ledgerArn! },
          ]),
    ]);
  return createStreamFunction(
    `${name}-project`,
    {
      code: "project",
      description: `Keeps the ${spec.kind} ${name} up to date from a table's stream`,
      deadLetterName: `${name}-dead-letter`,
      eventSourceArn: settings.tableStreamArn,
      statements,
      environment: (deadLetterBucket) =>
        projectEnvironment<pulumi.Input<string>>({
          spec,
          targetTable: table.name,
          deadLetterBucket,
          ledger: ledger && { table: ledger.name, ...settings.ledger! },
        }),
      settings: settings.project,
      filters: ALL_BUT_EXPIRIES,
    },
    children,
  );
}
