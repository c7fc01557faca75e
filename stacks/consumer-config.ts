import * as pulumi from "@pulumi/pulumi";
import { type SettingsInput } from "../capacity/settings";
import { type ProjectionSpec } from "../functions/project/spec";
import {
  type ArchiveSchemaVersion,
  type AuroraLoaderArgs,
  type AuroraLoaderDeployment,
  type DedupTableDeployment,
  type TableStreamDeployment,
  type Check,
  type DedupTableArgs,
  type DedupTableSettings,
  DYNAMODB_STREAM_MAX_READERS,
  type FirehoseArchiveArgs,
  type FirehoseArchiveDeployment,
  projectionSettings,
  type StreamProjectionArgs,
} from "../components";
import { checkArn } from "./accounts";
import { type StackConfig } from "./config";
import { lastDeployedOutput } from "./last-deployment";
import { configCheck, INGEST_CONFIG_KEYS, type IngestConfig, readIngestConfig, readStackBasics, type StackBasics } from "./stack-basics";

/** The `archive` config key: FirehoseArchive's arguments but the table's stream, which the stack gives. */
type ArchiveSettings = Omit<FirehoseArchiveArgs, "tableStreamArn">;

/** The `aurora` config key: AuroraLoader's arguments but what the archive gives, and a switch. */
type AuroraSettings = Omit<AuroraLoaderArgs, "archiveBucketName" | "archiveBucketArn" | "columns"> & { enabled?: boolean };

/**
 * One entry of the `projections` and `sharedTableProjections` config keys: a name, and
 * StreamProjection's arguments but the table's stream and its key, the projection written the
 * short way (a group-by entry may be an attribute's name).
 */
export type ProjectionConfig = Omit<StreamProjectionArgs, "tableStreamArn" | "tableStreamKmsKeyArn" | "projection"> & {
  name: string;
  projection: ProjectionSpec;
};

/** The consumer stack's `deployments` output: each component's `deployment`, given back to it as `lastDeployment`. */
export interface ConsumerDeployments {
  dedupTable: DedupTableDeployment;
  archive: FirehoseArchiveDeployment;
  loader?: AuroraLoaderDeployment;
  /** By projection name, the dedup table's projections and the shared table's. */
  projections: Record<string, TableStreamDeployment>;
}

/** A projection to compose: its name, and StreamProjection's arguments but `monitoring` (and the dedup table's stream, for `projections`). */
export interface NamedProjection<Args> {
  name: string;
  args: Args;
}

/** Pull mode: what the source stack granted, for the wiring messages. */
export interface PullWiring {
  /** The role the source stack reports it granted, if it reports one. */
  grantedTo: string | undefined;
}

/** The consumer (poc) stack's config, read and checked: the component arguments it composes, and what the source stack reported. */
export interface ConsumerConfig extends StackBasics {
  /** DedupTable's arguments but `monitoring`. */
  dedupTable: DedupTableArgs;
  pull?: PullWiring;
  /** Push mode: the source stack's push function, once it reports one, and when the items it writes expire. */
  push?: { pushFunctionArn: string | undefined; itemExpireAfterDays: number | undefined };
  /** FirehoseArchive's arguments but the table's stream and `monitoring`. */
  archive: Omit<FirehoseArchiveArgs, "tableStreamArn" | "monitoring">;
  /** AuroraLoader's arguments but what the archive gives and `monitoring`; undefined when `aurora.enabled` is false. */
  aurora:
    | Omit<AuroraLoaderArgs, "archiveBucketName" | "archiveBucketArn" | "archiveKmsKeyArn" | "columns" | "columnTypes" | "schemaHistory" | "monitoring">
    | undefined;
  /** Projections of the dedup table's stream. */
  projections: NamedProjection<Omit<StreamProjectionArgs, "tableStreamArn" | "monitoring">>[];
  /** Projections of the source's shared table stream; `readable` once the source granted it (or config names the stream). */
  sharedTableProjections: (NamedProjection<Omit<StreamProjectionArgs, "monitoring">> & { readable: boolean })[];
  /** The settings the capacity check models this side with. */
  capacityInput: SettingsInput;
}

/**
 * Every config key the consumer stack reads, and every value it takes from the source stack (or
 * config in its place), read and checked here once; all problems fail the preview together, as
 * one RunError.
 */
