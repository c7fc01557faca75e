import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { COUNT, EXPIRES_AT, GROUP_KEY, groupByName, indexItemOwn, SOURCE_SEQUENCE, type GroupBy, type ProjectionSpec } from "../../functions/project/spec";
import { checkDerivedNames, checkPhysicalName, streamFunctionNames } from "../internal/names";
import { checkOverrides } from "../internal/overrides";
import { isSchemaHistory } from "../internal/schema-history";
import { ARN, keysOf, SettingsCheck, tableKeys, type KeyAttributeType } from "./check";
import { archiveGaps, type ProjectionArchiveSettings } from "./projection-archive";
import {
  COMMON_KEYS,
  commonDefaults,
  resolveCommon,
  resolveLogRetention,
  resolveStreamFunction,
  streamFunctionDefaults,
  type CommonArgs,
  type LiveChangeArgs,
  type TableStreamDeployment,
  checkLiveChange,
  TABLE_STREAM_SOURCE_CHANGE,
  type MonitoringArgs,
  type ResolvedCommon,
  type ResolvedStreamFunction,
  type StreamFunctionSettings,
} from "./shared";

export type { ProjectionArchiveSettings } from "./projection-archive";

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

export interface StreamProjectionArgs extends CommonArgs, LiveChangeArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: StreamProjectionOverrides;
  /**
   * The stream of the table to project; aggregates need it to carry NEW_AND_OLD_IMAGES. It may be
   * another account's, shared with this component's `projectRoleArn` by the stream's resource
   * policy (the cross-account DynamoDB Streams design), in the same region. Until it is given, the
   * function is deployed without its mapping, under the role it keeps later. Default: none.
   */
  tableStreamArn?: pulumi.Input<string>;
  /** The customer-managed key of the table whose stream is read; the function may decrypt with it through DynamoDB. Default: none. */
  tableStreamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** What to keep: `{kind: "index", hashKey, rangeKey, attributes, ttlDays}` or `{kind: "aggregate", groupBy, sums}`. */
  projection: ProjectionSettings;
  table?: ProjectionTableSettings;
  /**
   * Aggregates: days the ledger keeps the entry of an item that counts nothing (a removed item's)
   * after its change, longer than any record can be redelivered, 1–365. Entries of items that count
   * stay, unless the projected table's items expire (`tableItemExpireAfterDays`): then every entry
   * expires this many days after its item's last change. Default: 7, or a day past
   * `tableItemExpireAfterDays`.
   */
  ledgerTtlDays?: number;
  /**
   * Days after which the projected table's items expire (DedupTable's `itemExpireAfterDays`). An
   * item that expired is never changed again, so an aggregate's ledger entries expire too, but
   * after the item: a record delivered again after its entry expired would be counted twice.
   * Default: none, items that never expire.
   */
  tableItemExpireAfterDays?: number;
  /** The project function and its mapping. */
  project?: StreamFunctionSettings;
  /** Days the project function's logs are kept, unless `project.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Alarms on the function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /** This component's `deployment` output from the last deployment: preview refuses moving its mapping to another stream. Default: none, a first deployment. */
  lastDeployment?: TableStreamDeployment;
  /**
   * What the archive of the projected table holds (its FirehoseArchive's `schema`, `columns`,
   * `columnTypes` and `schemaHistory`), which `npm run backfill` reads for the items the table has
   * let expire: preview warns, naming the attribute, when the archive cannot give one the projection
   * reads (no column holds it, its type is not known, its column came later), and when an index
   * copies every attribute. Default: none, no check.
   */
  archive?: ProjectionArchiveSettings;
}

/** StreamProjection's defaults, in the shape of its arguments. */
export const streamProjectionDefaults = {
  ...commonDefaults,
  ledgerTtlDays: 7,
  table: { deletionProtection: false, attributeType: "S" },
  /** The project function. */
  project: { ...streamFunctionDefaults, batchSize: 100 },
} as const;

