import * as pulumi from "@pulumi/pulumi";
import { DedupTable, type DedupTableSettings } from "../components/dedup-table";
import { type MonitoringArgs } from "../components/alarms";
import { AuroraLoader, type AuroraLoaderArgs } from "../components/aurora-loader";
import { FirehoseArchive, type FirehoseArchiveArgs } from "../components/firehose-archive";
import { StreamProjection, type StreamProjectionArgs } from "../components/stream-projection";
import { validate } from "../components/validation";
import { assertDeployingInto, checkArn, ingestConfig, readAccounts, type Accounts } from "./accounts";
import { alertTopic, dashboard, functionName, pipelineMetric } from "./monitoring";
import { Peer } from "./peer";

/** The `archive` config key: FirehoseArchive's arguments but the table's stream, which the stack gives. */
type ArchiveSettings = Omit<FirehoseArchiveArgs, "tableStreamArn">;

/** The `aurora` config key: AuroraLoader's arguments but what the archive gives, and a switch. */
type AuroraSettings = Omit<AuroraLoaderArgs, "archiveBucketName" | "archiveBucketArn" | "columns"> & { enabled?: boolean };

/** One entry of the `projections` config key: a name, and StreamProjection's arguments but the table's stream. */
type ProjectionSettings = Omit<StreamProjectionArgs, "tableStreamArn"> & { name: string };

/**
 * The consumer account (seed 000's POC account): the dedup table, and in pull mode the ingest
 * function reading the source stream; in push mode the writer role the source account's function
 * assumes. The table's history is archived to S3 as CSV (FirehoseArchive) and loaded into Aurora
 * MySQL (AuroraLoader, unless config turns it off), and kept in projections (StreamProjection)
 * when config asks for them. Values from the source side come from its stack (`sourceStack`) or from config.
 */
