import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOADER_PRIVILEGES, type LoaderUserSpec } from "../functions/db-setup/core";
import { dbSetupEnvironment } from "../functions/db-setup/environment";
import { type DatabaseEnvironment } from "../functions/shared/db-auth";
import { LOG_MESSAGES, METRIC_NAMES } from "../functions/shared/telemetry-names";
import { alarm, alarmNamesOf, functionAlarms, logLineAlarm } from "./internal/alarms";
import { PROCESSED_PREFIX } from "./internal/archive-layout";
import { createAuroraCluster, readProcessedRows, type DatabaseResources } from "./internal/aurora-cluster";
import { createBundledFunction, type FunctionResources } from "./internal/bundled-function";
import { childrenOf, declaredOutputs, tagsOf, type Children } from "./internal/context";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "./internal/iam";
import { createLoaderNetwork, type LoaderNetwork } from "./internal/loader-network";
import { COMPONENT_PACKAGE } from "./internal/package";
import { dataResourceOptions } from "./internal/protection";
import { refuseProblems } from "./internal/validation";
import {
  loaderEnvironment,
  resolveAuroraLoader,
  type AuroraLoaderArgs,
  type AuroraLoaderDeployment,
  type ResolvedAuroraLoader,
} from "./settings/aurora-loader";

export * from "./settings/aurora-loader";

/**
 * The archive's rows in Aurora MySQL for SQL (the DynamoDB-to-Aurora design), done safely: a
 * private cluster whose password RDS keeps in Secrets Manager, an S3 role that reads only
 * `processed/`, and a loader function, triggered by each new object, that loads it exactly once
 * (see functions/load).
 */
export class AuroraLoader extends pulumi.ComponentResource {
  /** The cluster, its instance and its S3 role. */
  public readonly database: DatabaseResources;
  /** The loader function, its role and log group. */
  public readonly load: FunctionResources;
  /** The setup function that creates the loader's database user at deploy time. */
  public readonly dbSetup: FunctionResources;
  /** Where S3 events the loader could not load wait. */
  public readonly failedEventsQueue: aws.sqs.Queue;
  public readonly clusterEndpoint: pulumi.Output<string>;
  public readonly clusterPort: pulumi.Output<number>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly databaseName: string;
  public readonly tableName: string;
  /** The RDS-managed secret holding the master user's name and password. */
  public readonly secretArn: pulumi.Output<string>;
  public readonly loadFunctionArn: pulumi.Output<string>;
  public readonly loadFunctionName: pulumi.Output<string>;
  public readonly failedEventsQueueUrl: pulumi.Output<string>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting rows the database refused. */
  public readonly rejectedRowsMetricName: string | undefined;
  /** The loader's embedded metric (in METRICS_NAMESPACE, dimension `service: load`) counting rows loaded. */
  public readonly rowsLoadedMetricName: string;
  /** Every alarm of the loader. */
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly vpcId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;
  /** What this deployment runs that the next must agree with: give it back as `lastDeployment`. */
  public readonly deployment: pulumi.Output<AuroraLoaderDeployment>;

