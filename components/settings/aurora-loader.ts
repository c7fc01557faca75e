import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { loadEnvironment } from "../../functions/load/environment";
import { type DatabaseEnvironment } from "../../functions/shared/db-auth";
import { MYSQL_NAMES } from "../../functions/shared/mysql-names";
import { parseSqlType } from "../../functions/shared/sql-columns";
import { FIXED_COLUMNS } from "../../functions/transform/core";
import { defaultLoaderConcurrency, isServerlessCapacity, safeLoaderConcurrency } from "../internal/aurora-connections";
import { PROCESSED_PREFIX } from "../internal/archive-layout";
import {
  AURORA_MYSQL_AUTO_PAUSE_SINCE,
  AURORA_MYSQL_DATA_API_SINCE,
  AURORA_MYSQL_S3_CUSTOMER_KEY_SINCE,
  DATABASE_NAME,
  MYSQL_SYSTEM_SCHEMAS,
  RDS_PREDEFINED_ACCOUNTS,
} from "../internal/aws-rules";
import { isMysqlReservedWord } from "../internal/mysql-reserved-words";
import { checkDerivedNames } from "../internal/names";
import { checkOverrides } from "../internal/overrides";
import { isSchemaHistory, type ArchiveSchemaVersion } from "../internal/schema-history";
import { ARN, keysOf, SettingsCheck, withDefaults, type Widened } from "./check";
import { COMMON_KEYS, commonDefaults, resolveCommon, resolveLogRetention, type CommonArgs, type MonitoringArgs, type ResolvedCommon } from "./shared";

/** How the loader gets an object's rows into MySQL: Aurora reads S3 itself, or the function streams them. */
export const LoadMode = { S3: "s3", Streamed: "streamed" } as const;
export type LoadMode = (typeof LoadMode)[keyof typeof LoadMode];

export interface LoaderNetworkArgs {
  /** An existing VPC. */
  vpcId: pulumi.Input<string>;
  /** Its private subnets, in at least two availability zones, for the cluster and the loader. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Add the S3 gateway endpoint (on every route table of the VPC) and a Secrets Manager interface
   * endpoint with private DNS. Leave it off when the network already has either: AWS refuses a
   * second S3 endpoint route in a route table and a second Secrets Manager endpoint with private
   * DNS in a VPC. Off, the network must reach S3 and Secrets Manager itself (its own endpoints or
   * a NAT gateway). Default: false.
   */
  createEndpoints?: boolean;
}

export interface DatabaseSettings {
  /**
   * The database RDS creates in the cluster: a letter, then up to 63 letters, digits or "_"; not a
   * word MySQL reserves, nor one of its own schemas. Default: "clickstream".
   */
  name?: string;
  /** Default: "web_analytics". */
  table?: string;
  /** Default: "loaded_objects". */
  manifestTable?: string;
  /** Rows the database refused, with its message (see docs/components.md, "Rows the database refuses"). Default: "rejected_rows". */
  rejectsTable?: string;
  /**
   * Aurora MySQL 3 version, such as "8.0.mysql_aurora.3.08.2": at least 3.07 with `dataApi`, 3.08
   * with `minCapacity` 0. AWS upgrades minor versions in maintenance windows; set the new one here
   * then. Default: "8.0.mysql_aurora.3.08.2".
   */
  engineVersion?: string;
  /**
   * The loader and its setup function connect with TLS, verified against the RDS certificate
   * authorities mysql2 ships (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html).
   * Turn it off only for a MySQL without a certificate, such as the local run's MariaDB. Default: true.
   */
  tls?: boolean;
  /** Serverless v2 capacity in ACUs, 0–256 (0 pauses when idle, from Aurora MySQL 3.08). Default: 0.5. */
  minCapacity?: number;
  /** Default: 4. */
  maxCapacity?: number;
  /** Instance class. Default: "db.serverless" (Serverless v2). */
  instanceClass?: string;
  /** Days of automated backups, 1–35. Default: 7. */
  backupRetentionDays?: number;
  /** Default: false. */
  deletionProtection?: boolean;
  /** Take a final snapshot, named uniquely per cluster, when the cluster is deleted. Default: false. */
  finalSnapshot?: boolean;
  /** Customer-managed KMS key for storage encryption. Default: the AWS-managed key. */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * The RDS Data API: SQL over HTTPS for any principal allowed `rds-data:ExecuteStatement` and
   * the master secret, as the master user. Needs Aurora MySQL 3.07 or newer. Default: false.
   */
  dataApi?: boolean;
  /**
   * The loader's own database user (IAM database authentication, no password); not an account the
   * cluster already has (the master user, RDS's own). Default: "clickstream_loader".
   */
  loaderUser?: string;
}

