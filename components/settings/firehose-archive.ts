import type * as pulumi from "@pulumi/pulumi";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { parseSqlType } from "../../functions/shared/sql-columns";
import { columnSqlTypes, compileSchema, FIXED_COLUMNS, type ArchiveColumn } from "../../functions/transform/core";
import { MYSQL_NAMES } from "../../functions/shared/mysql-names";
import { checkDerivedNames, checkPhysicalName, streamFunctionNames } from "../internal/names";
import { schemaColumnProblems } from "../internal/schema-columns";
import { isSchemaHistory, nextSchema, type ArchiveSchemaVersion } from "../internal/schema-history";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../internal/web-analytics";
import { ARN, keysOf, SettingsCheck, withDefaults, type Widened } from "./check";
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

/** How Firehose compresses the objects it writes. */
export const Compression = { Uncompressed: "UNCOMPRESSED", Gzip: "GZIP" } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

/** What a REMOVE event becomes in the archive: a delete marker row, or nothing. */
export const RemoveMode = { Marker: "marker", Skip: "skip" } as const;
export type RemoveMode = (typeof RemoveMode)[keyof typeof RemoveMode];

export interface DeliverySettings {
  /** Physical delivery stream name. Default: generated from the component name. */
  name?: string;
  /** MiB Firehose buffers before writing an object, 1–128. Default: 5 (the cross-account replication design). */
  bufferSizeMiB?: number;
  /** Seconds Firehose buffers before writing an object, 0–900. Default: 300 (the cross-account replication design). */
  bufferIntervalSeconds?: number;
  /** Default: "UNCOMPRESSED" (`LOAD DATA FROM S3` reads plain text). */
  compression?: Compression;
  /**
   * Also keep every source record, untransformed, under `source/`. Firehose cannot turn it off once
   * on: only a new delivery stream (a new `name`) starts without it. Default: false.
   */
  backupSourceRecords?: boolean;
}

/** Where S3 server access logs of the archive bucket go. */
export interface AccessLogSettings {
  /** The bucket receiving them, which must accept them. */
  bucket: pulumi.Input<string>;
  /** The key prefix they are written under. */
  prefix: string;
}

export interface ArchiveBucketSettings {
  /** Customer-managed KMS key for SSE-KMS. Default: SSE-S3. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Days a replaced or deleted object version is kept. Default: 30. */
  noncurrentVersionExpireDays?: number;
  /** Days records under `failed/` are kept. Default: 90. */
  failedDataExpireDays?: number;
  /** Days after which records under `failed/` move to Glacier Flexible Retrieval. Default: never. */
  failedDataGlacierAfterDays?: number;
  /** Server access logs to this bucket (which must accept them), under `<prefix>`. Default: none. */
  accessLog?: AccessLogSettings;
  /** Let `pulumi destroy` delete the bucket with its objects. Default: false. */
  forceDestroy?: boolean;
}

export interface ForwardSettings extends StreamFunctionSettings {
  /** PutRecordBatch calls per batch of records before what still fails is retried by Lambda, 1–20. Default: 6. */
  sendMaxAttempts?: number;
}

export interface TransformSettings {
  /** Default: 256. */
  memorySize?: number;
  /** Default: 60. */
  timeoutSeconds?: number;
  /** Days the transform's logs are kept. Default: the component's `logRetentionDays` (30). */
  logRetentionDays?: number;
}