export interface ResolvedStreamProjection extends ResolvedCommon {
  tableStreamArn?: pulumi.Input<string>;
  tableStreamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** What the project function reads: keys in the order given, a group-by entry without a period as its attribute's name. */
  spec: ProjectionSpec;
  table: { name?: string; keys: { name: string; type: KeyAttributeType }[]; kmsKeyArn?: pulumi.Input<string>; deletionProtection: boolean; ttl: boolean };
  /** Aggregates only: how long ledger entries are kept after their item's last change, and whether entries of items that count expire too. */
  ledger?: { ttlDays: number; countedEntriesExpire: boolean };
  project: ResolvedStreamFunction;
  overrides: StreamProjectionOverrides;
  /** What a backfill from the archive could not give the projection (`archive`): preview warns with each. */
  archiveGaps: string[];
}

const ARGS = keysOf<StreamProjectionArgs>()(
  ...COMMON_KEYS,
  "overrides",
  "tableStreamArn",
  "tableStreamKmsKeyArn",
  "projection",
  "table",
  "ledgerTtlDays",
  "tableItemExpireAfterDays",
  "project",
  "logRetentionDays",
  "monitoring",
  "lastDeployment",
  "liveChangesAcknowledged",
  "archive",
);
const PROJECTION = keysOf<ProjectionSettings>()("kind", "hashKey", "rangeKey", "attributes", "ttlDays", "groupBy", "sums");
const TABLE = keysOf<ProjectionTableSettings>()("name", "attributeTypes", "kmsKeyArn", "deletionProtection");
const GROUP_BY = keysOf<GroupByAttribute>()("attribute", "period");
const SUM = keysOf<ProjectionSum>()("name", "attribute");
const OVERRIDES = keysOf<StreamProjectionOverrides>()("table");
const ARCHIVE = keysOf<ProjectionArchiveSettings>()("schema", "columns", "columnTypes", "schemaHistory");

const FIELDS_OF: Record<ProjectionKind, (keyof ProjectionSettings)[]> = {
  index: ["hashKey", "rangeKey", "attributes", "ttlDays"],
  aggregate: ["groupBy", "sums"],
};
/** What the table overrides may not change. */
const OWNED_TABLE_ARGS = ["name", "hashKey", "rangeKey", "attributes", "serverSideEncryption"] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;
const RESERVED = [GROUP_KEY, COUNT, EXPIRES_AT, SOURCE_SEQUENCE];

/** A projection spec as the stacks' config writes it (group-by entries may be plain attribute names), flattened. */
export function projectionSettings(spec: ProjectionSpec): ProjectionSettings {
  return spec.kind === "aggregate" ? { ...spec, groupBy: spec.groupBy?.map((entry) => (typeof entry === "string" ? { attribute: entry } : entry)) } : spec;
}

const groupByEntry = (entry: GroupByAttribute): GroupBy =>
  entry.period === undefined ? entry.attribute : { attribute: entry.attribute, period: entry.period };