export interface LoaderSettings {
  /** Default: 512. */
  memorySize?: number;
  /** Default: 300. */
  timeoutSeconds?: number;
  /** Asynchronous retries of a failed event, 0–2. Default: 2. */
  maximumRetryAttempts?: number;
  /** Oldest event Lambda still retries, 60–21600 s. Default: 21600. */
  maximumEventAgeInSeconds?: number;
  /** Days an event the loader could not load is kept in the failed-events queue, 1–14 (SQS's limit). Default: 14. */
  deadLetterExpireAfterDays?: number;
  /** Days the loader's and its setup function's logs are kept. Default: the component's `logRetentionDays` (30). */
  logRetentionDays?: number;
  /**
   * Loader invocations that may run at once (its reserved concurrency), each holding one connection:
   * at most half the cluster's connections at its maximum capacity. The reservation comes out of the
   * account's Lambda concurrency, which must keep 100 unreserved. Default: that half, at most 100 (a
   * tenth of Lambda's default account concurrency of 1,000).
   */
  maximumConcurrency?: number;
}

/** Provider arguments for AuroraLoader's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface AuroraLoaderOverrides {
  /**
   * The cluster (aws.rds.Cluster), except what the loader and its network depend on: its engine,
   * database, users and authentication, network, parameter group and S3 role.
   */
  cluster?: Partial<aws.rds.ClusterArgs>;
}

/** What AuroraLoader deployed that the next deployment must agree with: its `deployment` output, given back as `lastDeployment`. */
export interface AuroraLoaderDeployment {
  /** The engine version the cluster runs, which AWS may have raised since (a forced minor upgrade). */
  engineVersion?: string;
}

export interface AuroraLoaderArgs extends CommonArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: AuroraLoaderOverrides;
  /** The archive bucket (FirehoseArchive's `bucketName`). */
  archiveBucketName: pulumi.Input<string>;
  /** The archive bucket's ARN (FirehoseArchive's `bucketArn`). */
  archiveBucketArn: pulumi.Input<string>;
  /** The bucket's customer-managed key, when it has one: the S3 role and the loader may decrypt with it. Default: none. */
  archiveKmsKeyArn?: pulumi.Input<string>;
  /** The CSV's columns in file order (FirehoseArchive's `csvColumns`); the first is the dedup key. */
  columns: string[];
  /** SQL types by column, from a fixed list (INT, BIGINT, DECIMAL(p,s), DATETIME, VARCHAR(n), …): FirehoseArchive's `columnTypes`, which its transform checks every value against. Default: TEXT. */
  columnTypes?: Record<string, string>;
  /**
   * The archive's schema versions (FirehoseArchive's `schemaHistory`), newest last, whose columns
   * are `columns`: the loader reads each object with the columns of the version in its key, and
   * adds a new version's columns to its table. Default: one version, `columns`.
   */
  schemaHistory?: ArchiveSchemaVersion[];
  /**
   * `s3`: Aurora reads each object itself (LOAD DATA FROM S3). `streamed`: the loader reads it from S3
   * and streams it to the database (LOAD DATA LOCAL INFILE), which works on any MySQL. Default: "s3".
   */
  loadMode?: LoadMode;
  /** An existing network. Default: a new VPC, private subnets in two zones, no NAT gateway. */
  network?: LoaderNetworkArgs;
  database?: DatabaseSettings;
  /** The load function: its size, its retries and its failed-events queue. Defaults: see each field. */
  load?: LoaderSettings;
  /** Days the cluster's exported logs and the functions' are kept, unless `load.logRetentionDays` says otherwise for the functions. Default: 30. */
  logRetentionDays?: number;
  /** Alarms on the loader's errors and throttles and on events it could not load. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /** This component's `deployment` output from the last deployment: preview compares the running engine version with `database.engineVersion`. Default: none, a first deployment. */
  lastDeployment?: AuroraLoaderDeployment;
}

/** The cluster's master user, for the deploy-time setup only: 1–16 letters or digits (MASTER_USERNAME in aws-rules.ts; the unit test checks it). */
export const MASTER_USER = "clickstreamadmin";

