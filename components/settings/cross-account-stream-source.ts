import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { checkDerivedNames, checkPhysicalName } from "../internal/names";
import { checkOverrides } from "../internal/overrides";
import { keysOf, SettingsCheck, tableKeys, type KeyAttributeType } from "./check";
import {
  checkLiveChange,
  COMMON_KEYS,
  commonDefaults,
  resolveCommon,
  type CommonArgs,
  type LiveChangeArgs,
  type MonitoringArgs,
  type ResolvedCommon,
} from "./shared";

export interface StreamSettings {
  /** Physical stream name. Default: generated from the component name. */
  name?: string;
  /** Provisioned shards, 1–4096. Default: unset, which makes the stream on-demand. */
  shardCount?: number;
  /** Hours records stay readable, 24–8760. Default: 24. */
  retentionHours?: number;
}

/** What a DynamoDB table's stream carries. */
export const StreamViewType = { KeysOnly: "KEYS_ONLY", NewImage: "NEW_IMAGE", OldImage: "OLD_IMAGE", NewAndOldImages: "NEW_AND_OLD_IMAGES" } as const;
export type StreamViewType = (typeof StreamViewType)[keyof typeof StreamViewType];

export interface SharedTableSettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "NEW_AND_OLD_IMAGES" (the cross-account DynamoDB Streams design). */
  streamViewType?: StreamViewType;
}

/** Provider arguments for CrossAccountStreamSource's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface CrossAccountStreamSourceOverrides {
  /** The stream (aws.kinesis.Stream), except its name, capacity mode and encryption, which the grants and the capacity check depend on. */
  stream?: aws.kinesis.StreamArgs;
}

/** What CrossAccountStreamSource deployed that a later change must not lose records over: its `deployment` output, given back as `lastDeployment`. */
export interface CrossAccountStreamSourceDeployment {
  /** The shared table stream's view type. */
  sharedTableStreamViewType?: string;
  /** The stream's provisioned shards (none when on-demand): Kinesis changes a count at most to double or half at a time. */
  shardCount?: number;
}

export interface CrossAccountStreamSourceArgs extends CommonArgs, LiveChangeArgs {
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: CrossAccountStreamSourceOverrides;
  /** The Kinesis stream. Defaults: see each field. */
  stream?: StreamSettings;
  /**
   * The role, usually in another account, that reads the stream (pull mode). The stream's resource
   * policy, the fan-out consumer's policy and the key policy grant it read access and nothing else.
   * Default: none; the stream is shared with nobody until it is given.
   */
  consumerRoleArn?: pulumi.Input<string>;
  /**
   * The roles, usually in another account, of the functions that read the shared table's stream
   * (the cross-account DynamoDB Streams design; StreamProjection's `projectRoleArn`). The stream's
   * resource policy grants them its read actions, and the key policy `kms:Decrypt` through
   * DynamoDB. DynamoDB Streams serves at most two readers per shard, counting this account's own.
   * Default: none; the table's stream is shared with nobody.
   */
  sharedTableReaderRoleArns?: pulumi.Input<string>[];
  /** Registers an enhanced fan-out consumer with this name (dedicated 2 MB/s per shard). Default: none. */
  fanOutConsumerName?: string;
  /** A DynamoDB table in this account whose stream is shared with `sharedTableReaderRoleArns` (the cross-account DynamoDB Streams design). Default: none. */
  sharedTable?: SharedTableSettings;
  /** Days KMS waits before deleting the stream key once it is scheduled for deletion, 7–30. Default: 30. */
  keyDeletionWindowDays?: number;
  /** Alarms on producers throttled, and on the fan-out consumer falling more than 5 minutes behind. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /** This component's `deployment` output from the last deployment: preview refuses changes that would lose records. Default: none, a first deployment. */
  lastDeployment?: CrossAccountStreamSourceDeployment;
}

/** CrossAccountStreamSource's defaults, in the shape of its arguments. */
export const crossAccountStreamSourceDefaults = {
  ...commonDefaults,
  stream: { retentionHours: 24 },
  sharedTable: { streamViewType: "NEW_AND_OLD_IMAGES", attributeType: "S" },
  keyDeletionWindowDays: 30,
} as const;

export interface ResolvedCrossAccountStreamSource extends ResolvedCommon {
  stream: { name?: string; shardCount?: number; retentionHours: number };
  consumerRoleArn?: pulumi.Input<string>;
  fanOutConsumerName?: string;
  /** The shared table, with the roles its stream is shared with. */
  sharedTable?: {
    name?: string;
    hashKey: string;
    rangeKey?: string;
    keys: { name: string; type: KeyAttributeType }[];
    streamViewType: StreamViewType;
    readerRoleArns: pulumi.Input<string>[];
  };
  keyDeletionWindowDays: number;
  overrides: CrossAccountStreamSourceOverrides;
}

const ARGS = keysOf<CrossAccountStreamSourceArgs>()(
  ...COMMON_KEYS,
  "overrides",
  "stream",
  "consumerRoleArn",
  "sharedTableReaderRoleArns",
  "fanOutConsumerName",
  "sharedTable",
  "keyDeletionWindowDays",
  "monitoring",
  "lastDeployment",
  "liveChangesAcknowledged",
);
const STREAM = keysOf<StreamSettings>()("name", "shardCount", "retentionHours");
const SHARED_TABLE = keysOf<SharedTableSettings>()("name", "hashKey", "rangeKey", "attributeTypes", "streamViewType");
const OVERRIDES = keysOf<CrossAccountStreamSourceOverrides>()("stream");
/** What the stream overrides may not change. */
const OWNED_STREAM_ARGS = ["name", "shardCount", "streamModeDetails", "encryptionType", "kmsKeyId"] as const;