/** Every problem with StreamProjection's arguments, and its settings with every default filled in. */
export function resolveStreamProjection(name: string, args: StreamProjectionArgs): { settings: ResolvedStreamProjection; problems: string[] } {
  const d = streamProjectionDefaults;
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  const logRetentionDays = resolveLogRetention(check, args.logRetentionDays);
  check.required("projection", args.projection, 'what to keep: {kind: "index", hashKey, …} or {kind: "aggregate", groupBy, …}');
  const spec = resolveProjection(check, args.projection ?? { kind: undefined as unknown as ProjectionKind });
  const table = args.table ?? {};
  check.knownKeys("table", args.table, TABLE);
  checkPhysicalName(check, "table.name", "aws:dynamodb/table:Table", table.name);
  check.boolean("table.deletionProtection", table.deletionProtection);
  const indexKeys = spec.kind === "index" ? tableKeys(spec.hashKey, spec.rangeKey) : [];
  check.attributeTypes("table.attributeTypes", table.attributeTypes, indexKeys);
  check.arn("table.kmsKeyArn", table.kmsKeyArn, ARN.kmsKey);
  check.arn("tableStreamArn", args.tableStreamArn, ARN.tableStream);
  check.arn("tableStreamKmsKeyArn", args.tableStreamKmsKeyArn, ARN.kmsKey);
  check.knownKeys("lastDeployment", args.lastDeployment, ["tableStreamArn"]);
  checkLiveChange(check, { ...TABLE_STREAM_SOURCE_CHANGE, from: args.lastDeployment?.tableStreamArn, to: args.tableStreamArn }, args.liveChangesAcknowledged);
  checkDerivedNames(check, "name", name, [
    ...(table.name === undefined ? [["aws:dynamodb/table:Table", `${name}-table`] as const] : []),
    ...(spec.kind === "aggregate" ? [["aws:dynamodb/table:Table", `${name}-ledger`] as const] : []),
    ...streamFunctionNames(`${name}-project`, `${name}-dead-letter`),
  ]);
  check.integer("ledgerTtlDays", args.ledgerTtlDays, 1, 365);
  check.integer("tableItemExpireAfterDays", args.tableItemExpireAfterDays, 1, 36_500);
  if (spec.kind !== "aggregate" && args.ledgerTtlDays !== undefined) check.fail('ledgerTtlDays is for kind "aggregate": an index keeps no ledger');
  const itemsExpire = args.tableItemExpireAfterDays;
  const ledgerTtlDays = args.ledgerTtlDays ?? Math.max(d.ledgerTtlDays, (itemsExpire ?? 0) + 1);
  if (spec.kind === "aggregate" && itemsExpire !== undefined && ledgerTtlDays <= itemsExpire) {
    check.fail(
      `ledgerTtlDays ${ledgerTtlDays} must outlast the table's items, which expire after ${itemsExpire} days (tableItemExpireAfterDays): a record delivered again after its ledger entry expired would be counted twice`,
    );
  }
  check.knownKeys("overrides", args.overrides, OVERRIDES);
  checkOverrides(check, "overrides.table", args.overrides?.table, {
    keys: OWNED_TABLE_ARGS,
    instead: "the projection decides its keys and encryption (set table.name for the name, table.kmsKeyArn for the key)",
  });
  const keyNames = spec.kind === "index" ? indexKeys : [GROUP_KEY];
  return {
    settings: {
      ...common,
      tableStreamArn: args.tableStreamArn,
      tableStreamKmsKeyArn: args.tableStreamKmsKeyArn,
      spec,
      table: {
        name: table.name,
        keys: keyNames.map((key) => ({ name: key, type: (spec.kind === "index" ? table.attributeTypes?.[key] : undefined) ?? d.table.attributeType })),
        kmsKeyArn: table.kmsKeyArn,
        deletionProtection: table.deletionProtection ?? d.table.deletionProtection,
        ttl: spec.kind === "index" && spec.ttlDays !== undefined,
      },
      ledger: spec.kind === "aggregate" ? { ttlDays: ledgerTtlDays, countedEntriesExpire: itemsExpire !== undefined } : undefined,
      project: resolveProject(check, args.project, logRetentionDays),
      overrides: args.overrides ?? {},
      archiveGaps: checkArchive(check, args.archive) && check.problems.length === 0 ? archiveGaps(spec, args.archive!) : [],
    },
    problems: check.problems,
  };
}

/** The project function's settings (`project`), over the component's log retention. */
export function resolveProject(check: SettingsCheck, given: StreamFunctionSettings | undefined, logRetentionDays: number): ResolvedStreamFunction {
  return resolveStreamFunction(check, "project", given, { batchSize: streamProjectionDefaults.project.batchSize, logRetentionDays });
}