  constructor(name: string, args: AuroraLoaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:AuroraLoader`, name, {}, opts);
    const { settings, problems } = resolveAuroraLoader(name, args);
    refuseProblems(this, `AuroraLoader "${name}"`, problems);
    const children = childrenOf(this, name, settings);

    const network = createLoaderNetwork(children, settings);
    const { secretArn, ...database } = createAuroraCluster(children, settings, network);
    this.database = database;
    this.failedEventsQueue = new aws.sqs.Queue(
      `${name}-failed-events`,
      {
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: settings.load.deadLetterExpireAfterDays * 86_400,
        tags: tagsOf(children),
      },
      dataResourceOptions(children),
    );
    new aws.sqs.QueuePolicy(
      `${name}-failed-events-policy`,
      {
        queueUrl: this.failedEventsQueue.url,
        policy: policyDocument([denyInsecureTransport("sqs:*", [this.failedEventsQueue.arn])]),
      },
      { parent: this },
    );
    const connection: Connection = {
      host: database.cluster.endpoint,
      port: database.cluster.port.apply(String),
      tls: settings.database.tls,
      auth: { kind: "iam" },
    };
    const setup = addLoaderUser(children, settings, { database, connection, secretArn, network });
    this.dbSetup = setup.function;
    const uses = { cluster: database.cluster, connection, failedEvents: this.failedEventsQueue, network };
    this.load = addLoadFunction(children, settings, uses);
    const rejectedRowsMetricName = settings.monitoring.alarms
      ? addAlarms(children, settings, { load: this.load, failedEvents: this.failedEventsQueue })
      : undefined;
    addTrigger(children, settings, { load: this.load, failedEvents: this.failedEventsQueue, loaderUserReady: setup.invocation });

    this.clusterEndpoint = database.cluster.endpoint;
    this.clusterPort = database.cluster.port;
    this.clusterArn = database.cluster.arn;
    this.databaseName = settings.database.name;
    this.tableName = settings.database.table;
    this.secretArn = secretArn;
    this.loadFunctionArn = this.load.function.arn;
    this.loadFunctionName = this.load.function.name;
    this.failedEventsQueueUrl = this.failedEventsQueue.url;
    this.rejectedRowsMetricName = rejectedRowsMetricName;
    this.rowsLoadedMetricName = METRIC_NAMES.rowsLoaded;
    this.alarmNames = alarmNamesOf(this);
    this.vpcId = network.vpcId;
    this.subnetIds = network.subnetIds;
    this.deployment = database.cluster.engineVersionActual.apply((engineVersion) => ({ engineVersion }));
    this.registerOutputs(declaredOutputs(this));
  }
}

/** How the loader and its setup function reach the database, as their environment says it. */
type Connection = DatabaseEnvironment<pulumi.Input<string>>;

/** The functions' place in the network: their subnets and their security group. */
const functionNetwork = (network: LoaderNetwork) => ({ subnetIds: network.subnetIds, securityGroupIds: [network.loaderSecurityGroup.id] });

/**
 * The loader's own database user, created at deploy time by a setup function in the VPC that
 * signs in once as the master user (the only holder of the master secret besides RDS), and run
 * again whenever the cluster is re-created or the user's privileges change. The invocation fails
 * the deployment, with the database's message, if the user cannot be created.
 */
function addLoaderUser(
  children: Children,
  settings: ResolvedAuroraLoader,
  uses: { database: DatabaseResources; connection: Connection; secretArn: pulumi.Output<string>; network: LoaderNetwork },
) {
  const { name } = children;
  const { database, connection, secretArn, network } = uses;
  const setup = createBundledFunction(
    `${name}-db-setup`,
    {
      code: "db-setup",
      description: "Creates the loader's own database user with only what loading needs; run at deploy time",
      environment: dbSetupEnvironment({ database: connection, masterSecretArn: secretArn }),
      statements: secretArn.apply((secret): PolicyStatement[] => [
        { Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret },
      ]),
      ...settings.dbSetup,
      vpc: functionNetwork(network),
    },
    children,
  );
  const spec: LoaderUserSpec = { user: settings.database.loaderUser, database: settings.database.name, loadFromS3: settings.mode === "s3" };
  const invocation = new aws.lambda.Invocation(
    `${name}-loader-user`,
    {
      functionName: setup.function.name,
      input: JSON.stringify(spec),
      // The input carries the user and its privileges; a re-created cluster needs the user again.
      triggers: { clusterResourceId: database.cluster.clusterResourceId, privileges: LOADER_PRIVILEGES.join(",") },
    },
    { parent: children.parent, dependsOn: [database.instance, setup.policy, ...network.endpoints] },
  );
  return { function: setup, invocation };
}

/** The loader: signs in as its own user, loads each processed object once, parks what it cannot load. */
function addLoadFunction(
  children: Children,
  settings: ResolvedAuroraLoader,
  uses: { cluster: aws.rds.Cluster; connection: Connection; failedEvents: aws.sqs.Queue; network: LoaderNetwork },
): FunctionResources {
  const db = settings.database;
  const { cluster, connection, failedEvents, network } = uses;
  const parent = { parent: children.parent };
  const identity = aws.getCallerIdentityOutput({}, parent);
  const partition = aws.getPartitionOutput({}, parent).partition;
  const statements = pulumi
    .all([cluster.clusterResourceId, partition, children.region, identity.accountId, failedEvents.arn, settings.archive.bucketArn, settings.archive.kmsKeyArn])
    .apply(([resourceId, part, regionName, account, queueArn, bucketArn, keyArn]): PolicyStatement[] => [
      // IAM database authentication as the loader's own user only; never the master secret.
      // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
      {
        Sid: "ConnectAsLoaderUser",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: `arn:${part}:rds-db:${regionName}:${account}:dbuser:${resourceId}/${db.loaderUser}`,
      },
      { Sid: "ParkFailedEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn },
      ...(settings.mode === "streamed" ? readProcessedRows(bucketArn, keyArn, regionName) : []),
    ]);
  return createBundledFunction(
    `${children.name}-load`,
    {
      code: "load",
      description: "Loads each new processed/ object of the archive into Aurora MySQL, exactly once",
      environment: loaderEnvironment(settings, connection),
      statements,
      memorySize: settings.load.memorySize,
      timeoutSeconds: settings.load.timeoutSeconds,
      logRetentionDays: settings.load.logRetentionDays,
      reservedConcurrency: settings.load.maximumConcurrency,
      vpc: functionNetwork(network),
    },
    children,
  );
}

/** The loader's errors and throttles, rows the database refused, and events it could not load; returns the refused rows' metric. */
function addAlarms(children: Children, settings: ResolvedAuroraLoader, watched: { load: FunctionResources; failedEvents: aws.sqs.Queue }): string {
  const { name } = children;
  const { load, failedEvents } = watched;
  functionAlarms(`${name}-load`, load.function, children, false);
  const description = `rows the database refused wait in ${settings.database.rejectsTable} with its message: fix the cause, then re-drive their objects`;
  const rejectedRows = logLineAlarm(`${name}-rejected-rows`, { logGroup: load.logGroup, message: LOG_MESSAGES.rowsRefused, description }, children);
  alarm(
    `${name}-failed-loads-alarm`,
    {
      description: "S3 events the loader could not load after its retries wait in the failed-events queue",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: failedEvents.name },
      statistic: "Maximum",
      threshold: 1,
    },
    children,
  );
  return rejectedRows;
}

/**
 * Each new processed/ object invokes the loader, once the loader's user exists; an event that
 * still fails after its retries is parked in the failed-events queue.
 */
function addTrigger(
  children: Children,
  settings: ResolvedAuroraLoader,
  uses: { load: FunctionResources; failedEvents: aws.sqs.Queue; loaderUserReady: pulumi.Resource },
): void {
  const { name } = children;
  const { load, failedEvents, loaderUserReady } = uses;
  const parent = { parent: children.parent };
  new aws.lambda.FunctionEventInvokeConfig(
    `${name}-load-async`,
    {
      functionName: load.function.name,
      maximumRetryAttempts: settings.load.maximumRetryAttempts,
      maximumEventAgeInSeconds: settings.load.maximumEventAgeInSeconds,
      destinationConfig: { onFailure: { destination: failedEvents.arn } },
    },
    { ...parent, dependsOn: [load.policy] },
  );
  const permission = new aws.lambda.Permission(
    `${name}-load-from-s3`,
    {
      function: load.function.name,
      action: "lambda:InvokeFunction",
      principal: "s3.amazonaws.com",
      sourceArn: settings.archive.bucketArn,
      sourceAccount: aws.getCallerIdentityOutput({}, parent).accountId,
    },
    parent,
  );
  new aws.s3.BucketNotification(
    `${name}-notification`,
    {
      bucket: settings.archive.bucketName,
      lambdaFunctions: [{ lambdaFunctionArn: load.function.arn, events: ["s3:ObjectCreated:*"], filterPrefix: PROCESSED_PREFIX }],
    },
    { ...parent, dependsOn: [permission, loaderUserReady] },
  );
}
