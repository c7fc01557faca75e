import * as pulumi from "@pulumi/pulumi";
import { type ProjectionSpec } from "../functions/project/spec";
import { AuroraLoader, type AuroraLoaderArgs, DedupTable, type DedupTableSettings, DYNAMODB_STREAM_MAX_READERS, FirehoseArchive, type FirehoseArchiveArgs, type MonitoringArgs, projectionSettings, StreamProjection, type StreamProjectionArgs, type ArchiveSchemaVersion, validate } from "../components";
import { assertDeployingInto, checkArn, INGEST_CONFIG_KEYS, ingestConfig, readAccounts, type Accounts } from "./accounts";
import { checkCapacity } from "./capacity";
import { StackConfig } from "./config";
import { lastDeployedOutput } from "./last-deployment";
import { alertTopic, dashboard, functionName, pipelineMetric } from "./monitoring";
import { Peer } from "./peer";
import { METRIC_NAMES } from "../functions/shared/telemetry-names";

/** The `archive` config key: FirehoseArchive's arguments but the table's stream, which the stack gives. */
type ArchiveSettings = Omit<FirehoseArchiveArgs, "tableStreamArn">;

/** The `aurora` config key: AuroraLoader's arguments but what the archive gives, and a switch. */
type AuroraSettings = Omit<AuroraLoaderArgs, "archiveBucketName" | "archiveBucketArn" | "columns"> & { enabled?: boolean };

/**
 * One entry of the `projections` and `sharedTableProjections` config keys: a name, and
 * StreamProjection's arguments but the table's stream and its key, the projection written the
 * short way (a group-by entry may be an attribute's name).
 */
type ProjectionSettings = Omit<StreamProjectionArgs, "tableStreamArn" | "tableStreamKmsKeyArn" | "projection"> & { name: string; projection: ProjectionSpec };

/**
 * The consumer account (the cross-account replication design's POC account): the dedup table, and in pull mode the ingest
 * function reading the source stream; in push mode the writer role the source account's function
 * assumes. The table's history is archived to S3 as CSV (FirehoseArchive) and loaded into Aurora
 * MySQL (AuroraLoader, unless config turns it off), and kept in projections (StreamProjection)
 * when config asks for them. Values from the source side come from its stack (`sourceStack`) or from config.
 */