export async function consumerStack(config: pulumi.Config): Promise<Record<string, pulumi.Input<unknown>>> {
  const accounts = readAccounts(config);
  await assertDeployingInto(accounts, "consumer");
  const source = new Peer(config, "source");
  await source.assertAgrees(accounts);
  const table = config.getObject<DedupTableSettings>("table");
  const projections = config.getObject<ProjectionSettings[]>("projections") ?? [];
  checkProjections(projections, table);
  const topic = alertTopic(config);
  const monitoring: MonitoringArgs = { alarmTopicArn: topic.arn };
  const mode = accounts.accessMode === "pull" ? await pullConsumer(config, accounts, source, table, monitoring) : await pushConsumer(config, accounts, source, table);
  const archiveSettings = config.getObject<ArchiveSettings>("archive") ?? {};
  const { enabled: auroraEnabled = true, ...aurora } = config.getObject<AuroraSettings>("aurora") ?? {};
  // One set of column types: the transform checks every value against them, the loader creates its table with them.
  const columnTypes = archiveSettings.columnTypes ?? aurora.columnTypes;
  if (archiveSettings.columnTypes && aurora.columnTypes && JSON.stringify(archiveSettings.columnTypes) !== JSON.stringify(aurora.columnTypes)) {
    const check = validate(`stack "${pulumi.getStack()}"`, "config");
    check.fail("archive.columnTypes and aurora.columnTypes disagree: set the column types once, in aurora.columnTypes");
    check.done();
  }
  const archive = new FirehoseArchive("clicks", { monitoring, ...archiveSettings, columnTypes, tableStreamArn: mode.tableStreamArn });
  const loader =
    auroraEnabled &&
    new AuroraLoader("clicks", {
      monitoring,
      ...aurora,
      columnTypes: archive.columnTypes,
      archiveBucketName: archive.bucketName,
      archiveBucketArn: archive.bucketArn,
      archiveKmsKeyArn: archiveSettings.bucket?.kmsKeyArn,
      columns: archive.csvColumns,
    });
  const projectionTables = Object.fromEntries(
    projections.map(({ name, ...args }) => [name, new StreamProjection(name, { monitoring, ...args, tableStreamArn: mode.tableStreamArn }).tableName]),
  );
  const ingest = functionName("ingestFunctionArn" in mode ? mode.ingestFunctionArn : undefined);
  const forward = functionName(archive.forwardFunctionArn);
  const load = functionName(loader ? loader.loaderFunctionArn : undefined);
  const board = dashboard("clickstream-consumer", [
    { title: "Ingest (pull mode): invocations, errors, iterator age", metrics: [["AWS/Lambda", "Invocations", "FunctionName", ingest], ["AWS/Lambda", "Errors", "FunctionName", ingest], ["AWS/Lambda", "IteratorAge", "FunctionName", ingest, { stat: "Maximum" }]] },
    { title: "Dedup table: writes", metrics: [["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", mode.tableName]] },
    { title: "Forward: invocations, errors, iterator age", metrics: [["AWS/Lambda", "Invocations", "FunctionName", forward], ["AWS/Lambda", "Errors", "FunctionName", forward], ["AWS/Lambda", "IteratorAge", "FunctionName", forward, { stat: "Maximum" }]] },
    { title: "Firehose: records in, delivered, freshness", metrics: [["AWS/Firehose", "IncomingRecords", "DeliveryStreamName", archive.deliveryStreamName], ["AWS/Firehose", "DeliveryToS3.Records", "DeliveryStreamName", archive.deliveryStreamName], ["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", archive.deliveryStreamName, { stat: "Maximum" }]] },
    { title: "Loader: invocations, errors, rows loaded", metrics: [["AWS/Lambda", "Invocations", "FunctionName", load], ["AWS/Lambda", "Errors", "FunctionName", load], pipelineMetric("RowsLoaded", "load")] },
    { title: "Records parked or refused", metrics: [pipelineMetric("clicks-ingest-parked"), pipelineMetric("clicks-forward-parked"), pipelineMetric("clicks-failed-transformations")] },
  ]);
  return {
    accessMode: accounts.accessMode,
    region: accounts.region,
    accountId: accounts.consumerAccountId,
    ...mode,
    projectionTables,
    alertTopicArn: topic.arn,
    dashboardName: board.dashboardName,
    archiveBucketName: archive.bucketName,
    deliveryStreamName: archive.deliveryStreamName,
    archiveCsvColumns: archive.csvColumns,
    forwardDeadLetterBucketName: archive.forwardDeadLetterBucketName,
    ...(loader && {
      clusterEndpoint: loader.clusterEndpoint,
      clusterArn: loader.clusterArn,
      clusterPort: loader.clusterPort,
      databaseName: loader.databaseName,
      databaseTable: loader.tableName,
      databaseSecretArn: loader.secretArn,
      loaderFunctionArn: loader.loaderFunctionArn,
      failedLoadsQueueUrl: loader.failedEventsQueueUrl,
      vpcId: loader.vpcId,
      subnetIds: loader.subnetIds,
    }),
  };
}

function checkProjections(projections: ProjectionSettings[], table: DedupTableSettings | undefined): void {
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  const names = new Set<string>();
  for (const [i, projection] of projections.entries()) {
    if (!projection.name) check.fail(`projections[${i}] needs a name`);
    if (names.has(projection.name)) check.fail(`projections has two entries named "${projection.name}"`);
    names.add(projection.name);
    if (projection.projection?.kind === "index" && table?.streamViewType !== "NEW_AND_OLD_IMAGES") {
      pulumi.log.warn(`projections[${i}] ("${projection.name}") indexes a stream without old images: removed items and changed keys stay in the index (set table.streamViewType NEW_AND_OLD_IMAGES to follow them)`);
    }
    if (projection.projection?.kind === "aggregate" && table?.streamViewType !== "NEW_AND_OLD_IMAGES") {
      check.fail(`projections[${i}] ("${projection.name}") aggregates, which needs table.streamViewType NEW_AND_OLD_IMAGES to correct its counts on MODIFY and REMOVE`);
    }
  }
  check.done();
}