/** Every problem with CrossAccountStreamSource's arguments, and its settings with every default filled in. */
export function resolveCrossAccountStreamSource(
  name: string,
  args: CrossAccountStreamSourceArgs,
): { settings: ResolvedCrossAccountStreamSource; problems: string[] } {
  const d = crossAccountStreamSourceDefaults;
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  const stream = args.stream ?? {};
  check.knownKeys("stream", args.stream, STREAM);
  checkPhysicalName(check, "stream.name", "aws:kinesis/stream:Stream", stream.name);
  check.integer("stream.shardCount", stream.shardCount, 1, 4096);
  check.integer("stream.retentionHours", stream.retentionHours, 24, 8760);
  check.integer("keyDeletionWindowDays", args.keyDeletionWindowDays, 7, 30);
  check.roleArn("consumerRoleArn", args.consumerRoleArn);
  check.matches("fanOutConsumerName", args.fanOutConsumerName, /^[a-zA-Z0-9_.-]{1,128}$/, '1–128 letters, digits, "_", "." or "-"');
  check.each("sharedTableReaderRoleArns", args.sharedTableReaderRoleArns, (arn, path) => check.roleArn(path, arn));
  const sharedTable = resolveSharedTable(check, args);
  checkDerivedNames(check, "name", name, [
    ...(stream.name === undefined ? [["aws:kinesis/stream:Stream", `${name}-stream`] as const] : []),
    ...(sharedTable && sharedTable.name === undefined ? [["aws:dynamodb/table:Table", `${name}-shared-table`] as const] : []),
    ["aws:iam/policy:Policy", `${name}-producer`],
  ]);
  check.knownKeys("lastDeployment", args.lastDeployment, ["sharedTableStreamViewType", "shardCount"]);
  checkShardCountChange(check, args.lastDeployment?.shardCount, stream.shardCount, args.liveChangesAcknowledged);
  checkLiveChange(
    check,
    {
      setting: "sharedTable.streamViewType",
      from: args.lastDeployment?.sharedTableStreamViewType,
      to: sharedTable?.streamViewType,
      loses:
        "DynamoDB disables the shared table's stream and creates a new one, so the changes written in between, and those its readers have not read yet, never reach them",
      runbook: "docs/change-over-time.md#changing-the-tables-stream",
    },
    args.liveChangesAcknowledged,
  );
  check.knownKeys("overrides", args.overrides, OVERRIDES);
  checkOverrides(check, "overrides.stream", args.overrides?.stream, {
    keys: OWNED_STREAM_ARGS,
    instead: "set stream.name and stream.shardCount instead; the stream's key is the component's own",
  });
  return {
    settings: {
      ...common,
      stream: { name: stream.name, shardCount: stream.shardCount, retentionHours: stream.retentionHours ?? d.stream.retentionHours },
      consumerRoleArn: args.consumerRoleArn,
      fanOutConsumerName: args.fanOutConsumerName,
      sharedTable,
      keyDeletionWindowDays: args.keyDeletionWindowDays ?? d.keyDeletionWindowDays,
      overrides: args.overrides ?? {},
    },
    problems: check.problems,
  };
}

/**
 * A provisioned stream's new shard count against its deployed one. By default Kinesis's
 * UpdateShardCount refuses to "scale up to more than double your current shard count" or "down
 * below half", and such a change fails halfway through `pulumi up`. An account whose limit AWS
 * raised, or a change that replaces the stream, acknowledges it with liveChangesAcknowledged.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html
 */
function checkShardCountChange(check: SettingsCheck, from: number | undefined, to: number | undefined, acknowledged: readonly string[] | undefined): void {
  if (typeof from !== "number" || typeof to !== "number" || (to <= from * 2 && to * 2 >= from) || acknowledged?.includes("stream.shardCount")) return;
  const [low, high] = [Math.ceil(from / 2), from * 2];
  check.fail(
    `stream.shardCount changes from ${from} to ${to}, but by default Kinesis changes a stream's shards at most to double or half at a time: deploy a count from ${low} to ${high} first, then the next step (or, with a limit AWS raised for the account, acknowledge it with liveChangesAcknowledged: ["stream.shardCount"])`,
  );
}

function resolveSharedTable(check: SettingsCheck, args: CrossAccountStreamSourceArgs): ResolvedCrossAccountStreamSource["sharedTable"] {
  const d = crossAccountStreamSourceDefaults.sharedTable;
  const given = args.sharedTable;
  if (!check.knownKeys("sharedTable", given, SHARED_TABLE) || !given) {
    if (args.sharedTableReaderRoleArns?.length) check.fail("sharedTableReaderRoleArns needs sharedTable: there is no table whose stream they could read");
    return undefined;
  }
  checkPhysicalName(check, "sharedTable.name", "aws:dynamodb/table:Table", given.name);
  if (!given.hashKey) check.fail("sharedTable.hashKey is required");
  check.oneOf("sharedTable.streamViewType", given.streamViewType, Object.values(StreamViewType));
  const keys = tableKeys(given.hashKey, given.rangeKey);
  check.attributeTypes("sharedTable.attributeTypes", given.attributeTypes, keys);
  return {
    name: given.name,
    hashKey: given.hashKey,
    rangeKey: given.rangeKey,
    keys: keys.map((key) => ({ name: key, type: given.attributeTypes?.[key] ?? d.attributeType })),
    streamViewType: given.streamViewType ?? d.streamViewType,
    readerRoleArns: args.sharedTableReaderRoleArns ?? [],
  };
}