export async function consumerComposition(pulumiConfig: pulumi.Config): Promise<Record<string, pulumi.Input<unknown>>> {
  const config = new StackConfig(pulumiConfig);
  config.warnUnknownKeys();
  const accounts = readAccounts(config);
  await assertDeployingInto(accounts, "consumer");
  const source = new Peer(config, "source");
  await source.assertAgrees(accounts);
  const table = config.object<DedupTableSettings>("table");
  const projections = config.object<ProjectionSettings[]>("projections") ?? [];
  const sharedTableProjections = config.object<ProjectionSettings[]>("sharedTableProjections") ?? [];
  checkProjections(projections, sharedTableProjections, table);
  const protectData = config.boolean("protectData");
  const topic = alertTopic(config);
  const monitoring: MonitoringArgs = { alarmTopicArn: topic.arn };
  const mode = accounts.accessMode === "pull" ? await pullConsumer(config, accounts, source, table, monitoring, protectData) : await pushConsumer(config, accounts, source, table, protectData);
  const archiveSettings = config.object<ArchiveSettings>("archive") ?? {};
  const { enabled: auroraEnabled = true, ...aurora } = config.object<AuroraSettings>("aurora") ?? {};
  // One set of column types: the transform checks every value against them, the loader creates its table with them.
  const columnTypes = archiveSettings.columnTypes ?? aurora.columnTypes;
  if (archiveSettings.columnTypes && aurora.columnTypes && JSON.stringify(archiveSettings.columnTypes) !== JSON.stringify(aurora.columnTypes)) {
    const check = validate(`stack "${pulumi.getStack()}"`, "config");
    check.fail("archive.columnTypes and aurora.columnTypes disagree: set the column types once, in aurora.columnTypes");
    check.done();
  }
  // The schema versions deployed so far: from config when set there, else from this stack's last deployment.
  const schemaHistory = archiveSettings.schemaHistory ?? ((await lastDeployedOutput("archiveSchemaHistory")) as ArchiveSchemaVersion[] | undefined);
  const archive = new FirehoseArchive("clicks", { monitoring, protectData, tableKmsKeyArn: table?.kmsKeyArn, ...archiveSettings, columnTypes, schemaHistory, tableStreamArn: mode.tableStreamArn });
  const loader =
    auroraEnabled &&
    new AuroraLoader("clicks", {
      monitoring,
      protectData,
      ...aurora,
      columnTypes: archive.columnTypes,
      schemaHistory: archive.schemaHistory,
      archiveBucketName: archive.bucketName,
      archiveBucketArn: archive.bucketArn,
      archiveKmsKeyArn: archiveSettings.bucket?.kmsKeyArn,
      columns: archive.csvColumns,
    });
  const projectionTables = Object.fromEntries(
    projections.map(({ name, projection, ...args }) => [name, new StreamProjection(name, { monitoring, protectData, ...args, projection: projectionSettings(projection), tableStreamArn: mode.tableStreamArn, tableStreamKmsKeyArn: table?.kmsKeyArn }).tableName]),
  );
  const capacity = await checkCapacity(
    config,
    "consumer",
    { region: accounts.region, accessMode: accounts.accessMode, ingest: ingestConfig(config).ingest, table, archive: archiveSettings, projections, aurora: { ...aurora, enabled: auroraEnabled } },
    source,
  );
  const shared = await sharedTableConsumers(config, accounts, source, sharedTableProjections, { monitoring, protectData });
  const ingest = functionName("ingestFunctionArn" in mode ? mode.ingestFunctionArn : undefined);
  const forward = functionName(archive.forwardFunctionArn);
  const load = functionName(loader ? loader.loaderFunctionArn : undefined);
  const lambda = (metric: string, name: pulumi.Output<string>, stat?: string) => ({ namespace: "AWS/Lambda", metric, dimensions: { FunctionName: name }, stat });
  const delivery = (metric: string, stat?: string) => ({ namespace: "AWS/Firehose", metric, dimensions: { DeliveryStreamName: archive.deliveryStreamName }, stat });
  const board = dashboard("clickstream-consumer", [
    { title: "Ingest: invocations, errors, iterator age", metrics: [lambda("Invocations", ingest), lambda("Errors", ingest), lambda("IteratorAge", ingest, "Maximum")] },
    { title: "Dedup table: writes", metrics: [{ namespace: "AWS/DynamoDB", metric: "ConsumedWriteCapacityUnits", dimensions: { TableName: mode.tableName } }] },
    { title: "Forward: invocations, errors, iterator age", metrics: [lambda("Invocations", forward), lambda("Errors", forward), lambda("IteratorAge", forward, "Maximum")] },
    { title: "Firehose: records in, delivered, freshness", metrics: [delivery("IncomingRecords"), delivery("DeliveryToS3.Records"), delivery("DeliveryToS3.DataFreshness", "Maximum")] },
    { title: "Loader: invocations, errors, rows loaded", metrics: [lambda("Invocations", load), lambda("Errors", load), ...(loader ? [pipelineMetric(METRIC_NAMES.rowsLoaded, "load")] : [])] },
    { title: "Records parked or refused", metrics: [pipelineMetric("clicks-ingest-parked"), pipelineMetric("clicks-forward-parked"), pipelineMetric("clicks-failed-transformations")] },
  ]);
  return {
    accessMode: accounts.accessMode,
    region: accounts.region,
    accountId: accounts.consumerAccountId,
    ...mode,
    projectionTables,
    ...shared,
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
      loaderFunctionArn: loader.loaderFunctionArn,
      failedLoadsQueueUrl: loader.failedEventsQueueUrl,
      vpcId: loader.vpcId,
      subnetIds: loader.subnetIds,
    }),
    ...capacity,
  };
}

/**
 * Refuses, at preview, projections the table streams cannot serve. DynamoDB Streams serves at most
 * two readers per shard; a third throttles every reader of the shard (components/internal/aws-rules.ts). The
 * dedup table's stream already feeds the archive's forward function, so it takes one projection;
 * the shared table's stream, in the source account, takes two from here (counting none of its own).
 */
function checkProjections(projections: ProjectionSettings[], shared: ProjectionSettings[], table: DedupTableSettings | undefined): void {
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  const names = new Set<string>();
  for (const [key, list] of [["projections", projections], ["sharedTableProjections", shared]] as const) {
    for (const [i, projection] of list.entries()) {
      if (!projection.name) check.fail(`${key}[${i}] needs a name`);
      if (names.has(projection.name)) check.fail(`${key} has two entries named "${projection.name}" (names are unique across projections and sharedTableProjections)`);
      names.add(projection.name);
    }
  }
  const readerLimit = (key: string, readers: number, others: number, stream: string) => {
    if (readers + others > DYNAMODB_STREAM_MAX_READERS) {
      check.fail(
        `${key} lists ${readers} projections, but DynamoDB Streams serves at most ${DYNAMODB_STREAM_MAX_READERS} readers per shard and ${stream}` +
          `: keep at most ${DYNAMODB_STREAM_MAX_READERS - others}, or feed more readers from a fan-out (Kinesis Data Streams for DynamoDB, or one projection's own table stream); see the README (Stream readers)`,
      );
    }
  };
  readerLimit("projections", projections.length, 1, "the dedup table's stream already feeds the archive's forward function");
  readerLimit("sharedTableProjections", shared.length, 0, "each of them reads the shared table's stream");
  for (const [i, projection] of projections.entries()) {
    if (projection.projection?.kind === "index" && table?.streamViewType !== "NEW_AND_OLD_IMAGES") {
      pulumi.log.warn(`projections[${i}] ("${projection.name}") indexes a stream without old images: removed items and changed keys stay in the index (set table.streamViewType NEW_AND_OLD_IMAGES to follow them)`);
    }
    if (projection.projection?.kind === "aggregate" && table?.streamViewType !== "NEW_AND_OLD_IMAGES") {
      check.fail(`projections[${i}] ("${projection.name}") aggregates, which needs table.streamViewType NEW_AND_OLD_IMAGES to correct its counts on MODIFY and REMOVE`);
    }
  }
  check.done();
}