export async function readConsumerConfig(config: StackConfig): Promise<ConsumerConfig> {
  const check = configCheck();
  const basics = await readStackBasics(config, "consumer", check);
  const { accounts, protectData } = basics;
  const table = config.object<DedupTableSettings>("table");
  const projections = config.object<ProjectionConfig[]>("projections") ?? [];
  const sharedTableProjections = config.object<ProjectionConfig[]>("sharedTableProjections") ?? [];
  checkProjections(check, projections, sharedTableProjections, table);
  const ingest = readIngestConfig(config, check);
  const access = accounts.accessMode === "pull" ? await readPull(config, basics, check, table, ingest) : await readPush(config, basics, check, table);

  const archiveSettings = config.object<ArchiveSettings>("archive") ?? {};
  const { enabled: auroraEnabled = true, ...aurora } = config.object<AuroraSettings>("aurora") ?? {};
  // One set of column types: the transform checks every value against them, the loader creates its table with them.
  if (archiveSettings.columnTypes && aurora.columnTypes && JSON.stringify(archiveSettings.columnTypes) !== JSON.stringify(aurora.columnTypes)) {
    check.fail("archive.columnTypes and aurora.columnTypes disagree: set the column types once, in aurora.columnTypes");
  }
  const shared = await readSharedTableProjections(config, basics, check, sharedTableProjections);
  const sourceShardCount = basics.capacity.load ? await basics.peer.number("streamShardCount") : undefined;
  check.done();

  // The schema versions deployed so far: from config when set there, else from this stack's last deployment.
  const schemaHistory = archiveSettings.schemaHistory ?? ((await lastDeployedOutput("archiveSchemaHistory")) as ArchiveSchemaVersion[] | undefined);
  // What the last deployment holds that this one must not lose records over, and the changes whose runbook was followed.
  const last = ((await lastDeployedOutput("deployments")) ?? {}) as Partial<ConsumerDeployments>;
  const liveChangesAcknowledged = config.object<string[]>("liveChangesAcknowledged");
  const { columnTypes: auroraColumnTypes, ...auroraArgs } = aurora;
  return {
    ...basics,
    ...access,
    dedupTable: { ...access.dedupTable, lastDeployment: last.dedupTable, liveChangesAcknowledged },
    archive: {
      protectData,
      tableKmsKeyArn: table?.kmsKeyArn,
      ...archiveSettings,
      columnTypes: archiveSettings.columnTypes ?? auroraColumnTypes,
      schemaHistory,
      lastDeployment: last.archive,
      liveChangesAcknowledged,
    },
    aurora: auroraEnabled ? { protectData, ...auroraArgs, lastDeployment: last.loader } : undefined,
    projections: projections.map(({ name, projection, ...args }) => ({
      name,
      args: {
        protectData,
        ...args,
        projection: projectionSettings(projection),
        tableStreamKmsKeyArn: table?.kmsKeyArn,
        lastDeployment: last.projections?.[name],
        liveChangesAcknowledged,
      },
    })),
    sharedTableProjections: shared.map((projection) => ({
      ...projection,
      args: { ...projection.args, lastDeployment: last.projections?.[projection.name], liveChangesAcknowledged },
    })),
    capacityInput: {
      region: accounts.region,
      accessMode: accounts.accessMode,
      // The source stream's shard count, which this side's stages divide the load by; unset: on-demand.
      stream: { shardCount: sourceShardCount },
      // When the dedup table's items expire: from the source stream's retention in pull mode, as the source's push function reports it in push mode.
      streamRetentionHours: access.dedupTable.pull?.streamRetentionHours,
      itemExpireAfterDays: "push" in access ? access.push.itemExpireAfterDays : undefined,
      ingest: ingest.ingest,
      table,
      archive: archiveSettings,
      projections,
      aurora: { ...aurora, enabled: auroraEnabled },
    },
  };
}

/**
 * Pull mode: the source stream, its fan-out consumer and its key. The mapping can be created only
 * once the source has granted this stack's role: a stream ARN from the source stack counts once
 * that stack reports the grant; one in config, always.
 */
async function readPull(
  config: StackConfig,
  { accounts, peer: source, protectData }: StackBasics,
  check: Check,
  table: DedupTableSettings | undefined,
  ingest: IngestConfig,
) {
  const grantedTo = await source.output("streamReadGrantedTo");
  const fromSource = (configKey: string, output: string) => config.string(configKey) ?? (grantedTo ? source.output(output) : undefined);
  const [streamArn, consumerArn, streamKmsKeyArn, streamRetentionHours] = await Promise.all([
    fromSource("sourceStreamArn", "streamArn"),
    fromSource("sourceConsumerArn", "streamConsumerArn"),
    fromSource("sourceStreamKmsKeyArn", "streamKmsKeyArn"),
    // How long the source keeps records decides how long the table keeps items: config, else the source stack's.
    Promise.resolve(config.number("sourceStreamRetentionHours")).then((hours) => hours || source.number("streamRetentionHours")),
  ]);
  const inSource = { account: accounts.sourceAccountId, region: accounts.region };
  checkArn(check, "sourceStreamArn", streamArn, { service: "kinesis", resource: "stream/", ...inSource });
  checkArn(check, "sourceConsumerArn", consumerArn, { service: "kinesis", resource: "stream/", ...inSource });
  checkArn(check, "sourceStreamKmsKeyArn", streamKmsKeyArn, { service: "kms", resource: "key/", ...inSource });
  if (streamArn && config.string("sourceStreamArn") && !streamKmsKeyArn) {
    pulumi.log.warn(
      "sourceStreamArn is set without sourceStreamKmsKeyArn: if the stream is encrypted with a customer-managed key, the ingest role cannot decrypt its records",
    );
  }
  const dedupTable: DedupTableArgs = { pull: { streamArn, consumerArn, streamKmsKeyArn, streamRetentionHours }, table, ...ingest, protectData };
  return { dedupTable, pull: { grantedTo } };
}