async function pullConsumer(config: pulumi.Config, accounts: Accounts, source: Peer, table: DedupTableSettings | undefined, monitoring: MonitoringArgs) {
  // The mapping can be created only once the source has granted this stack's role: a stream
  // ARN from the source stack counts once that stack reports the grant; one in config, always.
  const granted = await source.output("streamReadGrantedTo");
  const fromSource = (configKey: string, output: string) => config.get(configKey) ?? (granted ? source.output(output) : undefined);
  const [streamArn, consumerArn, streamKmsKeyArn] = await Promise.all([
    fromSource("sourceStreamArn", "streamArn"),
    fromSource("sourceConsumerArn", "streamConsumerArn"),
    fromSource("sourceStreamKmsKeyArn", "streamKmsKeyArn"),
  ]);
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  const inSource = { account: accounts.sourceAccountId, region: accounts.region };
  checkArn(check, "sourceStreamArn", streamArn, { service: "kinesis", resource: "stream/", ...inSource });
  checkArn(check, "sourceConsumerArn", consumerArn, { service: "kinesis", resource: "stream/", ...inSource });
  checkArn(check, "sourceStreamKmsKeyArn", streamKmsKeyArn, { service: "kms", resource: "key/", ...inSource });
  check.done();

  const dedup = new DedupTable("clicks", {
    accessMode: "pull",
    streamArn,
    consumerArn,
    streamKmsKeyArn,
    table,
    ...ingestConfig(config),
    monitoring,
  });

  let nextStep: pulumi.Output<string>;
  if (streamArn) {
    if (config.get("sourceStreamArn") && !streamKmsKeyArn) {
      pulumi.log.warn("sourceStreamArn is set without sourceStreamKmsKeyArn: if the stream is encrypted with a customer-managed key, the ingest role cannot decrypt its records");
    }
    nextStep = dedup.ingestRoleArn.apply((role) => {
      if (!granted || role === granted) return `Wired: the ingest function reads ${consumerArn ?? streamArn}.`;
      // This stack's role was re-created after the grant: Lambda will refuse the mapping until prod grants the new one.
      const message = `${source.label} grants ${granted}, not this stack's ingest role ${role}: run \`pulumi up\` on ${source.label}, then here again.`;
      pulumi.log.warn(message);
      return message;
    });
  } else {
    pulumi.log.warn(`${source.label} has not granted this stack's ingest role read access yet, so the ingest function has no event source mapping. Run \`pulumi up\` on ${source.label}, then here again.`);
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${source.label}: it grants ${dedup.ingestRoleArn} read access to the stream. Then run \`pulumi up\` on this stack again to start reading.`;
  }
  return {
    tableName: dedup.tableName,
    tableArn: dedup.tableArn,
    tableStreamArn: dedup.tableStreamArn,
    ingestRoleArn: dedup.ingestRoleArn,
    ingestFunctionArn: dedup.ingestFunctionArn,
    deadLetterBucketName: dedup.deadLetterBucketName,
    nextStep,
  };
}

async function pushConsumer(config: pulumi.Config, accounts: Accounts, source: Peer, table: DedupTableSettings | undefined) {
  const principalArn = await source.value("sourceIngestRoleArn", "pushIngestRoleArn");
  const externalId = config.getSecret("writerExternalId");
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  if (!externalId) check.fail('writerExternalId is required with accessMode "push": set it with `pulumi config set --secret writerExternalId <value>`');
  checkArn(check, "sourceIngestRoleArn", principalArn, { service: "iam", resource: "role/", account: accounts.sourceAccountId });
  check.done();

  const pullOnly = ["ingest", "deadLetterExpireAfterDays", "logRetentionDays"].filter((key) => config.get(key) !== undefined);
  if (pullOnly.length > 0) {
    pulumi.log.warn(`${pullOnly.join(", ")} configure the ingest function, which runs in the source account in push mode: set them on ${source.label}`);
  }
  const dedup = new DedupTable("clicks", { accessMode: "push", writerPrincipalArn: principalArn, writerExternalId: externalId, table });

  let nextStep: pulumi.Output<string>;
  const pushFunction = await source.output("pushIngestFunctionArn");
  if (pushFunction) {
    nextStep = pulumi.interpolate`Wired: ${pushFunction} writes to this table through ${dedup.writerRoleArn}.`;
  } else if (principalArn) {
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${source.label}: it deploys the push function, which assumes ${dedup.writerRoleArn}.`;
  } else {
    pulumi.log.warn(`${source.label} has not reported its push function's role yet, so there is no writer role. Run \`pulumi up\` on ${source.label}, then here again.`);
    nextStep = pulumi.output(`Run \`pulumi up\` on ${source.label}: it creates the push function's role. Then run \`pulumi up\` on this stack again to create the writer role that role assumes.`);
  }
  return {
    tableName: dedup.tableName,
    tableArn: dedup.tableArn,
    tableStreamArn: dedup.tableStreamArn,
    writerRoleArn: dedup.writerRoleArn,
    writerExternalId: externalId,
    nextStep,
  };
}