/**
 * The cross-account DynamoDB Streams design: projections in this account fed by the source account's shared table stream. Each
 * function's role is created first, exported (`sharedTableReaderRoleArns`) for the source stack to
 * grant; its mapping follows once the source stack reports that grant (or config names the stream).
 */
async function sharedTableConsumers(config: StackConfig, accounts: Accounts, source: Peer, projections: ProjectionSettings[], common: { monitoring: MonitoringArgs; protectData: boolean | undefined }) {
  if (projections.length === 0) return {};
  const granted = await source.outputMap("sharedTableReadGrantedTo");
  const configuredStream = config.string("sourceSharedTableStreamArn");
  const [streamArn, keyArn] = await Promise.all([
    configuredStream ?? source.output("sharedTableStreamArn"),
    config.string("sourceSharedTableKmsKeyArn") ?? source.output("sharedTableKmsKeyArn"),
  ]);
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  const inSource = { account: accounts.sourceAccountId, region: accounts.region };
  checkArn(check, "sourceSharedTableStreamArn", streamArn, { service: "dynamodb", resource: "table/", ...inSource });
  checkArn(check, "sourceSharedTableKmsKeyArn", keyArn, { service: "kms", resource: "key/", ...inSource });
  check.done();

  const roles: Record<string, pulumi.Output<string>> = {};
  const tables: Record<string, pulumi.Output<string>> = {};
  for (const { name, projection: spec, ...args } of projections) {
    const readable = streamArn && (configuredStream || granted?.[name]);
    if (!readable) pulumi.log.warn(`${source.label} has not shared its table's stream with "${name}" yet, so it has no mapping. Run \`pulumi up\` on ${source.label}, then here again.`);
    const projection = new StreamProjection(name, { ...common, ...args, projection: projectionSettings(spec), tableStreamArn: readable ? streamArn : undefined, tableStreamKmsKeyArn: readable ? keyArn : undefined });
    roles[name] = projection.roleArn;
    tables[name] = projection.tableName;
  }
  return { sharedTableReaderRoleArns: roles, sharedTableProjectionTables: tables };
}

async function pullConsumer(config: StackConfig, accounts: Accounts, source: Peer, table: DedupTableSettings | undefined, monitoring: MonitoringArgs, protectData: boolean | undefined) {
  // The mapping can be created only once the source has granted this stack's role: a stream
  // ARN from the source stack counts once that stack reports the grant; one in config, always.
  const granted = await source.output("streamReadGrantedTo");
  const fromSource = (configKey: string, output: string) => config.string(configKey) ?? (granted ? source.output(output) : undefined);
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
    protectData,
  });

  let nextStep: pulumi.Output<string>;
  if (streamArn) {
    if (config.string("sourceStreamArn") && !streamKmsKeyArn) {
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

async function pushConsumer(config: StackConfig, accounts: Accounts, source: Peer, table: DedupTableSettings | undefined, protectData: boolean | undefined) {
  const principalArn = await source.value("sourceIngestRoleArn", "pushIngestRoleArn");
  const externalId = config.secret("writerExternalId");
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  if (!externalId) check.fail('writerExternalId is required with accessMode "push": set it with `pulumi config set --secret writerExternalId <value>`');
  checkArn(check, "sourceIngestRoleArn", principalArn, { service: "iam", resource: "role/", account: accounts.sourceAccountId });
  check.done();

  const pullOnly = INGEST_CONFIG_KEYS.filter((key) => config.isSet(key));
  if (pullOnly.length > 0) {
    pulumi.log.warn(`${pullOnly.join(", ")} configure the ingest function, which runs in the source account in push mode: set them on ${source.label}`);
  }
  const dedup = new DedupTable("clicks", { accessMode: "push", writerPrincipalArn: principalArn, writerExternalId: externalId, table, protectData });

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
