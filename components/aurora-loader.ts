import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOADER_PRIVILEGES, type LoaderUserSpec } from "../functions/db-setup/core";
import { parseSqlType } from "../functions/shared/sql-columns";
import { FIXED_COLUMNS } from "../functions/transform/core";
import { PROCESSED_PREFIX } from "./internal/archive-layout";
import { LOG_MESSAGES, METRIC_NAMES } from "../functions/shared/telemetry-names";
import { alarm, alarmNamesOf, functionAlarms, logLineAlarm, type MonitoringArgs } from "./internal/alarms";
import { createBundledFunction, type BundledFunction } from "./internal/bundled-function";
import { auroraLoaderDefaults } from "./internal/aurora-loader-defaults";
import { AURORA_MYSQL_AUTO_PAUSE_SINCE, AURORA_MYSQL_DATA_API_SINCE, SECURITY_GROUP_RULE_DESCRIPTION, SECURITY_GROUP_RULE_DESCRIPTION_RULE } from "./internal/aws-rules";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./internal/iam";
import { checkDerivedNames } from "./internal/names";
import { type ArchiveSchemaVersion } from "./internal/schema-history";
import { checkOverrides } from "./internal/overrides";
import { withDefaults } from "./internal/shared-defaults";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions, type DataProtectionArgs } from "./internal/protection";
import { validate, type Check } from "./internal/validation";

/** How the loader gets an object's rows into MySQL: Aurora reads S3 itself, or the function streams them. */
export const LoadMode = {
  S3: "s3",
  Streamed: "streamed",
  /** @deprecated The old name of `streamed` (it said "local" for LOAD DATA LOCAL, which read as the local run); accepted with a warning. */
  Local: "local",
} as const;
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
  /** Default: "clickstream". */
  name?: string;
  /** Default: "web_analytics". */
  table?: string;
  /** Default: "loaded_objects". */
  manifestTable?: string;
  /** Rows the database refused, with its message (see README, "Rows the database refuses"). Default: "rejected_rows". */
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
  /** The loader's own database user (IAM database authentication, no password). Default: "clickstream_loader". */
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
}

/** Provider arguments for AuroraLoader's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface AuroraLoaderOverrides {
  /**
   * The cluster (aws.rds.Cluster), except what the loader and its network depend on: its engine,
   * database, users and authentication, network, parameter group and S3 role.
   */
  cluster?: Partial<aws.rds.ClusterArgs>;
}

/** What the cluster overrides may not change. */
const OWNED_CLUSTER_ARGS = [
  "engine", "engineMode", "databaseName", "masterUsername", "masterPassword", "manageMasterUserPassword", "iamDatabaseAuthenticationEnabled",
  "dbSubnetGroupName", "vpcSecurityGroupIds", "dbClusterParameterGroupName", "iamRoles", "port", "storageEncrypted", "kmsKeyId",
] as const;

export interface AuroraLoaderArgs extends DataProtectionArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: AuroraLoaderOverrides;
  /** The archive bucket (FirehoseArchive's `bucketName` and `bucketArn`). */
  archiveBucketName: pulumi.Input<string>;
  archiveBucketArn: pulumi.Input<string>;
  /** The bucket's customer-managed key, when it has one: the S3 role and the loader may decrypt with it. */
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
   * and streams it to the database (LOAD DATA LOCAL INFILE), which works on any MySQL.
   * `local`, the old name of `streamed`, is still accepted, with a warning. Default: "s3".
   */
  loadMode?: LoadMode;
  /** An existing network. Default: a new VPC, private subnets in two zones, no NAT gateway. */
  network?: LoaderNetworkArgs;
  database?: DatabaseSettings;
  /** The load function: its size, its retries and its failed-events queue. Defaults: see each field. */
  load?: LoaderSettings;
  /** Days the functions' logs are kept, unless `load.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** @deprecated Use `load`. */
  loader?: LoaderSettings;
  /** Alarms on the loader's errors and throttles and on events it could not load. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

export { auroraLoaderDefaults };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** MySQL 8 user names are at most 32 characters. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
/** The port Aurora MySQL listens on unless told otherwise: the security groups open it; the functions read the cluster's own. */
const MYSQL_PORT = 3306;

const DEPRECATED_STREAMED_NAME = LoadMode.Local;

