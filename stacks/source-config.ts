import { type SettingsInput } from "../capacity/settings";
import {
  type CrossAccountStreamSourceArgs,
  type CrossAccountStreamSourceDeployment,
  type PushIngestArgs,
  type SharedTableSettings,
  type StreamSettings,
} from "../components";
import { lastDeployedOutput } from "./last-deployment";
import { checkArn } from "./accounts";
import { type StackConfig } from "./config";
import { configCheck, readIngestConfig, readStackBasics, type StackBasics } from "./stack-basics";

/** The source (prod) stack's config, read and checked: the component arguments it composes, and what the consumer stack reported. */
export interface SourceConfig extends StackBasics {
  /** CrossAccountStreamSource's arguments but `monitoring`. */
  streamSource: Omit<CrossAccountStreamSourceArgs, "monitoring">;
  /** The consumer's shared-table reader roles, by projection name, as it named them. */
  readerRoles: Record<string, string>;
  /** Push mode: PushIngest's arguments but the stream and `monitoring`; `writer` once the consumer reported its writer role. */
  push?: Omit<PushIngestArgs, "streamArn" | "consumerArn" | "streamKmsKeyArn" | "monitoring">;
  /** The settings the capacity check models this side with. */
  capacityInput: SettingsInput;
}

/**
 * Every config key the source stack reads, and every value it takes from the consumer stack (or
 * config in its place), read and checked here once; all problems fail the preview together, as
 * one RunError.
 */
export async function readSourceConfig(config: StackConfig): Promise<SourceConfig> {
  const check = configCheck();
  const basics = await readStackBasics(config, "source", check);
  const { accounts, peer: consumer } = basics;
  const inConsumer = { service: "iam", resource: "role/", account: accounts.consumerAccountId };

  const consumerRoleArn = accounts.accessMode === "pull" ? await consumer.value("consumerIngestRoleArn", "ingestRoleArn") : undefined;
  checkArn(check, "consumerIngestRoleArn", consumerRoleArn, inConsumer);
  const sharedTable = config.object<SharedTableSettings>("sharedTable");
  const readerRoles = sharedTable ? ((await consumer.map("consumerSharedTableReaderRoleArns", "sharedTableReaderRoleArns")) ?? {}) : {};
  for (const [name, arn] of Object.entries(readerRoles)) checkArn(check, `consumerSharedTableReaderRoleArns.${name}`, arn, inConsumer);
  const stream = config.object<StreamSettings>("stream");
  const fanOutConsumerName = config.string("fanOutConsumerName");
  const ingest = readIngestConfig(config, check);

  let push: SourceConfig["push"];
  if (accounts.accessMode === "push") {
    const [writerRoleArn, tableName, externalId] = await Promise.all([
      consumer.value("consumerWriterRoleArn", "writerRoleArn"),
      consumer.value("consumerTableName", "tableName"),
      consumer.value("writerExternalId", "writerExternalId"),
    ]);
    checkArn(check, "consumerWriterRoleArn", writerRoleArn, inConsumer);
    if (Boolean(writerRoleArn) !== Boolean(tableName)) {
      check.fail(`the consumer's writer role and table name go together: ${writerRoleArn ? "consumerTableName" : "consumerWriterRoleArn"} is missing`);
    }
    if (writerRoleArn && !externalId) {
      check.fail(
        `writerExternalId is required with accessMode "push": set it with \`pulumi config set writerExternalId <value>\` (the consumer stack's value), or read it from ${consumer.label} by setting consumerStack`,
      );
    }
    const writer = writerRoleArn && tableName && externalId ? { roleArn: writerRoleArn, tableName, externalId } : undefined;
    push = { writer, ...ingest, streamRetentionHours: stream?.retentionHours, protectData: basics.protectData, tags: basics.tags };
  }
  check.done();

  // What the last deployment holds that this one must not lose records over, and the changes whose runbook was followed.
  const last = ((await lastDeployedOutput("deployments")) ?? {}) as { streamSource?: CrossAccountStreamSourceDeployment };
  const liveChangesAcknowledged = config.object<string[]>("liveChangesAcknowledged");
  return {
    ...basics,
    streamSource: {
      stream,
      consumerRoleArn,
      fanOutConsumerName,
      sharedTable,
      sharedTableReaderRoleArns: Object.values(readerRoles),
      protectData: basics.protectData,
      tags: basics.tags,
      lastDeployment: last.streamSource,
      liveChangesAcknowledged,
    },
    readerRoles,
    push,
    capacityInput: { region: accounts.region, accessMode: accounts.accessMode, stream, fanOut: fanOutConsumerName !== undefined, ingest: ingest.ingest },
  };
}