/** AuroraLoader's defaults, in the shape of its arguments. */
export const auroraLoaderDefaults = {
  ...commonDefaults,
  loadMode: "s3",
  database: {
    name: "clickstream",
    table: "web_analytics",
    manifestTable: "loaded_objects",
    rejectsTable: "rejected_rows",
    engineVersion: "8.0.mysql_aurora.3.08.2",
    tls: true,
    minCapacity: 0.5,
    maxCapacity: 4,
    instanceClass: "db.serverless",
    backupRetentionDays: 7,
    deletionProtection: false,
    finalSnapshot: false,
    dataApi: false,
    loaderUser: "clickstream_loader",
  },
  load: { memorySize: 512, timeoutSeconds: 300, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600, deadLetterExpireAfterDays: 14 },
  /** The setup function that creates the loader's database user at deploy time. */
  dbSetup: { memorySize: 256, timeoutSeconds: 120 },
} as const;

export interface ResolvedAuroraLoader extends ResolvedCommon {
  archive: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; kmsKeyArn?: pulumi.Input<string> };
  columns: string[];
  columnTypes: Record<string, string>;
  /** Each schema version's column count, oldest first. */
  versionColumns: number[];
  mode: LoadMode;
  /** A new VPC when unset. */
  network?: Omit<LoaderNetworkArgs, "createEndpoints">;
  /** Whether the component adds the S3 and Secrets Manager endpoints (always with a new VPC). */
  createEndpoints: boolean;
  database: Widened<typeof auroraLoaderDefaults.database> & { kmsKeyArn?: pulumi.Input<string> };
  load: Widened<typeof auroraLoaderDefaults.load> & { logRetentionDays: number; maximumConcurrency: number };
  dbSetup: Widened<typeof auroraLoaderDefaults.dbSetup> & { logRetentionDays: number };
  /** Days the cluster's exported logs are kept. */
  logRetentionDays: number;
  overrides: AuroraLoaderOverrides;
}

const ARGS = keysOf<AuroraLoaderArgs>()(
  ...COMMON_KEYS,
  "overrides",
  "archiveBucketName",
  "archiveBucketArn",
  "archiveKmsKeyArn",
  "columns",
  "columnTypes",
  "schemaHistory",
  "loadMode",
  "network",
  "database",
  "load",
  "logRetentionDays",
  "monitoring",
  "lastDeployment",
);
const DEPLOYMENT = keysOf<AuroraLoaderDeployment>()("engineVersion");
const NETWORK = keysOf<LoaderNetworkArgs>()("vpcId", "subnetIds", "createEndpoints");
const DATABASE = keysOf<DatabaseSettings>()(
  "name",
  "table",
  "manifestTable",
  "rejectsTable",
  "engineVersion",
  "tls",
  "minCapacity",
  "maxCapacity",
  "instanceClass",
  "backupRetentionDays",
  "deletionProtection",
  "finalSnapshot",
  "kmsKeyArn",
  "dataApi",
  "loaderUser",
);
const LOAD = keysOf<LoaderSettings>()(
  "memorySize",
  "timeoutSeconds",
  "maximumRetryAttempts",
  "maximumEventAgeInSeconds",
  "deadLetterExpireAfterDays",
  "logRetentionDays",
  "maximumConcurrency",
);
const OVERRIDES = keysOf<AuroraLoaderOverrides>()("cluster");

/** What the cluster overrides may not change. */
const OWNED_CLUSTER_ARGS = [
  "engine",
  "engineMode",
  "databaseName",
  "masterUsername",
  "masterPassword",
  "manageMasterUserPassword",
  "iamDatabaseAuthenticationEnabled",
  "dbSubnetGroupName",
  "vpcSecurityGroupIds",
  "dbClusterParameterGroupName",
  "iamRoles",
  "port",
  "storageEncrypted",
  "kmsKeyId",
  // Checked against each other at preview, or kept as the component keeps them (its version, the audit log, the master secret's key):
  "engineVersion",
  "serverlessv2ScalingConfiguration",
  "enableHttpEndpoint",
  "masterUserSecretKmsKeyId",
  "autoMinorVersionUpgrade",
  "enabledCloudwatchLogsExports",
] as const;

const ENGINE_VERSION = /^8\.0\.mysql_aurora\.(\d+)\.(\d+)\.(\d+)$/;