/** The load mode `loadMode` names, warning once for the old name of `streamed`. */
function loadModeOf(args: AuroraLoaderArgs, parent: pulumi.Resource): Exclude<LoadMode, typeof DEPRECATED_STREAMED_NAME> {
  if (args.loadMode !== DEPRECATED_STREAMED_NAME) return args.loadMode ?? auroraLoaderDefaults.loadMode;
  pulumi.log.warn(`loadMode "${DEPRECATED_STREAMED_NAME}" is deprecated: it is now called "streamed" (LOAD DATA LOCAL INFILE, streamed by the loader); set that instead`, parent);
  return "streamed";
}
/** The cluster's master user, for the deploy-time setup only: 1–16 letters or digits (MASTER_USERNAME in components/internal/aws-rules.ts; the unit test checks it). */
const MASTER_USER = "clickstreamadmin";
const ENGINE_VERSION = /^8\.0\.mysql_aurora\.(\d+)\.(\d+)\.(\d+)$/;

/** Whether an engine version ("8.0.mysql_aurora.3.08.2") is at least a release ("3.08.0"). */
function atLeast(engineVersion: string, release: string): boolean {
  const have = ENGINE_VERSION.exec(engineVersion)!.slice(1).map(Number);
  const need = release.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] > need[i];
  return true;
}

function validateEngine(check: Check, db: DatabaseSettings): void {
  const version = db.engineVersion ?? auroraLoaderDefaults.engineVersion;
  if (!ENGINE_VERSION.test(version)) {
    check.fail(`database.engineVersion must be an Aurora MySQL 3 version such as "${auroraLoaderDefaults.engineVersion}", got "${version}"`);
    return;
  }
  if ((db.dataApi ?? auroraLoaderDefaults.dataApi) && !atLeast(version, AURORA_MYSQL_DATA_API_SINCE)) {
    check.fail(`database.dataApi needs Aurora MySQL ${AURORA_MYSQL_DATA_API_SINCE} or newer, but database.engineVersion is "${version}"`);
  }
  if ((db.minCapacity ?? auroraLoaderDefaults.minCapacity) === 0 && !atLeast(version, AURORA_MYSQL_AUTO_PAUSE_SINCE)) {
    check.fail(`database.minCapacity 0 (automatic pause) needs Aurora MySQL ${AURORA_MYSQL_AUTO_PAUSE_SINCE} or newer, but database.engineVersion is "${version}"`);
  }
}

function validateArgs(component: pulumi.Resource, name: string, args: AuroraLoaderArgs): void {
  const check = validate(`AuroraLoader "${name}"`, "arguments", component);
  checkDerivedNames(check, "name", name, [
    ["aws:rds/cluster:Cluster", `${name}-cluster`],
    ["aws:lambda/function:Function", `${name}-load-function`],
    ["aws:iam/role:Role", `${name}-load-role`],
    ["aws:lambda/function:Function", `${name}-db-setup-function`],
    ["aws:iam/role:Role", `${name}-db-setup-role`],
    ["aws:iam/role:Role", `${name}-s3-role`],
    ["aws:sqs/queue:Queue", `${name}-failed-events`],
  ]);
  if (!args.columns?.length) check.fail("columns must list the CSV's columns (FirehoseArchive's csvColumns)");
  for (const [column, type] of Object.entries(args.columnTypes ?? {})) {
    if (!args.columns?.includes(column)) check.fail(`columnTypes names "${column}", which is not a column`);
    const parsed = parseSqlType(type);
    if (typeof parsed === "string") check.fail(`columnTypes.${column}: ${parsed}`);
  }
  const newest = args.schemaHistory?.[args.schemaHistory.length - 1];
  if (newest && args.columns && JSON.stringify([...FIXED_COLUMNS, ...newest.columns]) !== JSON.stringify(args.columns)) {
    check.fail(`schemaHistory's newest version (${newest.version}) has other columns than columns: pass FirehoseArchive's schemaHistory and csvColumns, from the same archive`);
  }
  check.oneOf("loadMode", args.loadMode, Object.values(LoadMode));
  const db = args.database ?? {};
  for (const key of ["name", "table", "manifestTable", "rejectsTable"] as const) {
    if (db[key] !== undefined && !IDENTIFIER.test(db[key]!)) check.fail(`database.${key} must be a letter or "_" then up to 63 letters, digits or "_", got "${db[key]}"`);
  }
  const min = db.minCapacity ?? auroraLoaderDefaults.minCapacity;
  const max = db.maxCapacity ?? auroraLoaderDefaults.maxCapacity;
  if (min < 0 || min > 256 || (min * 2) % 1 !== 0) check.fail(`database.minCapacity must be 0–256 in steps of 0.5, got ${min}`);
  if (max < 1 || max > 256 || max < min || (max * 2) % 1 !== 0) check.fail(`database.maxCapacity must be 1–256 in steps of 0.5 and at least minCapacity, got ${max}`);
  check.integer("database.backupRetentionDays", db.backupRetentionDays, 1, 35);
  if (db.loaderUser !== undefined && !USER_NAME.test(db.loaderUser)) check.fail(`database.loaderUser must be a letter or "_" then up to 31 letters, digits or "_", got "${db.loaderUser}"`);
  validateEngine(check, db);
  check.deprecated("loader", args.loader, "load", args.load);
  const role = args.loader ? "loader" : "load";
  const fn = args.load ?? args.loader;
  check.integer(`${role}.memorySize`, fn?.memorySize, 128, 10_240);
  check.integer(`${role}.timeoutSeconds`, fn?.timeoutSeconds, 1, 900);
  check.integer(`${role}.maximumRetryAttempts`, fn?.maximumRetryAttempts, 0, 2);
  check.integer(`${role}.maximumEventAgeInSeconds`, fn?.maximumEventAgeInSeconds, 60, 21_600);
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html (MessageRetentionPeriod: 60 s to 14 days)
  check.integer(`${role}.deadLetterExpireAfterDays`, fn?.deadLetterExpireAfterDays, 1, 14);
  check.logRetention(`${role}.logRetentionDays`, fn?.logRetentionDays);
  check.logRetention("logRetentionDays", args.logRetentionDays);
  checkOverrides(check, "overrides.cluster", args.overrides?.cluster, OWNED_CLUSTER_ARGS, "the loader, its network and the data's encryption depend on it (see database.* for what is settable, database.kmsKeyArn for the key)");
  check.done();
}