export interface FirehoseArchiveArgs extends CommonArgs, LiveChangeArgs {
  /** The dedup table's stream (DedupTable's `tableStreamArn`). */
  tableStreamArn: pulumi.Input<string>;
  /** The dedup table's customer-managed key (DedupTable's `table.kmsKeyArn`), when it has one: the forward function may decrypt its stream with it. Default: none. */
  tableKmsKeyArn?: pulumi.Input<string>;
  /** The table's key attributes, hash key first: the dedup key joins their values. Default: the dedup table's. */
  keyAttributes?: string[];
  /** JSON Schema (draft-07, formats allowed) every archived item must match. Default: WEB_ANALYTICS_SCHEMA (the DynamoDB-to-Aurora design). */
  // `any` is what Pulumi's schema calls Any: another language passes a JSON object here.
  schema?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** CSV columns after `dedup_key`, `change`, `changed_at`, `stream_sequence`. Default: WEB_ANALYTICS_COLUMNS. */
  columns?: ArchiveColumn[];
  /**
   * The SQL type each column loads into (AuroraLoader's `columnTypes`): TEXT, MEDIUMTEXT,
   * VARCHAR(n), TINYINT, SMALLINT, INT, BIGINT, DECIMAL(p,s), DOUBLE, BOOLEAN, DATE,
   * DATETIME(fsp), JSON. The schema must keep every value within its column's type (checked at
   * preview, naming the column), and the transform refuses a record whose value would not fit.
   * Default: WEB_ANALYTICS_COLUMN_TYPES with the default columns, else TEXT for every column.
   */
  columnTypes?: Record<string, string>;
  /**
   * The schema versions deployed so far, oldest first: this component's `schemaHistory` output
   * from the last deployment (the stacks read it back from their own outputs). The columns and
   * their types are compared with the newest: the same, and objects keep its version; columns added
   * at the end, or a VARCHAR made longer where MySQL does it in place, and they are the next
   * version (its number goes into the objects' keys, `processed/v<n>/…`, and the loader adds the
   * columns to its table); anything else (a column removed, renamed or moved, a type that would
   * lose data or make MySQL copy the table) fails at preview, naming the column. Default: none, a
   * first deployment: the columns are version 1.
   */
  schemaHistory?: ArchiveSchemaVersion[];
  /** What REMOVE events become: a delete marker row, or nothing. Default: "marker". */
  removeMode?: RemoveMode;
  delivery?: DeliverySettings;
  bucket?: ArchiveBucketSettings;
  /** The forward function, its mapping and its dead-letter bucket. */
  forward?: ForwardSettings;
  transform?: TransformSettings;
  /** Days Firehose's logs are kept, and the functions' unless `forward.logRetentionDays` or `transform.logRetentionDays` say otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Alarms on both functions, the mapping, delivery freshness and failed transformations. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /**
   * This component's `deployment` output from the last deployment: preview refuses moving its
   * mapping to another stream, and turning source-record backup off. Default: none, a first deployment.
   */
  lastDeployment?: FirehoseArchiveDeployment;
}

/** What FirehoseArchive deployed that a later deployment must agree with: its `deployment` output, given back as `lastDeployment`. */
export interface FirehoseArchiveDeployment extends TableStreamDeployment {
  /** Whether the delivery stream backs up source records, which Firehose cannot turn off once on. */
  backupSourceRecords?: boolean;
  /** The delivery stream's name: a new one is a new stream, which may start without backup. */
  deliveryStreamName?: string;
}

/** FirehoseArchive's defaults, in the shape of its arguments. */
export const firehoseArchiveDefaults = {
  ...commonDefaults,
  keyAttributes: [HASH_KEY, RANGE_KEY],
  schema: WEB_ANALYTICS_SCHEMA,
  columns: WEB_ANALYTICS_COLUMNS,
  /** With the default columns; other columns are TEXT unless typed. */
  columnTypes: WEB_ANALYTICS_COLUMN_TYPES,
  removeMode: "marker",
  delivery: { bufferSizeMiB: 5, bufferIntervalSeconds: 300, compression: "UNCOMPRESSED", backupSourceRecords: false },
  bucket: { noncurrentVersionExpireDays: 30, failedDataExpireDays: 90, forceDestroy: false },
  forward: { ...streamFunctionDefaults, batchSize: 100, sendMaxAttempts: 6 },
  transform: { memorySize: 256, timeoutSeconds: 60 },
} as const;

export interface ResolvedFirehoseArchive extends ResolvedCommon {
  tableStreamArn: pulumi.Input<string>;
  tableKmsKeyArn?: pulumi.Input<string>;
  keyAttributes: string[];
  schema: object;
  columns: ArchiveColumn[];
  columnTypes: Record<string, string>;
  /** The version objects are written with, and every version so far, this one last. */
  schemaVersion: number;
  schemaHistory: ArchiveSchemaVersion[];
  removeMode: RemoveMode;
  delivery: Widened<typeof firehoseArchiveDefaults.delivery> & { name?: string; compression: Compression };
  bucket: Widened<typeof firehoseArchiveDefaults.bucket> & Pick<ArchiveBucketSettings, "kmsKeyArn" | "failedDataGlacierAfterDays" | "accessLog">;
  forward: ResolvedStreamFunction & { sendMaxAttempts: number };
  transform: Widened<typeof firehoseArchiveDefaults.transform> & { logRetentionDays: number };
  logRetentionDays: number;
}