/** Whether `archive` is given and has the shape of FirehoseArchive's settings; what does not is a problem. */
function checkArchive(check: SettingsCheck, archive: ProjectionArchiveSettings | undefined): boolean {
  if (!check.knownKeys("archive", archive, ARCHIVE)) return false;
  const before = check.problems.length;
  const isObject = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value);
  if (!isObject(archive!.schema)) check.fail("archive.schema must be the archive's JSON Schema, an object");
  if (!Array.isArray(archive!.columns) || !archive!.columns.every((c) => typeof c?.name === "string" && typeof c?.path === "string"))
    check.fail("archive.columns must be the archive's columns, a list of {name, path}");
  if (archive!.columnTypes !== undefined && (!isObject(archive!.columnTypes) || !Object.values(archive!.columnTypes).every((t) => typeof t === "string")))
    check.fail("archive.columnTypes must be an object of SQL types by column");
  if (archive!.schemaHistory !== undefined && !isSchemaHistory(archive!.schemaHistory))
    check.fail("archive.schemaHistory must be FirehoseArchive's schemaHistory output: a list of {version, columns, columnTypes}");
  return check.problems.length === before;
}

/** The projection, checked for its kind, as the spec the project function reads. */
function resolveProjection(check: SettingsCheck, given: ProjectionSettings): ProjectionSpec {
  check.knownKeys("projection", given, PROJECTION);
  check.oneOf("projection.kind", given.kind, Object.values(ProjectionKind));
  for (const [kind, fields] of Object.entries(FIELDS_OF)) {
    if (given.kind === kind) continue;
    for (const field of fields)
      if (given[field] !== undefined) check.fail(`projection.${field} is for kind "${kind}"; this projection is ${JSON.stringify(given.kind)}`);
  }
  if (given.kind === "aggregate") {
    if (!given.groupBy?.length) check.fail("projection.groupBy must name at least one attribute");
    check.each("projection.groupBy", given.groupBy, (entry, path) => {
      if (!check.knownKeys(path, entry, GROUP_BY)) return;
      check.oneOf(`${path}.period`, entry.period, Object.values(GroupByPeriod));
      if (typeof entry.attribute !== "string" || !entry.attribute) check.fail(`${path}.attribute is required`);
      else if (RESERVED.includes(groupByName(groupByEntry(entry))))
        check.fail(`${path} is named "${groupByName(groupByEntry(entry))}", which the aggregate item uses itself`);
    });
    const names = new Set<string>();
    check.each("projection.sums", given.sums, (sum, path) => {
      if (!check.knownKeys(path, sum, SUM)) return;
      if (!NAME.test(sum.name ?? "") || RESERVED.includes(sum.name))
        check.fail(`${path}.name must be an attribute name other than ${RESERVED.join(", ")}, got ${JSON.stringify(sum.name)}`);
      if (names.has(sum.name)) check.fail(`projection.sums has two sums named "${sum.name}"`);
      names.add(sum.name);
      if (!sum.attribute) check.fail(`${path}.attribute is required`);
    });
    const groupBy = Array.isArray(given.groupBy) ? given.groupBy.map((entry) => groupByEntry(entry ?? { attribute: "" })) : [];
    return { ...given, groupBy } as ProjectionSpec;
  }
  if (given.kind === "index") {
    if (!given.hashKey) check.fail("projection.hashKey is required for an index");
    if (given.rangeKey !== undefined && given.rangeKey === given.hashKey) check.fail("projection.rangeKey must differ from projection.hashKey");
    check.integer("projection.ttlDays", given.ttlDays, 1, 36_500);
    // The index item writes these itself, over the source item's attribute of that name.
    const own = indexItemOwn(given);
    for (const [path, name] of [
      ["projection.hashKey", given.hashKey],
      ["projection.rangeKey", given.rangeKey],
    ] as const)
      if (name !== undefined && own.includes(name)) check.fail(`${path} is "${name}", which the index item uses itself`);
    check.each("projection.attributes", given.attributes, (name, path) => {
      if (own.includes(name)) check.fail(`${path} is "${name}", which the index item uses itself`);
    });
  }
  return given as ProjectionSpec;
}