/** A security group rule's description, refused at preview when EC2 would refuse it at deploy (components/internal/aws-rules.ts). */
function ruleDescription(description: string, component: pulumi.Resource): string {
  if (!SECURITY_GROUP_RULE_DESCRIPTION.test(description)) {
    throw new pulumi.ResourceError(`security group rule description "${description}" must be ${SECURITY_GROUP_RULE_DESCRIPTION_RULE}`, component, true);
  }
  return description;
}

/** The component's settings with every default filled in: what the steps below build from. */
interface ResolvedSettings {
  mode: Exclude<LoadMode, typeof DEPRECATED_STREAMED_NAME>;
  database: Required<Pick<DatabaseSettings, "name" | "table" | "manifestTable" | "rejectsTable" | "engineVersion" | "minCapacity" | "maxCapacity" | "instanceClass" | "backupRetentionDays" | "deletionProtection" | "finalSnapshot" | "dataApi" | "loaderUser">> & Pick<DatabaseSettings, "kmsKeyArn">;
  loader: Required<LoaderSettings>;
  /** Only a connection without TLS says so: the default emits no setting at all. */
  withoutTls: Record<string, string>;
  createEndpoints: boolean;
}

function resolveSettings(args: AuroraLoaderArgs, component: pulumi.Resource): ResolvedSettings {
  const d = auroraLoaderDefaults;
  const db = args.database ?? {};
  return {
    mode: loadModeOf(args, component),
    database: {
      name: db.name ?? d.database,
      table: db.table ?? d.table,
      manifestTable: db.manifestTable ?? d.manifestTable,
      rejectsTable: db.rejectsTable ?? d.rejectsTable,
      engineVersion: db.engineVersion ?? d.engineVersion,
      minCapacity: db.minCapacity ?? d.minCapacity,
      maxCapacity: db.maxCapacity ?? d.maxCapacity,
      instanceClass: db.instanceClass ?? d.instanceClass,
      backupRetentionDays: db.backupRetentionDays ?? d.backupRetentionDays,
      deletionProtection: db.deletionProtection ?? false,
      finalSnapshot: db.finalSnapshot ?? false,
      dataApi: db.dataApi ?? d.dataApi,
      loaderUser: db.loaderUser ?? d.loaderUser,
      kmsKeyArn: db.kmsKeyArn,
    },
    loader: withDefaults<LoaderSettings>({ ...d.load, logRetentionDays: args.logRetentionDays ?? d.load.logRetentionDays }, args.load ?? args.loader),
    withoutTls: db.tls === false ? { DB_TLS: "off" } : {},
    createEndpoints: args.network ? args.network.createEndpoints ?? false : true,
  };
}

