import * as pulumi from "@pulumi/pulumi";
import {
  AuroraLoader,
  DedupTable,
  FirehoseArchive,
  firehoseArchiveDefaults,
  type MonitoringArgs,
  StreamProjection,
  type TableStreamDeployment,
} from "../components";
import { checkCapacity } from "./capacity";
import { StackConfig } from "./config";
import { readConsumerConfig, type ConsumerConfig, type PullWiring } from "./consumer-config";
import { alertTopic, dashboard, discardedRecords, pipelineMetric } from "./monitoring";
import { type Peer } from "./peer";

/**
 * The consumer account (the cross-account replication design's POC account): the dedup table, and in pull mode the ingest
 * function reading the source stream; in push mode the writer role the source account's function
 * assumes. The table's history is archived to S3 as CSV (FirehoseArchive) and loaded into Aurora
 * MySQL (AuroraLoader, unless config turns it off), and kept in projections (StreamProjection)
 * when config asks for them. Values from the source side come from its stack (`sourceStack`) or from config.
 */
export async function consumerComposition(pulumiConfig: pulumi.Config): Promise<Record<string, pulumi.Input<unknown>>> {
  const config = await readConsumerConfig(new StackConfig(pulumiConfig));
  const { accounts, peer: source } = config;
  const topic = alertTopic(config.alerts);
  const monitoring: MonitoringArgs = { alarmTopicArn: topic.arn };
  // What every component takes from the stack: its alarms' topic and its tags.
  const common = { monitoring, tags: config.tags };
  const dedup = new DedupTable("clicks", { ...config.dedupTable, ...common });
  const mode = {
    tableName: dedup.tableName,
    tableArn: dedup.tableArn,
    tableStreamArn: dedup.tableStreamArn,
    ...(config.pull ? pullWiring(dedup, config, config.pull, source) : pushWiring(dedup, config, config.push!, source)),
  };
  const archive = new FirehoseArchive("clicks", { ...common, ...config.archive, tableStreamArn: mode.tableStreamArn });
  const loader =
    config.aurora &&
    new AuroraLoader("clicks", {
      ...common,
      ...config.aurora,
      columnTypes: archive.columnTypes,
      schemaHistory: archive.schemaHistory,
      archiveBucketName: archive.bucketName,
      archiveBucketArn: archive.bucketArn,
      archiveKmsKeyArn: config.archive.bucket?.kmsKeyArn,
      columns: archive.csvColumns,
    });
  // An aggregate's ledger must remember each item longer than the table keeps it.
  const tableItemExpireAfterDays = config.pull ? dedup.itemExpireAfterDays : config.push?.itemExpireAfterDays;
  // What `npm run backfill` reads for the items the table has let expire: preview says what it lacks.
  const archived = {
    schema: config.archive.schema ?? firehoseArchiveDefaults.schema,
    columns: config.archive.columns ?? firehoseArchiveDefaults.columns,
    columnTypes: archive.columnTypes,
    schemaHistory: archive.schemaHistory,
  };
  const projections = config.projections.map(
    ({ name, args }) => new StreamProjection(name, { ...common, ...args, tableStreamArn: mode.tableStreamArn, tableItemExpireAfterDays, archive: archived }),
  );
  const projectionTables = Object.fromEntries(projections.map((projection, i) => [config.projections[i].name, projection.tableName]));
  const capacity = checkCapacity(config.capacity, "consumer", config.capacityInput);
  const shared = sharedTableConsumers(config.sharedTableProjections, source, common);
  const ingest = dedup.ingestFunctionName;
  const forward = archive.forwardFunctionName;
  const load = loader ? loader.loadFunctionName : undefined;
  const lambda = (metric: string, name: pulumi.Input<string | undefined>, stat?: string) => ({
    namespace: "AWS/Lambda",
    metric,
    dimensions: { FunctionName: name },
    stat,
  });
  const counters = [dedup.ingestParkedMetricName, archive.forwardParkedMetricName, archive.failedTransformationsMetricName].filter(
    (metric): metric is string => metric !== undefined,
  );
  const delivery = (metric: string, stat?: string) => ({
    namespace: "AWS/Firehose",
    metric,
    dimensions: { DeliveryStreamName: archive.deliveryStreamName },
    stat,
  });
  const board = dashboard("clickstream-consumer", [
    {
      title: "Ingest: invocations, errors, iterator age",
      metrics: [lambda("Invocations", ingest), lambda("Errors", ingest), lambda("IteratorAge", ingest, "Maximum")],
    },
    { title: "Dedup table: writes", metrics: [{ namespace: "AWS/DynamoDB", metric: "ConsumedWriteCapacityUnits", dimensions: { TableName: mode.tableName } }] },
    {
      title: "Forward: invocations, errors, iterator age",
      metrics: [lambda("Invocations", forward), lambda("Errors", forward), lambda("IteratorAge", forward, "Maximum")],
    },
    {
      title: "Firehose: records in, delivered, freshness",
      metrics: [delivery("IncomingRecords"), delivery("DeliveryToS3.Records"), delivery("DeliveryToS3.DataFreshness", "Maximum")],
    },
    {
      title: "Loader: invocations, errors, rows loaded",
      metrics: [lambda("Invocations", load), lambda("Errors", load), ...(loader ? [pipelineMetric(loader.rowsLoadedMetricName, "load")] : [])],
    },
    { title: "Records parked or refused", metrics: counters.map((metric) => pipelineMetric(metric)) },
    discardedRecords([dedup.eventSourceMappingId, archive.forward.mapping?.uuid, ...projections.map((p) => p.project.mapping?.uuid)]),
  ]);
  return {
    accessMode: accounts.accessMode,
    region: accounts.region,
    accountId: accounts.consumerAccountId,
    ...mode,
    projectionTables,
    ...(shared.sharedTableReaderRoleArns && {
      sharedTableReaderRoleArns: shared.sharedTableReaderRoleArns,
      sharedTableProjectionTables: shared.sharedTableProjectionTables,
    }),
    alertTopicArn: topic.arn,
    dashboardName: board.dashboardName,
    archiveBucketName: archive.bucketName,
    deliveryStreamName: archive.deliveryStreamName,
    archiveCsvColumns: archive.csvColumns,
    archiveSchemaVersion: archive.schemaVersion,
    archiveSchemaHistory: archive.schemaHistory,
    forwardDeadLetterBucketName: archive.forwardDeadLetterBucketName,
    ...(loader && {
      clusterEndpoint: loader.clusterEndpoint,
      clusterArn: loader.clusterArn,
      clusterPort: loader.clusterPort,
      databaseName: loader.databaseName,
      databaseTable: loader.tableName,
      databaseSecretArn: loader.secretArn,
      loaderFunctionArn: loader.loadFunctionArn,
      failedLoadsQueueUrl: loader.failedEventsQueueUrl,
      vpcId: loader.vpcId,
      subnetIds: loader.subnetIds,
    }),
    ...capacity,
    // Given back to each component next time, as its lastDeployment (stacks/consumer-config.ts).
    deployments: {
      dedupTable: dedup.deployment,
      archive: archive.deployment,
      ...(loader && { loader: loader.deployment }),
      projections: { ...Object.fromEntries(projections.map((p, i) => [config.projections[i].name, p.deployment])), ...shared.deployments },
    },
  };
}