/** Every problem with AuroraLoader's arguments, and its settings with every default filled in. */
export function resolveAuroraLoader(name: string, args: AuroraLoaderArgs): { settings: ResolvedAuroraLoader; problems: string[] } {
  const d = auroraLoaderDefaults;
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  // RDS takes no tag key or value starting with "rds:" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html).
  for (const [key, value] of Object.entries(common.tags)) {
    if (key.startsWith("rds:") || (typeof value === "string" && value.startsWith("rds:")))
      check.fail(`tags.${key}: RDS takes no tag key or value starting with "rds:", and the cluster carries these tags`);
  }
  const logRetentionDays = resolveLogRetention(check, args.logRetentionDays);
  checkDerivedNames(check, "name", name, [
    ["aws:rds/cluster:Cluster", `${name}-cluster`],
    ["aws:lambda/function:Function", `${name}-load-function`],
    ["aws:iam/role:Role", `${name}-load-role`],
    ["aws:lambda/function:Function", `${name}-db-setup-function`],
    ["aws:iam/role:Role", `${name}-db-setup-role`],
    ["aws:iam/role:Role", `${name}-s3-role`],
    ["aws:sqs/queue:Queue", `${name}-failed-events`],
  ]);
  check.required("archiveBucketName", args.archiveBucketName, "the archive bucket (FirehoseArchive's bucketName)");
  check.required("archiveBucketArn", args.archiveBucketArn, "the archive bucket's ARN (FirehoseArchive's bucketArn)");
  check.arn("archiveBucketArn", args.archiveBucketArn, ARN.bucket);
  check.arn("archiveKmsKeyArn", args.archiveKmsKeyArn, ARN.kmsKey);
  const columns = resolveColumns(check, args);
  check.oneOf("loadMode", args.loadMode, Object.values(LoadMode));
  if (check.knownKeys("network", args.network, NETWORK)) {
    check.required("network.vpcId", args.network!.vpcId, "the VPC the cluster and the loader run in");
    check.required("network.subnetIds", args.network!.subnetIds, "its private subnets, in at least two availability zones");
    check.boolean("network.createEndpoints", args.network!.createEndpoints);
  }
  const database = resolveDatabase(check, args.database);
  const mode = args.loadMode ?? d.loadMode;
  const version = database.engineVersion;
  if (
    args.archiveKmsKeyArn !== undefined &&
    mode === LoadMode.S3 &&
    ENGINE_VERSION.test(version) &&
    !engineAtLeast(version, AURORA_MYSQL_S3_CUSTOMER_KEY_SINCE)
  ) {
    check.fail(
      `archiveKmsKeyArn with loadMode "s3" needs Aurora MySQL ${AURORA_MYSQL_S3_CUSTOMER_KEY_SINCE} or newer (older versions cannot LOAD DATA FROM S3 an object encrypted with a customer-managed key), but database.engineVersion is "${version}": raise it, or set loadMode "streamed"`,
    );
  }
  check.knownKeys("lastDeployment", args.lastDeployment, DEPLOYMENT);
  checkRunningVersion(check, database.engineVersion, args.lastDeployment?.engineVersion);
  const load = resolveLoad(check, args.load, { logRetentionDays, database });
  check.knownKeys("overrides", args.overrides, OVERRIDES);
  checkOverrides(check, "overrides.cluster", args.overrides?.cluster, {
    keys: OWNED_CLUSTER_ARGS,
    instead:
      "the loader, its network, the data's encryption and the checks on the engine depend on it (set database.engineVersion, minCapacity, maxCapacity, dataApi, kmsKeyArn instead)",
  });
  const { createEndpoints, ...network } = args.network ?? { createEndpoints: true };
  return {
    settings: {
      ...common,
      archive: { bucketName: args.archiveBucketName, bucketArn: args.archiveBucketArn, kmsKeyArn: args.archiveKmsKeyArn },
      ...columns,
      mode,
      network: args.network && (network as ResolvedAuroraLoader["network"]),
      createEndpoints: createEndpoints ?? false,
      database,
      load,
      dbSetup: { ...d.dbSetup, logRetentionDays: load.logRetentionDays },
      logRetentionDays,
      overrides: args.overrides ?? {},
    },
    problems: check.problems,
  };
}