/** Where the cluster and the functions run. */
interface Network {
  vpcId: pulumi.Output<string>;
  subnetIds: pulumi.Output<string[]>;
}

/** The functions' place in the network: their subnets and their security group. */
interface FunctionNetwork {
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
}

interface SecurityGroups {
  cluster: aws.ec2.SecurityGroup;
  loader: aws.ec2.SecurityGroup;
  /** The VPC endpoints, when created here: the functions wait for them. */
  endpoints: pulumi.Resource[];
}

interface Database {
  cluster: aws.rds.Cluster;
  instance: aws.rds.ClusterInstance;
  secretArn: pulumi.Output<string>;
}

/**
 * The archive's rows in Aurora MySQL for SQL (the DynamoDB-to-Aurora design), done safely: a private cluster whose
 * password RDS keeps in Secrets Manager, an S3 role that reads only `processed/`, and a loader
 * function, triggered by each new object, that loads it exactly once (see functions/load).
 */
export class AuroraLoader extends pulumi.ComponentResource {
  public readonly clusterEndpoint: pulumi.Output<string>;
  public readonly clusterPort: pulumi.Output<number>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly databaseName: string;
  public readonly tableName: string;
  /** The RDS-managed secret holding the master user's name and password. */
  public readonly secretArn: pulumi.Output<string>;
  public readonly loadFunctionArn: pulumi.Output<string>;
  public readonly loadFunctionName: pulumi.Output<string>;
  /** Where S3 events the loader could not load wait. */
  public readonly failedEventsQueueUrl: pulumi.Output<string>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting rows the database refused. */
  public readonly rejectedRowsMetricName: string | undefined;
  /** The loader's embedded metric (in METRICS_NAMESPACE, dimension `service: load`) counting rows loaded. */
  public readonly rowsLoadedMetricName: string;
  /** Every alarm of the loader. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** @deprecated Use `loadFunctionArn`. */
  public readonly loaderFunctionArn: pulumi.Output<string>;
  public readonly vpcId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: AuroraLoaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:AuroraLoader`, name, {}, opts);
    validateArgs(this, name, args);
    const settings = resolveSettings(args, this);
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const bucketArn = pulumi.output(args.archiveBucketArn);

    const network = this.addNetwork(name, args.network);
    const groups = this.addSecurityGroups(name, network, settings, region);
    const s3Role = this.addS3Role(name, bucketArn, args.archiveKmsKeyArn, region);
    const database = this.addCluster(name, settings, network, groups.cluster, s3Role, args.protectData, args.overrides?.cluster);
    const failedEvents = new aws.sqs.Queue(`${name}-failed-events`, { sqsManagedSseEnabled: true, messageRetentionSeconds: settings.loader.deadLetterExpireAfterDays * 86_400 }, dataResourceOptions(this, args.protectData));
    const functionNetwork: FunctionNetwork = { subnetIds: network.subnetIds, securityGroupIds: [groups.loader.id] };
    const loaderUserReady = this.addLoaderUser(name, settings, database, functionNetwork, groups.endpoints);
    const loader = this.addLoaderFunction(name, args, settings, database, functionNetwork, failedEvents, bucketArn, region);
    const rejectedRowsMetricName = args.monitoring?.alarms ?? true ? this.addAlarms(name, loader, failedEvents, settings, args.monitoring ?? {}) : undefined;
    this.addTrigger(name, args.archiveBucketName, bucketArn, loader, failedEvents, settings, loaderUserReady);

    this.clusterEndpoint = database.cluster.endpoint;
    this.clusterPort = database.cluster.port;
    this.clusterArn = database.cluster.arn;
    this.databaseName = settings.database.name;
    this.tableName = settings.database.table;
    this.secretArn = database.secretArn;
    this.loadFunctionArn = loader.function.arn;
    this.loadFunctionName = loader.function.name;
    this.failedEventsQueueUrl = failedEvents.url;
    this.rejectedRowsMetricName = rejectedRowsMetricName;
    this.rowsLoadedMetricName = METRIC_NAMES.rowsLoaded;
    this.alarmNames = alarmNamesOf(this);
    this.loaderFunctionArn = this.loadFunctionArn;
    this.vpcId = network.vpcId;
    this.subnetIds = network.subnetIds;
    this.registerOutputs({
      clusterEndpoint: this.clusterEndpoint,
      clusterPort: this.clusterPort,
      clusterArn: this.clusterArn,
      databaseName: this.databaseName,
      tableName: this.tableName,
      secretArn: this.secretArn,
      loadFunctionArn: this.loadFunctionArn,
      loadFunctionName: this.loadFunctionName,
      failedEventsQueueUrl: this.failedEventsQueueUrl,
      rejectedRowsMetricName: this.rejectedRowsMetricName,
      rowsLoadedMetricName: this.rowsLoadedMetricName,
      alarmNames: this.alarmNames,
      loaderFunctionArn: this.loaderFunctionArn,
      vpcId: this.vpcId,
      subnetIds: this.subnetIds,
    });
  }

  /**
   * The given network, or a new VPC: the cluster and the loader in private subnets; the loader
   * reaches S3 and Secrets Manager through endpoints, so no NAT gateway is needed.
   */
  private addNetwork(name: string, given: LoaderNetworkArgs | undefined): Network {
    if (given) return { vpcId: pulumi.output(given.vpcId), subnetIds: pulumi.output(given.subnetIds) };
    const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: "None" },
      subnetStrategy: "Auto",
      subnetSpecs: [{ type: "Isolated" }],
      enableDnsHostnames: true,
      enableDnsSupport: true,
    }, { parent: this });
    return { vpcId: vpc.vpcId, subnetIds: vpc.isolatedSubnetIds };
  }

  /**
   * The cluster's group admits MySQL from the loader's only; the loader's group (which also holds
   * the setup function, reading the master secret) reaches the cluster and AWS over HTTPS.
   */
  private addSecurityGroups(name: string, network: Network, settings: ResolvedSettings, region: pulumi.Output<string>): SecurityGroups {
    const parent = { parent: this };
    const { vpcId } = network;
    const cluster = new aws.ec2.SecurityGroup(`${name}-cluster-sg`, { vpcId, description: "Aurora cluster: MySQL from the loader only" }, parent);
    const loader = new aws.ec2.SecurityGroup(`${name}-loader-sg`, { vpcId, description: "Loader function: MySQL to the cluster, HTTPS to AWS endpoints" }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-cluster-from-loader`, {
      securityGroupId: cluster.id,
      referencedSecurityGroupId: loader.id,
      ipProtocol: "tcp",
      fromPort: MYSQL_PORT,
      toPort: MYSQL_PORT,
      description: ruleDescription("MySQL from the loader", this),
    }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-loader-to-cluster`, {
      securityGroupId: loader.id,
      referencedSecurityGroupId: cluster.id,
      ipProtocol: "tcp",
      fromPort: MYSQL_PORT,
      toPort: MYSQL_PORT,
      description: ruleDescription("MySQL to the cluster", this),
    }, parent);

    // Aurora reads S3 itself for LOAD DATA FROM S3; the loader does in streamed mode.
    const s3PrefixList = aws.ec2.getPrefixListOutput({ name: pulumi.interpolate`com.amazonaws.${region}.s3` }, parent).id;
    const httpsTo = (rule: string, securityGroup: aws.ec2.SecurityGroup, target: Pick<aws.vpc.SecurityGroupEgressRuleArgs, "prefixListId" | "cidrIpv4" | "referencedSecurityGroupId">, description: string) =>
      new aws.vpc.SecurityGroupEgressRule(`${name}-${rule}`, { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, description: ruleDescription(description, this), ...target }, parent);
    httpsTo("cluster-to-s3", cluster, { prefixListId: s3PrefixList }, "HTTPS to S3, for LOAD DATA FROM S3");
    if (settings.mode === "streamed") httpsTo("loader-to-s3", loader, { prefixListId: s3PrefixList }, "HTTPS to S3, to stream objects");

    if (!settings.createEndpoints) {
      httpsTo("loader-to-aws", loader, { cidrIpv4: "0.0.0.0/0" }, "HTTPS to Secrets Manager through the network NAT or endpoints");
      return { cluster, loader, endpoints: [] };
    }
    const created = this.addEndpoints(name, network, loader, region);
    httpsTo("loader-to-endpoints", loader, { referencedSecurityGroupId: created.securityGroup.id }, "HTTPS to the Secrets Manager endpoint");
    return { cluster, loader, endpoints: created.endpoints };
  }

  /**
   * S3 through a gateway endpoint on every route table; Secrets Manager through an interface
   * endpoint the loader alone may use. Returns the endpoints' security group.
   */
  private addEndpoints(name: string, network: Network, loaderSecurityGroup: aws.ec2.SecurityGroup, region: pulumi.Output<string>): { securityGroup: aws.ec2.SecurityGroup; endpoints: aws.ec2.VpcEndpoint[] } {
    const parent = { parent: this };
    const { vpcId, subnetIds } = network;
    // https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html (one endpoint route per service in a route table)
    // https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html (private DNS: one endpoint per service in a VPC)
    const s3Endpoint = new aws.ec2.VpcEndpoint(`${name}-s3-endpoint`, {
      vpcId,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: aws.ec2.getRouteTablesOutput({ vpcId }, parent).ids,
    }, parent);
    const endpointSecurityGroup = new aws.ec2.SecurityGroup(`${name}-endpoint-sg`, { vpcId, description: "AWS interface endpoints: HTTPS from the loader only" }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-endpoint-from-loader`, {
      securityGroupId: endpointSecurityGroup.id,
      referencedSecurityGroupId: loaderSecurityGroup.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: ruleDescription("HTTPS from the loader", this),
    }, parent);
    const secretsEndpoint = new aws.ec2.VpcEndpoint(`${name}-secrets-endpoint`, {
      vpcId,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.secretsmanager`,
      vpcEndpointType: "Interface",
      subnetIds,
      securityGroupIds: [endpointSecurityGroup.id],
      privateDnsEnabled: true,
    }, parent);
    return { securityGroup: endpointSecurityGroup, endpoints: [s3Endpoint, secretsEndpoint] };
  }

  /** The S3 role Aurora uses for LOAD DATA FROM S3: the archive's processed rows, nothing else. */
  private addS3Role(name: string, bucketArn: pulumi.Output<string>, keyArn: pulumi.Input<string> | undefined, region: pulumi.Output<string>): aws.iam.Role {
    const role = new aws.iam.Role(`${name}-s3-role`, {
      description: "Assumed by Aurora to read the archive's processed rows",
      assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com"),
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-s3-policy`, {
      role: role.id,
      policy: policyDocument(pulumi.all([bucketArn, keyArn, region]).apply(([arn, key, regionName]) => readProcessedRows(arn, key, regionName))),
    }, { parent: this });
    return role;
  }

  /** The private Serverless v2 cluster, TLS only, its password kept by RDS, and its one instance. */
  private addCluster(name: string, settings: ResolvedSettings, network: Network, securityGroup: aws.ec2.SecurityGroup, s3Role: aws.iam.Role, protectData: boolean | undefined, overrides: Partial<aws.rds.ClusterArgs> | undefined): Database {
    const parent = { parent: this };
    const db = settings.database;
    const parameters = new aws.rds.ClusterParameterGroup(`${name}-cluster-parameters`, {
      family: "aurora-mysql8.0",
      description: "TLS only; LOAD DATA FROM S3 with the cluster's S3 role",
      parameters: [
        { name: "aws_default_s3_role", value: s3Role.arn, applyMethod: "immediate" },
        { name: "require_secure_transport", value: "ON", applyMethod: "immediate" },
        ...(settings.mode === "streamed" ? [{ name: "local_infile", value: "1", applyMethod: "immediate" }] : []),
      ],
    }, parent);
    const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: network.subnetIds, description: "Private subnets of the clickstream cluster" }, parent);

    // A final snapshot's name must be unique in the account: a fixed one would make the second
    // deletion fail on the first one's snapshot. The suffix is new whenever the stack (re)creates it.
    const snapshotSuffix = db.finalSnapshot ? new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, parent) : undefined;
    const cluster = new aws.rds.Cluster(`${name}-cluster`, {
      engine: "aurora-mysql",
      engineVersion: db.engineVersion,
      engineMode: "provisioned",
      databaseName: db.name,
      masterUsername: MASTER_USER,
      manageMasterUserPassword: true,
      storageEncrypted: true,
      kmsKeyId: db.kmsKeyArn,
      backupRetentionPeriod: db.backupRetentionDays,
      deletionProtection: db.deletionProtection,
      skipFinalSnapshot: !db.finalSnapshot,
      finalSnapshotIdentifier: snapshotSuffix && pulumi.interpolate`${name}-final-${snapshotSuffix.hex}`,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      dbClusterParameterGroupName: parameters.name,
      iamRoles: [s3Role.arn],
      serverlessv2ScalingConfiguration: { minCapacity: db.minCapacity, maxCapacity: db.maxCapacity },
      enabledCloudwatchLogsExports: ["error"],
      enableHttpEndpoint: db.dataApi,
      // The loader signs in with IAM tokens, so it needs no password.
      iamDatabaseAuthenticationEnabled: true,
      copyTagsToSnapshot: true,
      ...overrides,
    }, dataResourceOptions(this, protectData));
    const instance = new aws.rds.ClusterInstance(`${name}-instance`, {
      clusterIdentifier: cluster.id,
      engine: "aurora-mysql",
      engineVersion: cluster.engineVersion,
      instanceClass: db.instanceClass,
      publiclyAccessible: false,
      dbSubnetGroupName: subnetGroup.name,
    }, parent);
    const secretArn = cluster.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn ?? "");
    return { cluster, instance, secretArn };
  }

  /**
   * The loader's own database user, created at deploy time by a setup function in the VPC that
   * signs in once as the master user (the only holder of the master secret besides RDS), and run
   * again whenever the cluster is re-created or the user's privileges change. The invocation fails
   * the deployment, with the database's message, if the user cannot be created.
   */
  private addLoaderUser(name: string, settings: ResolvedSettings, database: Database, network: FunctionNetwork, waitFor: pulumi.Resource[]): aws.lambda.Invocation {
    const { cluster, instance, secretArn } = database;
    const setup = createBundledFunction(`${name}-db-setup`, {
      code: "db-setup",
      description: "Creates the loader's own database user with only what loading needs; run at deploy time",
      environment: { DB_HOST: cluster.endpoint, DB_PORT: cluster.port.apply(String), ...settings.withoutTls, DB_SECRET_ARN: secretArn, LOADER_AUTH: "iam", POWERTOOLS_SERVICE_NAME: "db-setup" },
      statements: secretArn.apply((secret): PolicyStatement[] => [{ Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret }]),
      memorySize: 256,
      timeoutSeconds: 120,
      logRetentionDays: settings.loader.logRetentionDays,
      vpc: network,
    }, this);
    const spec: LoaderUserSpec = { user: settings.database.loaderUser, database: settings.database.name, loadFromS3: settings.mode === "s3" };
    return new aws.lambda.Invocation(`${name}-loader-user`, {
      functionName: setup.function.name,
      input: JSON.stringify(spec),
      // The input carries the user and its privileges; a re-created cluster needs the user again.
      triggers: { clusterResourceId: cluster.clusterResourceId, privileges: LOADER_PRIVILEGES.join(",") },
    }, { parent: this, dependsOn: [instance, setup.policy, ...waitFor] });
  }

  /** The loader: signs in as its own user, loads each processed object once, parks what it cannot load. */
  private addLoaderFunction(name: string, args: AuroraLoaderArgs, settings: ResolvedSettings, database: Database, network: FunctionNetwork, failedEvents: aws.sqs.Queue, bucketArn: pulumi.Output<string>, region: pulumi.Output<string>): BundledFunction {
    const { cluster } = database;
    const db = settings.database;
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    return createBundledFunction(`${name}-load`, {
      code: "load",
      description: "Loads each new processed/ object of the archive into Aurora MySQL, exactly once",
      environment: {
        DB_HOST: cluster.endpoint,
        DB_PORT: cluster.port.apply(String),
        ...settings.withoutTls,
        DB_NAME: db.name,
        DB_TABLE: db.table,
        MANIFEST_TABLE: db.manifestTable,
        LOADER_USER: db.loaderUser,
        LOADER_AUTH: "iam",
        REJECTS_TABLE: db.rejectsTable,
        COLUMNS: JSON.stringify(args.columns),
        COLUMN_TYPES: JSON.stringify(args.columnTypes ?? {}),
        // Each version's column count; absent while there is one version, so that existing loaders see no change.
        ...(args.schemaHistory && args.schemaHistory.length > 1 ? { SCHEMA_VERSIONS: JSON.stringify(args.schemaHistory.map((v) => FIXED_COLUMNS.length + v.columns.length)) } : {}),
        LOAD_MODE: settings.mode,
        PROCESSED_PREFIX,
        POWERTOOLS_SERVICE_NAME: "load",
      },
      statements: pulumi.all([cluster.clusterResourceId, partition, region, identity.accountId, failedEvents.arn, bucketArn, args.archiveKmsKeyArn]).apply(([resourceId, part, regionName, account, queueArn, arn, keyArn]): PolicyStatement[] => [
        // IAM database authentication as the loader's own user only; never the master secret.
        // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
        { Sid: "ConnectAsLoaderUser", Effect: "Allow", Action: "rds-db:connect", Resource: `arn:${part}:rds-db:${regionName}:${account}:dbuser:${resourceId}/${db.loaderUser}` },
        { Sid: "ParkFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn },
        ...(settings.mode === "streamed" ? readProcessedRows(arn, keyArn, regionName) : []),
      ]),
      memorySize: settings.loader.memorySize,
      timeoutSeconds: settings.loader.timeoutSeconds,
      logRetentionDays: settings.loader.logRetentionDays,
      vpc: network,
    }, this);
  }

  /** The loader's errors and throttles, rows the database refused, and events it could not load; returns the refused rows' metric. */
  private addAlarms(name: string, loader: BundledFunction, failedEvents: aws.sqs.Queue, settings: ResolvedSettings, monitoring: MonitoringArgs): string {
    functionAlarms(`${name}-load`, loader.function, monitoring, this, false);
    const rejectedRows = logLineAlarm(`${name}-rejected-rows`, loader.logGroup, LOG_MESSAGES.rowsRefused, `rows the database refused wait in ${settings.database.rejectsTable} with its message: fix the cause, then re-drive their objects`, monitoring, this);
    alarm(`${name}-failed-loads-alarm`, {
      description: "S3 events the loader could not load after its retries wait in the failed-events queue",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: failedEvents.name },
      statistic: "Maximum",
      threshold: 1,
    }, monitoring, this);
    return rejectedRows;
  }

  /**
   * Each new processed/ object invokes the loader, once the loader's user exists; an event that
   * still fails after its retries is parked in the failed-events queue.
   */
  private addTrigger(name: string, bucketName: pulumi.Input<string>, bucketArn: pulumi.Output<string>, loader: BundledFunction, failedEvents: aws.sqs.Queue, settings: ResolvedSettings, loaderUserReady: pulumi.Resource): void {
    new aws.lambda.FunctionEventInvokeConfig(`${name}-load-async`, {
      functionName: loader.function.name,
      maximumRetryAttempts: settings.loader.maximumRetryAttempts,
      maximumEventAgeInSeconds: settings.loader.maximumEventAgeInSeconds,
      destinationConfig: { onFailure: { destination: failedEvents.arn } },
    }, { parent: this, dependsOn: [loader.policy] });
    const permission = new aws.lambda.Permission(`${name}-load-from-s3`, {
      function: loader.function.name,
      action: "lambda:InvokeFunction",
      principal: "s3.amazonaws.com",
      sourceArn: bucketArn,
      sourceAccount: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
    }, { parent: this });
    new aws.s3.BucketNotification(`${name}-notification`, {
      bucket: bucketName,
      lambdaFunctions: [{ lambdaFunctionArn: loader.function.arn, events: ["s3:ObjectCreated:*"], filterPrefix: PROCESSED_PREFIX }],
    }, { parent: this, dependsOn: [permission, loaderUserReady] });
  }
}

/**
 * Read the archive's processed rows, and decrypt them when the bucket has its own key: only through
 * S3 (`kms:ViaService`), and only for this bucket's objects (with an S3 Bucket Key, S3 passes the
 * bucket's ARN as the encryption context; without one, the object's).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 */
function readProcessedRows(bucketArn: string, keyArn: string | undefined, region: string): PolicyStatement[] {
  const rows = `${bucketArn}/${PROCESSED_PREFIX}*`;
  const statements: PolicyStatement[] = [
    { Sid: "ReadProcessedRows", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: rows },
    { Sid: "ListProcessedRows", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": `${PROCESSED_PREFIX}*` } } },
  ];
  if (keyArn) {
    statements.push({
      Sid: "DecryptProcessedRows",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: keyArn,
      Condition: {
        StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, rows] },
      },
    });
  }
  return statements;
}