/**
 * The cross-account DynamoDB Streams design: projections in this account fed by the source account's shared table stream. Each
 * function's role is created first, exported (`sharedTableReaderRoleArns`) for the source stack to
 * grant; its mapping follows once the source stack reports that grant (or config names the stream).
 */
function sharedTableConsumers(
  projections: ConsumerConfig["sharedTableProjections"],
  source: Peer,
  common: { monitoring: MonitoringArgs; tags: Record<string, string> },
) {
  if (projections.length === 0) return { deployments: {} };
  const roles: Record<string, pulumi.Output<string>> = {};
  const tables: Record<string, pulumi.Output<string>> = {};
  const deployments: Record<string, pulumi.Output<TableStreamDeployment>> = {};
  for (const { name, readable, args } of projections) {
    if (!readable)
      pulumi.log.warn(
        `${source.label} has not shared its table's stream with "${name}" yet, so it has no mapping. Run \`pulumi up\` on ${source.label}, then here again.`,
      );
    const projection = new StreamProjection(name, { ...common, ...args });
    roles[name] = projection.projectRoleArn;
    tables[name] = projection.tableName;
    deployments[name] = projection.deployment;
  }
  return { sharedTableReaderRoleArns: roles, sharedTableProjectionTables: tables, deployments };
}

/** Pull mode's outputs: the ingest function's, and what to run next. */
function pullWiring(dedup: DedupTable, config: ConsumerConfig, wiring: PullWiring, source: Peer) {
  const { streamArn, consumerArn } = config.dedupTable.pull ?? {};
  const granted = wiring.grantedTo;

  let nextStep: pulumi.Output<string>;
  if (streamArn) {
    nextStep = dedup.ingestRoleArn.apply((role) => {
      if (!granted || role === granted) return `Wired: the ingest function reads ${consumerArn ?? streamArn}.`;
      // This stack's role was re-created after the grant: Lambda will refuse the mapping until prod grants the new one.
      const message = `${source.label} grants ${granted}, not this stack's ingest role ${role}: run \`pulumi up\` on ${source.label}, then here again.`;
      pulumi.log.warn(message);
      return message;
    });
  } else {
    pulumi.log.warn(
      `${source.label} has not granted this stack's ingest role read access yet, so the ingest function has no event source mapping. Run \`pulumi up\` on ${source.label}, then here again.`,
    );
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${source.label}: it grants ${dedup.ingestRoleArn} read access to the stream. Then run \`pulumi up\` on this stack again to start reading.`;
  }
  return {
    ingestRoleArn: dedup.ingestRoleArn,
    ingestFunctionArn: dedup.ingestFunctionArn,
    deadLetterBucketName: dedup.ingestDeadLetterBucketName,
    nextStep,
  };
}

/** Push mode's outputs: the writer role and its external ID, and what to run next. */
function pushWiring(dedup: DedupTable, config: ConsumerConfig, wiring: NonNullable<ConsumerConfig["push"]>, source: Peer) {
  const principalArn = config.dedupTable.push?.principalArn;

  let nextStep: pulumi.Output<string>;
  const pushFunction = wiring.pushFunctionArn;
  if (pushFunction) {
    nextStep = pulumi.interpolate`Wired: ${pushFunction} writes to this table through ${dedup.writerRoleArn}.`;
  } else if (principalArn) {
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${source.label}: it deploys the push function, which assumes ${dedup.writerRoleArn}.`;
  } else {
    pulumi.log.warn(
      `${source.label} has not reported its push function's role yet, so there is no writer role. Run \`pulumi up\` on ${source.label}, then here again.`,
    );
    nextStep = pulumi.output(
      `Run \`pulumi up\` on ${source.label}: it creates the push function's role. Then run \`pulumi up\` on this stack again to create the writer role that role assumes.`,
    );
  }
  return {
    writerRoleArn: dedup.writerRoleArn,
    writerExternalId: config.dedupTable.push?.externalId,
    nextStep,
  };
}