/** The columns, their types and the schema versions, which must be FirehoseArchive's. */
function resolveColumns(check: SettingsCheck, args: AuroraLoaderArgs): Pick<ResolvedAuroraLoader, "columns" | "columnTypes" | "versionColumns"> {
  const columns = Array.isArray(args.columns) && args.columns.every((c) => typeof c === "string") ? args.columns : [];
  if (columns.length === 0) check.fail("columns must list the CSV's columns (FirehoseArchive's csvColumns)");
  if (check.knownKeys("columnTypes", args.columnTypes, Object.keys(args.columnTypes ?? {}))) {
    for (const [column, type] of Object.entries(args.columnTypes!)) {
      if (!columns.includes(column)) check.fail(`columnTypes names "${column}", which is not a column`);
      const parsed = typeof type === "string" ? parseSqlType(type) : `${JSON.stringify(type)} is not a SQL type`;
      if (typeof parsed === "string") check.fail(`columnTypes.${column}: ${parsed}`);
    }
  }
  const history = args.schemaHistory ?? [];
  if (!isSchemaHistory(history)) {
    check.fail("schemaHistory must be FirehoseArchive's schemaHistory: a list of {version, columns, columnTypes}");
    return { columns, columnTypes: {}, versionColumns: [columns.length] };
  }
  const newest = history[history.length - 1];
  if (newest && JSON.stringify([...FIXED_COLUMNS, ...newest.columns]) !== JSON.stringify(columns)) {
    check.fail(
      `schemaHistory's newest version (${newest.version}) has other columns than columns: pass FirehoseArchive's schemaHistory and csvColumns, from the same archive`,
    );
  }
  const versionColumns = history.length > 0 ? history.map((v) => FIXED_COLUMNS.length + v.columns.length) : [columns.length];
  return { columns, columnTypes: args.columnTypes ?? {}, versionColumns };
}

/** The database's settings (`database`), checked, with every default filled in. */
export function resolveDatabase(check: SettingsCheck, given: DatabaseSettings | undefined): ResolvedAuroraLoader["database"] {
  check.knownKeys("database", given, DATABASE);
  const db = { ...withDefaults(auroraLoaderDefaults.database, given), kmsKeyArn: given?.kmsKeyArn };
  check.matches("database.name", given?.name, DATABASE_NAME, 'a letter then up to 63 letters, digits or "_", as RDS requires of the database it creates');
  for (const key of ["table", "manifestTable", "rejectsTable"] as const) {
    check.matches(`database.${key}`, given?.[key], MYSQL_NAMES.identifier.pattern, MYSQL_NAMES.identifier.rule);
  }
  if (!(db.minCapacity >= 0 && db.minCapacity <= 256 && (db.minCapacity * 2) % 1 === 0))
    check.fail(`database.minCapacity must be 0–256 in steps of 0.5, got ${db.minCapacity}`);
  if (!(db.maxCapacity >= 1 && db.maxCapacity <= 256 && db.maxCapacity >= db.minCapacity && (db.maxCapacity * 2) % 1 === 0)) {
    check.fail(`database.maxCapacity must be 1–256 in steps of 0.5 and at least minCapacity, got ${db.maxCapacity}`);
  }
  check.integer("database.backupRetentionDays", given?.backupRetentionDays, 1, 35);
  check.matches("database.loaderUser", given?.loaderUser, MYSQL_NAMES.user.pattern, MYSQL_NAMES.user.rule);
  checkNamesTaken(check, given);
  for (const key of ["tls", "deletionProtection", "finalSnapshot", "dataApi"] as const) check.boolean(`database.${key}`, given?.[key]);
  check.arn("database.kmsKeyArn", given?.kmsKeyArn, ARN.kmsKey);
  if (!ENGINE_VERSION.test(db.engineVersion)) {
    check.fail(`database.engineVersion must be an Aurora MySQL 3 version such as "${auroraLoaderDefaults.database.engineVersion}", got "${db.engineVersion}"`);
  } else {
    if (db.dataApi && !engineAtLeast(db.engineVersion, AURORA_MYSQL_DATA_API_SINCE))
      check.fail(`database.dataApi needs Aurora MySQL ${AURORA_MYSQL_DATA_API_SINCE} or newer, but database.engineVersion is "${db.engineVersion}"`);
    if (db.minCapacity === 0 && !engineAtLeast(db.engineVersion, AURORA_MYSQL_AUTO_PAUSE_SINCE)) {
      check.fail(
        `database.minCapacity 0 (automatic pause) needs Aurora MySQL ${AURORA_MYSQL_AUTO_PAUSE_SINCE} or newer, but database.engineVersion is "${db.engineVersion}"`,
      );
    }
  }
  return db;
}