const ARGS = keysOf<FirehoseArchiveArgs>()(
  ...COMMON_KEYS,
  "tableStreamArn",
  "tableKmsKeyArn",
  "keyAttributes",
  "schema",
  "columns",
  "columnTypes",
  "schemaHistory",
  "removeMode",
  "delivery",
  "bucket",
  "forward",
  "transform",
  "logRetentionDays",
  "monitoring",
  "lastDeployment",
  "liveChangesAcknowledged",
);
const DELIVERY = keysOf<DeliverySettings>()("name", "bufferSizeMiB", "bufferIntervalSeconds", "compression", "backupSourceRecords");
const BUCKET = keysOf<ArchiveBucketSettings>()(
  "kmsKeyArn",
  "noncurrentVersionExpireDays",
  "failedDataExpireDays",
  "failedDataGlacierAfterDays",
  "accessLog",
  "forceDestroy",
);
const ACCESS_LOG = keysOf<AccessLogSettings>()("bucket", "prefix");
const TRANSFORM = keysOf<TransformSettings>()("memorySize", "timeoutSeconds", "logRetentionDays");
const COLUMN = keysOf<ArchiveColumn>()("name", "path");

/** Lambda's limit on a function's environment is 4 KB, and the schema and columns travel in it. */
const SCHEMA_AND_COLUMNS_MAX_BYTES = 3_500;

