import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXPIRES_AT, HASH_KEY, RANGE_KEY } from "../functions/shared/dedup-key";
import { alarmNamesOf } from "./internal/alarms";
import { childrenOf, declaredOutputs, tagsOf, type Children } from "./internal/context";
import { checkedExternalId } from "./internal/external-id";
import { policyDocument, type PolicyStatement } from "./internal/iam";
import { createIngestFunction } from "./internal/ingest-function";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions } from "./internal/protection";
import { DEDUP_TABLE_WRITE_ACTIONS, tableKeyStatements } from "./internal/stream-access";
import { type StreamFunctionResources } from "./internal/stream-function";
import { checkedLiveChange, refuseProblems } from "./internal/validation";
import { DEDUP_TABLE_LIVE_CHANGES, resolveDedupTable, type DedupTableArgs, type DedupTableDeployment, type ResolvedDedupTable } from "./settings/dedup-table";

export * from "./settings/dedup-table";

/**
 * The consumer account's landing table. Kinesis records are written exactly once, keyed by their
 * sequence number and shard (the cross-account replication design), by an ingest function on an
 * event source mapping; records that can never be written are parked, with their reason, in an
 * encrypted dead-letter bucket. In pull mode that function runs here; in push mode it runs in the
 * source account (PushIngest) and writes through this table's writer role.
 */
export class DedupTable extends pulumi.ComponentResource {
  /** The table, for what a program attaches itself (alarms, grants, a backup plan). */
  public readonly table: aws.dynamodb.Table;
  /** Pull mode: the ingest function, its role, log group, dead-letter bucket and, once the stream is given, its mapping. */
  public readonly ingest?: StreamFunctionResources;
  /** Push mode, once the writer principal is given: the role the source account's function assumes. */
  public readonly writerRole?: aws.iam.Role;
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly tableStreamArn: pulumi.Output<string>;
  public readonly ingestFunctionArn: pulumi.Output<string | undefined>;
  public readonly ingestFunctionName: pulumi.Output<string | undefined>;
  public readonly ingestRoleArn: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketName: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketArn: pulumi.Output<string | undefined>;
  /** Pull mode, alarms on: the metric (in METRICS_NAMESPACE) counting the records the ingest function parked. */
  public readonly ingestParkedMetricName: string | undefined;
  /** Pull mode, once the stream is given. */
  public readonly eventSourceMappingId: pulumi.Output<string | undefined>;
  public readonly writerRoleArn: pulumi.Output<string | undefined>;
  /** Every alarm of this table and its function. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** Pull mode: days after its arrival in Kinesis an item expires, unless items never do (`table.expireItems` false). */
  public readonly itemExpireAfterDays: number | undefined;
  /** What this deployment holds that a later one must not lose records over: give it back as `lastDeployment`. */
  public readonly deployment: pulumi.Output<DedupTableDeployment>;