/** Push mode: the source's push function role, which the writer role trusts, and the external ID it must present. */
async function readPush(config: StackConfig, { accounts, peer: source, protectData }: StackBasics, check: Check, table: DedupTableSettings | undefined) {
  const principalArn = await source.value("sourceIngestRoleArn", "pushIngestRoleArn");
  // Not a secret: AWS documents the external ID as none, and anyone who may read the writer role sees it in its trust policy.
  const externalId = config.string("writerExternalId");
  if (!externalId)
    check.fail('writerExternalId is required with accessMode "push": set it with `pulumi config set writerExternalId "$(openssl rand -hex 16)"`');
  checkArn(check, "sourceIngestRoleArn", principalArn, { service: "iam", resource: "role/", account: accounts.sourceAccountId });
  const pullOnly = INGEST_CONFIG_KEYS.filter((key) => config.isSet(key));
  if (pullOnly.length > 0) {
    pulumi.log.warn(`${pullOnly.join(", ")} configure the ingest function, which runs in the source account in push mode: set them on ${source.label}`);
  }
  const dedupTable: DedupTableArgs = { push: { principalArn, externalId: externalId! }, table, protectData };
  return {
    dedupTable,
    push: { pushFunctionArn: await source.output("pushIngestFunctionArn"), itemExpireAfterDays: await source.number("itemExpireAfterDays") },
  };
}

/**
 * The cross-account DynamoDB Streams design: projections here fed by the source account's shared
 * table stream. Each is readable once the source stack reports its grant (or config names the stream).
 */
async function readSharedTableProjections(
  config: StackConfig,
  { accounts, peer: source, protectData }: StackBasics,
  check: Check,
  projections: ProjectionConfig[],
): Promise<ConsumerConfig["sharedTableProjections"]> {
  if (projections.length === 0) return [];
  const granted = await source.outputMap("sharedTableReadGrantedTo");
  const configuredStream = config.string("sourceSharedTableStreamArn");
  const [streamArn, keyArn] = await Promise.all([
    configuredStream ?? source.output("sharedTableStreamArn"),
    config.string("sourceSharedTableKmsKeyArn") ?? source.output("sharedTableKmsKeyArn"),
  ]);
  const inSource = { account: accounts.sourceAccountId, region: accounts.region };
  checkArn(check, "sourceSharedTableStreamArn", streamArn, { service: "dynamodb", resource: "table/", ...inSource });
  checkArn(check, "sourceSharedTableKmsKeyArn", keyArn, { service: "kms", resource: "key/", ...inSource });
  return projections.map(({ name, projection, ...args }) => {
    const readable = Boolean(streamArn && (configuredStream || granted?.[name]));
    return {
      name,
      readable,
      args: {
        protectData,
        ...args,
        projection: projectionSettings(projection),
        tableStreamArn: readable ? streamArn : undefined,
        tableStreamKmsKeyArn: readable ? keyArn : undefined,
      },
    };
  });
}

/**
 * Refuses projections the table streams cannot serve. DynamoDB Streams serves at most two readers
 * per shard; a third throttles every reader of the shard (components/internal/aws-rules.ts). The
 * dedup table's stream already feeds the archive's forward function, so it takes one projection;
 * the shared table's stream, in the source account, takes two from here (counting none of its own).
 */
function checkProjections(check: Check, projections: ProjectionConfig[], shared: ProjectionConfig[], table: DedupTableSettings | undefined): void {
  const names = new Set<string>();
  for (const [key, list] of [
    ["projections", projections],
    ["sharedTableProjections", shared],
  ] as const) {
    for (const [i, projection] of list.entries()) {
      if (!projection.name) check.fail(`${key}[${i}] needs a name`);
      if (names.has(projection.name))
        check.fail(`${key} has two entries named "${projection.name}" (names are unique across projections and sharedTableProjections)`);
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
      pulumi.log.warn(
        `projections[${i}] ("${projection.name}") indexes a stream without old images: removed items and changed keys stay in the index (set table.streamViewType NEW_AND_OLD_IMAGES to follow them)`,
      );
    }
    if (projection.projection?.kind === "aggregate" && table?.streamViewType !== "NEW_AND_OLD_IMAGES") {
      check.fail(
        `projections[${i}] ("${projection.name}") aggregates, which needs table.streamViewType NEW_AND_OLD_IMAGES to correct its counts on MODIFY and REMOVE`,
      );
    }
  }
}