/** Every problem with FirehoseArchive's arguments, and its settings with every default filled in. */
export function resolveFirehoseArchive(name: string, args: FirehoseArchiveArgs): { settings: ResolvedFirehoseArchive; problems: string[] } {
  const d = firehoseArchiveDefaults;
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  const logRetentionDays = resolveLogRetention(check, args.logRetentionDays);
  check.required("tableStreamArn", args.tableStreamArn, "the dedup table's stream (DedupTable's tableStreamArn)");
  check.arn("tableStreamArn", args.tableStreamArn, ARN.tableStream);
  check.arn("tableKmsKeyArn", args.tableKmsKeyArn, ARN.kmsKey);
  check.knownKeys("lastDeployment", args.lastDeployment, keysOf<FirehoseArchiveDeployment>()("tableStreamArn", "backupSourceRecords", "deliveryStreamName"));
  checkLiveChange(check, { ...TABLE_STREAM_SOURCE_CHANGE, from: args.lastDeployment?.tableStreamArn, to: args.tableStreamArn }, args.liveChangesAcknowledged);
  if (
    args.keyAttributes !== undefined &&
    !(Array.isArray(args.keyAttributes) && args.keyAttributes.length > 0 && args.keyAttributes.every((k) => typeof k === "string" && k !== ""))
  ) {
    check.fail("keyAttributes must name the table's key attributes, hash key first");
  }
  check.oneOf("removeMode", args.removeMode, Object.values(RemoveMode));
  const archive = resolveSchema(check, args);
  const delivery = resolveDelivery(check, args.delivery);
  checkBackupKept(check, delivery, args.lastDeployment);
  checkDerivedNames(check, "name", name, [
    ["aws:s3/bucket:Bucket", `${name}-bucket`],
    ["aws:lambda/function:Function", `${name}-transform-function`],
    ["aws:iam/role:Role", `${name}-transform-role`],
    ["aws:iam/role:Role", `${name}-firehose-role`],
    ...streamFunctionNames(`${name}-forward`, `${name}-forward-dead-letter`),
    ...(delivery.name === undefined ? [["aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${name}-delivery`] as const] : []),
  ]);
  return {
    settings: {
      ...common,
      tableStreamArn: args.tableStreamArn,
      tableKmsKeyArn: args.tableKmsKeyArn,
      keyAttributes: args.keyAttributes ?? [...d.keyAttributes],
      ...archive,
      removeMode: args.removeMode ?? d.removeMode,
      delivery,
      bucket: resolveBucket(check, args.bucket),
      forward: resolveForward(check, args.forward, logRetentionDays),
      transform: resolveTransform(check, args.transform, logRetentionDays),
      logRetentionDays,
    },
    problems: check.problems,
  };
}

/**
 * "You cannot disable source record backup after you enable it": on the same delivery stream the
 * update would fail. A new delivery stream (another `delivery.name`) starts without it; Firehose
 * deletes the old one with "its data", so the runbook pauses the forward function first.
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-source-record-backup.html
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_DeleteDeliveryStream.html
 */
function checkBackupKept(check: SettingsCheck, delivery: ResolvedFirehoseArchive["delivery"], last: FirehoseArchiveDeployment | undefined): void {
  if (last?.backupSourceRecords !== true || delivery.backupSourceRecords) return;
  if (delivery.name !== undefined && last.deliveryStreamName !== undefined && delivery.name !== last.deliveryStreamName) return;
  check.fail(
    "delivery.backupSourceRecords changes from true to false on the same delivery stream: Firehose cannot turn source-record backup off once it is on, so the update would fail. " +
      "Keep it true, or move to a new delivery stream without it: docs/change-over-time.md#turning-source-record-backup-off",
  );
}

/** The schema, columns and column types, checked against each other and against the versions deployed so far. */
function resolveSchema(
  check: SettingsCheck,
  args: FirehoseArchiveArgs,
): Pick<ResolvedFirehoseArchive, "schema" | "columns" | "columnTypes" | "schemaVersion" | "schemaHistory"> {
  const d = firehoseArchiveDefaults;
  const schema = args.schema ?? d.schema;
  const columns = args.columns ?? d.columns;
  const columnTypes = args.columnTypes ?? (args.columns ? {} : d.columnTypes);
  const problemsBefore = check.problems.length;
  try {
    compileSchema(schema);
  } catch (error) {
    check.fail(`schema is not a valid JSON Schema: ${(error as Error).message}`);
  }
  let wellFormed = true;
  const names = new Set<string>(FIXED_COLUMNS);
  check.each("columns", args.columns, (column, path) => {
    if (!check.knownKeys(path, column, COLUMN)) return void (wellFormed = false);
    if (typeof column.name !== "string" || !MYSQL_NAMES.identifier.pattern.test(column.name))
      check.fail(`${path}.name must be ${MYSQL_NAMES.identifier.rule}, got ${JSON.stringify(column.name)}`);
    else if (names.has(column.name)) check.fail(`${path}.name "${column.name}" is used twice (${FIXED_COLUMNS.join(", ")} come first in every row)`);
    names.add(column.name);
    if (typeof column.path !== "string" || column.path.split(".").some((step) => step === ""))
      check.fail(`${path}.path must be a dotted path such as "device.location.country", got ${JSON.stringify(column.path)}`);
  });
  if (args.columns !== undefined && !Array.isArray(args.columns)) wellFormed = false;
  if (check.knownKeys("columnTypes", args.columnTypes, Object.keys(args.columnTypes ?? {}))) {
    for (const [column, type] of Object.entries(columnTypes)) {
      if (Array.isArray(columns) && !columns.some((c) => c?.name === column)) check.fail(`columnTypes names "${column}", which is not one of the columns`);
      const parsed = typeof type === "string" ? parseSqlType(type) : `${JSON.stringify(type)} is not a SQL type such as "INT"`;
      if (typeof parsed === "string") check.fail(`columnTypes: column ${column}: ${parsed}`);
    }
  } else if (args.columnTypes !== undefined) wellFormed = false;
  if (args.schemaHistory !== undefined && !isSchemaHistory(args.schemaHistory)) {
    check.fail("schemaHistory must be this component's schemaHistory output from the last deployment: a list of {version, columns, columnTypes}");
    wellFormed = false;
  }
  // The checks across schema, columns and types need each well formed: a malformed one is named above.
  if (wellFormed && check.problems.length === problemsBefore) {
    for (const problem of schemaColumnProblems(schema, columns, columnSqlTypes(columns, columnTypes))) check.fail(problem);
    const versions = nextSchema(
      args.schemaHistory,
      columns.map((c) => c.name),
      columnTypes,
    );
    for (const problem of versions.problems) check.fail(`against the deployed schema version ${versions.version}: ${problem}`);
    const size = Buffer.byteLength(JSON.stringify(schema)) + Buffer.byteLength(JSON.stringify(columns)) + Buffer.byteLength(JSON.stringify(columnTypes));
    if (size > SCHEMA_AND_COLUMNS_MAX_BYTES)
      check.fail(`schema, columns and column types take ${size} bytes as JSON; the transform's environment holds at most ${SCHEMA_AND_COLUMNS_MAX_BYTES}`);
    return { schema, columns: [...columns], columnTypes: { ...columnTypes }, schemaVersion: versions.version, schemaHistory: versions.history };
  }
  return { schema, columns: [], columnTypes: {}, schemaVersion: 1, schemaHistory: [] };
}

/** The forward function's settings (`forward`), over the component's log retention. */
export function resolveForward(check: SettingsCheck, given: ForwardSettings | undefined, logRetentionDays: number): ResolvedFirehoseArchive["forward"] {
  const d = firehoseArchiveDefaults.forward;
  const forward = resolveStreamFunction(check, "forward", given, { batchSize: d.batchSize, logRetentionDays, ownKeys: ["sendMaxAttempts"] });
  check.integer("forward.sendMaxAttempts", given?.sendMaxAttempts, 1, 20);
  return { ...forward, sendMaxAttempts: given?.sendMaxAttempts ?? d.sendMaxAttempts };
}

/** The transform's settings (`transform`), over the component's log retention. */
export function resolveTransform(check: SettingsCheck, given: TransformSettings | undefined, logRetentionDays: number): ResolvedFirehoseArchive["transform"] {
  check.knownKeys("transform", given, TRANSFORM);
  check.integer("transform.memorySize", given?.memorySize, 128, 10_240);
  check.integer("transform.timeoutSeconds", given?.timeoutSeconds, 60, 300);
  check.logRetention("transform.logRetentionDays", given?.logRetentionDays);
  return { ...withDefaults(firehoseArchiveDefaults.transform, given), logRetentionDays: given?.logRetentionDays ?? logRetentionDays };
}

/** The delivery stream's settings (`delivery`), checked, with every default filled in. */
export function resolveDelivery(check: SettingsCheck, given: DeliverySettings | undefined): ResolvedFirehoseArchive["delivery"] {
  check.knownKeys("delivery", given, DELIVERY);
  checkPhysicalName(check, "delivery.name", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", given?.name);
  check.oneOf("delivery.compression", given?.compression, Object.values(Compression));
  check.integer("delivery.bufferSizeMiB", given?.bufferSizeMiB, 1, 128);
  check.integer("delivery.bufferIntervalSeconds", given?.bufferIntervalSeconds, 0, 900);
  check.boolean("delivery.backupSourceRecords", given?.backupSourceRecords);
  const delivery = withDefaults(firehoseArchiveDefaults.delivery, given);
  return { ...delivery, compression: delivery.compression as Compression, name: given?.name };
}

function resolveBucket(check: SettingsCheck, given: ArchiveBucketSettings | undefined): ResolvedFirehoseArchive["bucket"] {
  check.knownKeys("bucket", given, BUCKET);
  check.arn("bucket.kmsKeyArn", given?.kmsKeyArn, ARN.kmsKey);
  check.integer("bucket.noncurrentVersionExpireDays", given?.noncurrentVersionExpireDays, 1, 36_500);
  check.integer("bucket.failedDataExpireDays", given?.failedDataExpireDays, 1, 36_500);
  check.integer("bucket.failedDataGlacierAfterDays", given?.failedDataGlacierAfterDays, 1, 36_500);
  check.boolean("bucket.forceDestroy", given?.forceDestroy);
  if (check.knownKeys("bucket.accessLog", given?.accessLog, ACCESS_LOG)) {
    check.required("bucket.accessLog.bucket", given!.accessLog!.bucket, "the bucket that receives the access logs");
    check.required("bucket.accessLog.prefix", given!.accessLog!.prefix, "the key prefix the logs are written under");
  }
  const bucket = withDefaults(firehoseArchiveDefaults.bucket, given);
  const glacier = given?.failedDataGlacierAfterDays;
  if (glacier !== undefined && glacier >= bucket.failedDataExpireDays)
    check.fail("bucket.failedDataGlacierAfterDays must be before bucket.failedDataExpireDays");
  return { ...bucket, kmsKeyArn: given?.kmsKeyArn, failedDataGlacierAfterDays: glacier, accessLog: given?.accessLog };
}