  constructor(name: string, args: DedupTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:DedupTable`, name, {}, opts);
    const { settings, problems } = resolveDedupTable(name, args);
    refuseProblems(this, `DedupTable "${name}"`, problems);
    const children = childrenOf(this, name, settings);

    this.table = addTable(children, settings);
    const tableAccess = pulumi
      .all([this.table.arn, settings.table.kmsKeyArn, children.region])
      .apply(([arn, keyArn, regionName]): PolicyStatement[] => [
        { Sid: "WriteDedupTable", Effect: "Allow", Action: DEDUP_TABLE_WRITE_ACTIONS, Resource: arn },
        ...tableKeyStatements("UseDedupTableKey", keyArn, regionName, "write"),
      ]);
    let parkedMetricName: string | undefined;
    if (settings.pull) {
      const { source, ingest, expireAfterSeconds } = settings.pull;
      const created = createIngestFunction({ source, tableName: this.table.name, tableAccess, settings: ingest, expireAfterSeconds }, children);
      this.ingest = created.resources;
      parkedMetricName = created.parkedMetricName;
    } else if (settings.push?.principalArn !== undefined) {
      const externalId = checkedExternalId(settings.push.externalId, `DedupTable "${name}": push.externalId`, this);
      this.writerRole = addWriterRole(children, { principalArn: settings.push.principalArn, externalId, tableAccess });
    }

    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.tableStreamArn = this.table.streamArn;
    this.ingestFunctionArn = pulumi.output(this.ingest?.function.arn);
    this.ingestFunctionName = pulumi.output(this.ingest?.function.name);
    this.ingestRoleArn = pulumi.output(this.ingest?.role.arn);
    this.ingestDeadLetterBucketName = pulumi.output(this.ingest?.deadLetterBucket.bucket);
    this.ingestDeadLetterBucketArn = pulumi.output(this.ingest?.deadLetterBucket.arn);
    this.ingestParkedMetricName = parkedMetricName;
    this.eventSourceMappingId = pulumi.output(this.ingest?.mapping?.uuid);
    this.writerRoleArn = pulumi.output(this.writerRole?.arn);
    this.alarmNames = alarmNamesOf(this);
    this.itemExpireAfterDays = settings.pull?.expireAfterSeconds === undefined ? undefined : settings.pull.expireAfterSeconds / 86_400;
    this.deployment = deploymentOf(this, name, settings, args);
    this.registerOutputs(declaredOutputs(this));
  }
}

/** The `deployment` output; a source stream known only now (another resource's output) is compared with the last deployment's here. */
function deploymentOf(component: DedupTable, name: string, settings: ResolvedDedupTable, args: DedupTableArgs): pulumi.Output<DedupTableDeployment> {
  const change = { ...DEDUP_TABLE_LIVE_CHANGES.source, from: args.lastDeployment?.sourceStreamArn, to: settings.pull?.source?.streamArn };
  return checkedLiveChange(component, `DedupTable "${name}"`, change, args.liveChangesAcknowledged).apply((sourceStreamArn) => ({
    streamViewType: settings.table.streamViewType,
    ...(sourceStreamArn !== undefined && { sourceStreamArn }),
  }));
}

/** The table, keyed by the dedup key, with its stream on; autoscaled when provisioned. */
function addTable(children: Children, settings: ResolvedDedupTable): aws.dynamodb.Table {
  const { name } = children;
  const { table: t, overrides } = settings;
  const capacity = t.capacity;
  const table = new aws.dynamodb.Table(
    `${name}-table`,
    {
      name: t.name,
      hashKey: HASH_KEY,
      rangeKey: RANGE_KEY,
      attributes: t.attributes,
      billingMode: t.billingMode,
      readCapacity: capacity?.read,
      writeCapacity: capacity?.write,
      streamEnabled: true,
      streamViewType: t.streamViewType,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: t.kmsKeyArn },
      deletionProtectionEnabled: t.deletionProtection,
      globalSecondaryIndexes:
        t.globalSecondaryIndexes.length === 0
          ? undefined
          : t.globalSecondaryIndexes.map((index) => ({ ...index, readCapacity: capacity?.read, writeCapacity: capacity?.write })),
      // DynamoDB deletes an item once the epoch seconds in its TTL attribute have passed, typically within a few days.
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
      ttl: t.expireItems ? { attributeName: EXPIRES_AT, enabled: true } : undefined,
      tags: tagsOf(children),
      ...overrides.table,
    },
    {
      ...dataResourceOptions(children, t.name),
      // Autoscaling owns the capacity once the table exists.
      ignoreChanges: capacity ? ["readCapacity", "writeCapacity"] : [],
    },
  );
  if (capacity) addAutoscaling(children, table, capacity);
  return table;
}

/** Target tracking on reads and writes, between the provisioned minimum and maximum. */
function addAutoscaling(children: Children, table: aws.dynamodb.Table, capacity: Required<NonNullable<ResolvedDedupTable["table"]["capacity"]>>): void {
  const { name } = children;
  const dimensions = [
    { kind: "read", unit: "ReadCapacityUnits", min: capacity.read, max: capacity.maxRead, metric: "DynamoDBReadCapacityUtilization" },
    { kind: "write", unit: "WriteCapacityUnits", min: capacity.write, max: capacity.maxWrite, metric: "DynamoDBWriteCapacityUtilization" },
  ];
  for (const { kind, unit, min, max, metric } of dimensions) {
    const target = new aws.appautoscaling.Target(
      `${name}-${kind}-scaling`,
      {
        serviceNamespace: "dynamodb",
        resourceId: pulumi.interpolate`table/${table.name}`,
        scalableDimension: `dynamodb:table:${unit}`,
        minCapacity: min,
        maxCapacity: max,
        tags: tagsOf(children),
      },
      { parent: children.parent },
    );
    new aws.appautoscaling.Policy(
      `${name}-${kind}-scaling-policy`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: metric },
          targetValue: capacity.targetUtilization,
        },
      },
      { parent: children.parent },
    );
  }
}

/**
 * Push mode's writer role: only `principalArn` may assume it, only with the external ID, and it
 * may only write items to this table.
 */
function addWriterRole(
  children: Children,
  writer: { principalArn: pulumi.Input<string>; externalId: pulumi.Output<string>; tableAccess: pulumi.Output<PolicyStatement[]> },
): aws.iam.Role {
  const { principalArn, externalId, tableAccess } = writer;
  const role = new aws.iam.Role(
    `${children.name}-writer-role`,
    {
      description: "Assumed by the source account's ingest function to write the dedup table",
      assumeRolePolicy: policyDocument(
        pulumi.all([principalArn, externalId]).apply(([principal, id]) => [
          {
            Sid: "SourceIngestFunctionOnly",
            Effect: "Allow" as const,
            Principal: { AWS: principal },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": id } },
          },
        ]),
      ),
      tags: tagsOf(children),
    },
    { parent: children.parent },
  );
  new aws.iam.RolePolicy(`${children.name}-writer-policy`, { role: role.id, policy: policyDocument(tableAccess) }, { parent: children.parent });
  return role;
}