/** Names the engine or the cluster already owns, which the database and the loader's user cannot take. */
function checkNamesTaken(check: SettingsCheck, given: DatabaseSettings | undefined): void {
  const { name, loaderUser } = given ?? {};
  if (typeof name === "string" && isMysqlReservedWord(name))
    check.fail(`database.name "${name}" is a word MySQL reserves, which RDS refuses as the database it creates: choose another`);
  if (typeof name === "string" && (MYSQL_SYSTEM_SCHEMAS as readonly string[]).includes(name.toLowerCase()))
    check.fail(
      `database.name "${name}" is one of MySQL's own schemas (${MYSQL_SYSTEM_SCHEMAS.join(", ")}), where the loader cannot create its tables: choose another`,
    );
  const taken = [MASTER_USER, ...RDS_PREDEFINED_ACCOUNTS];
  if (typeof loaderUser === "string" && taken.includes(loaderUser))
    check.fail(
      `database.loaderUser "${loaderUser}" is an account the cluster already has (${taken.join(", ")}): the setup would change its authentication and grants; choose another`,
    );
}

/**
 * The configured engine version against the one the cluster runs. Aurora applies minor upgrades
 * itself at a version's end of support, or for a critical security issue, even with automatic
 * upgrades off; configured below the running version, the next deployment would ask RDS for a
 * downgrade, which it refuses.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.VersionPolicy.Upgrading.html
 */
function checkRunningVersion(check: SettingsCheck, configured: string, running: string | undefined): void {
  const [have, now] = [ENGINE_VERSION.exec(configured), running === undefined ? null : ENGINE_VERSION.exec(running)];
  if (!have || !now || compareVersions(have.slice(1).map(Number), now.slice(1).map(Number)) >= 0) return;
  check.fail(
    `database.engineVersion is "${configured}", but the cluster runs "${running}": AWS upgraded it (at the version's end of support, or for a security fix) or it was upgraded outside Pulumi. ` +
      `Set database.engineVersion to "${running}"; a deployment would otherwise ask RDS for a downgrade, which RDS refuses (docs/change-over-time.md#upgrading-aurora)`,
  );
}

/** Whether an Aurora MySQL 3 engine version (checked already) is `release` ("3.05.0") or newer. */
function engineAtLeast(engineVersion: string, release: string): boolean {
  return compareVersions(ENGINE_VERSION.exec(engineVersion)!.slice(1).map(Number), release.split(".").map(Number)) >= 0;
}

function compareVersions(have: number[], need: number[]): number {
  for (let i = 0; i < need.length; i++) if (have[i] !== need[i]) return have[i] - need[i];
  return 0;
}

function resolveLoad(
  check: SettingsCheck,
  given: LoaderSettings | undefined,
  component: { logRetentionDays: number; database: ResolvedAuroraLoader["database"] },
): ResolvedAuroraLoader["load"] {
  const { logRetentionDays, database } = component;
  check.knownKeys("load", given, LOAD);
  check.integer("load.memorySize", given?.memorySize, 128, 10_240);
  check.integer("load.timeoutSeconds", given?.timeoutSeconds, 1, 900);
  check.integer("load.maximumRetryAttempts", given?.maximumRetryAttempts, 0, 2);
  check.integer("load.maximumEventAgeInSeconds", given?.maximumEventAgeInSeconds, 60, 21_600);
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html (MessageRetentionPeriod: 60 s to 14 days)
  check.integer("load.deadLetterExpireAfterDays", given?.deadLetterExpireAfterDays, 1, 14);
  check.logRetention("load.logRetentionDays", given?.logRetentionDays);
  // A capacity range the checks above refused has no connection count: the problem is named already.
  const serverless = isServerlessCapacity(database);
  const connections = serverless ? safeLoaderConcurrency(database) : 1;
  check.integer("load.maximumConcurrency", given?.maximumConcurrency, 1, connections);
  return {
    ...withDefaults(auroraLoaderDefaults.load, given),
    logRetentionDays: given?.logRetentionDays ?? logRetentionDays,
    maximumConcurrency: given?.maximumConcurrency ?? (serverless ? defaultLoaderConcurrency(database) : 1),
  };
}

/** The load function's environment for a resolved loader and its database connection: one place for the component and the defaults' environments. */
export function loaderEnvironment<T>(settings: ResolvedAuroraLoader, database: DatabaseEnvironment<T>): Record<string, T | string> {
  const db = settings.database;
  return loadEnvironment({
    database,
    user: db.loaderUser,
    target: {
      database: db.name,
      table: db.table,
      manifestTable: db.manifestTable,
      rejectsTable: db.rejectsTable,
      columns: settings.columns,
      columnTypes: settings.columnTypes,
      versionColumns: settings.versionColumns,
    },
    mode: settings.mode,
    processedPrefix: PROCESSED_PREFIX,
  });
}
