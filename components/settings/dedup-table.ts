import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { DYNAMODB_INDEXES, EXTERNAL_ID, EXTERNAL_ID_RULE } from "../internal/aws-rules";
import { checkDerivedNames, checkPhysicalName, streamFunctionNames } from "../internal/names";
import { checkOverrides } from "../internal/overrides";
import { ARN, keysOf, SettingsCheck, tableKeys, type KeyAttributeType } from "./check";
import { crossAccountStreamSourceDefaults } from "./cross-account-stream-source";
import {
  COMMON_KEYS,
  commonDefaults,
  ingestDefaults,
  checkLiveChange,
  TABLE_STREAM_SOURCE_CHANGE,
  itemExpiryDefaults,
  resolveCommon,
  resolveIngest,
  resolveItemExpiry,
  resolveLogRetention,
  streamFunctionDefaults,
  type CommonArgs,
  type IngestSettings,
  type ItemExpirySettings,
  type LiveChangeArgs,
  type MonitoringArgs,
  type ResolvedCommon,
  type ResolvedIngest,
} from "./shared";

export { KeyAttributeType } from "./check";

/** Which attributes a global secondary index copies. */
export const IndexProjectionType = { All: "ALL", KeysOnly: "KEYS_ONLY", Include: "INCLUDE" } as const;
export type IndexProjectionType = (typeof IndexProjectionType)[keyof typeof IndexProjectionType];

/** On-demand or provisioned capacity. */
export const BillingMode = { PayPerRequest: "PAY_PER_REQUEST", Provisioned: "PROVISIONED" } as const;
export type BillingMode = (typeof BillingMode)[keyof typeof BillingMode];

/** What the dedup table's stream carries: the new image, or both images (projections that aggregate need both). */
export const DedupStreamViewType = { NewImage: "NEW_IMAGE", NewAndOldImages: "NEW_AND_OLD_IMAGES" } as const;
export type DedupStreamViewType = (typeof DedupStreamViewType)[keyof typeof DedupStreamViewType];

/** How records cross from the source account: the consumer reads the stream (pull), or the source writes the table (push). */
export const AccessMode = { Pull: "pull", Push: "push" } as const;
export type AccessMode = (typeof AccessMode)[keyof typeof AccessMode];

export interface GlobalSecondaryIndexArgs {
  name: string;
  hashKey: string;
  rangeKey?: string;
  /** Types of the index's key attributes. Default: "S" for each. */
  attributeTypes?: Record<string, KeyAttributeType>;
  /** Default: "ALL". */
  projectionType?: IndexProjectionType;
  /** Attributes copied into the index; only with projectionType "INCLUDE". */
  nonKeyAttributes?: string[];
}

export interface ProvisionedCapacityArgs {
  /** Read capacity units to start with, and the autoscaling minimum. */
  read: number;
  /** Write capacity units to start with, and the autoscaling minimum. */
  write: number;
  /** Autoscaling maximum for reads. Default: 10 × `read`. */
  maxRead?: number;
  /** Autoscaling maximum for writes. Default: 10 × `write`. */
  maxWrite?: number;
  /** Utilization percentage target tracking aims for, 20–90. Default: 70. */
  targetUtilization?: number;
}

export interface DedupTableSettings extends ItemExpirySettings {
  /** Physical table name. Default: generated from the component name. */
  name?: string;
  /** Default: "PAY_PER_REQUEST" (on-demand). */
  billingMode?: BillingMode;
  /** Required with billingMode "PROVISIONED", rejected otherwise. */
  capacity?: ProvisionedCapacityArgs;
  /** What the table's stream carries. Default: "NEW_IMAGE". */
  streamViewType?: DedupStreamViewType;
  /**
   * Customer-managed KMS key for encryption at rest; every role that writes the table or reads its
   * stream here gets `kms:Decrypt` (and to write, `kms:GenerateDataKey`) on it through DynamoDB.
   * Pass the same key to FirehoseArchive's and StreamProjection's `tableKmsKeyArn`. Default: the
   * AWS-managed key `alias/aws/dynamodb`.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Refuse DeleteTable. Default: false. */
  deletionProtection?: boolean;
  /** Default: none. */
  globalSecondaryIndexes?: GlobalSecondaryIndexArgs[];
}

/** Pull mode: an ingest function here reads the source stream through its resource policy. */
export interface PullAccessArgs {
  /**
   * ARN of the Kinesis stream the ingest function reads. Until it is given (the source account has
   * not granted this function's role access yet), the function is deployed without its event
   * source mapping. Default: none.
   */
  streamArn?: pulumi.Input<string>;
  /** ARN of an enhanced fan-out consumer of that stream; when set, the mapping reads through it. Default: none. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** KMS key the stream is encrypted with; the ingest role may decrypt with it. Default: none. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** Hours the stream keeps records (CrossAccountStreamSource's `stream.retentionHours`): how long items must stay to deduplicate them. Default: 24. */
  streamRetentionHours?: number;
}

/** Push mode: a function in the source account (PushIngest) writes here by assuming this table's writer role. */
export interface PushAccessArgs {
  /** The role, in the source account, that may assume the writer role. Until it is given, no writer role is deployed. Default: none. */
  principalArn?: pulumi.Input<string>;
  /** The external ID the writer role demands of whoever assumes it. */
  externalId: pulumi.Input<string>;
}

/** Provider arguments for DedupTable's main resources, merged over the component's own (pulumi-awsx's pass-through style). */
export interface DedupTableOverrides {
  /** The table (aws.dynamodb.Table), except its name, keys, attributes and stream, which the pipeline depends on. */
  table?: aws.dynamodb.TableArgs;
}

/** What DedupTable deployed that a later change must not lose records over: its `deployment` output, given back as `lastDeployment`. */
export interface DedupTableDeployment {
  /** The table stream's view type. */
  streamViewType?: string;
  /** Pull mode: the stream the ingest function reads. */
  sourceStreamArn?: string;
}

export interface DedupTableArgs extends CommonArgs, LiveChangeArgs {
  /** How records cross from the source account: give `pull` or `push`, not both. Default: `pull: {}` (no stream yet). */
  pull?: PullAccessArgs;
  /** How records cross from the source account: give `pull` or `push`, not both. */
  push?: PushAccessArgs;
  /** The table. Defaults: see each field. */
  table?: DedupTableSettings;
  /** Pull: the ingest function and its event source mapping. Defaults: see each field. */
  ingest?: IngestSettings;
  /** Pull: days the ingest function's logs are kept, unless `ingest.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Pull: alarms on the ingest function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
  /** Escape hatch: provider arguments merged over what this component sets on its main resources. Default: none. */
  overrides?: DedupTableOverrides;
  /** This component's `deployment` output from the last deployment: preview refuses changes that would lose records. Default: none, a first deployment. */
  lastDeployment?: DedupTableDeployment;
}

/** DedupTable's defaults, in the shape of its arguments. */
export const dedupTableDefaults = {
  ...commonDefaults,
  table: {
    billingMode: "PAY_PER_REQUEST",
    streamViewType: "NEW_IMAGE",
    deletionProtection: false,
    expireItems: itemExpiryDefaults.expireItems,
    /** Each index's key attribute types and projection. */
    globalSecondaryIndex: { attributeType: "S", projectionType: "ALL" },
    /** Provisioned capacity: the autoscaling maximum is `maxOverMinimum` times the minimum unless given. */
    capacity: { maxOverMinimum: 10, targetUtilization: 70 },
  },
  pull: { streamRetentionHours: crossAccountStreamSourceDefaults.stream.retentionHours },
  /** Pull mode's ingest function. */
  ingest: { ...streamFunctionDefaults, ...ingestDefaults },
} as const;

/** DedupTable's settings with every default filled in: what the component builds. */
export interface ResolvedDedupTable extends ResolvedCommon {
  table: {
    name?: string;
    billingMode: BillingMode;
    capacity?: Required<ProvisionedCapacityArgs>;
    streamViewType: DedupStreamViewType;
    kmsKeyArn?: pulumi.Input<string>;
    deletionProtection: boolean;
    /** Every key attribute: the dedup key's, then each index's. */
    attributes: { name: string; type: KeyAttributeType }[];
    globalSecondaryIndexes: (Omit<GlobalSecondaryIndexArgs, "attributeTypes"> & { projectionType: IndexProjectionType })[];
    /** TTL on the items' expiry attribute. */
    expireItems: boolean;
  };
  /** Pull mode: the stream, the ingest function that reads it, and the seconds after arrival the items it writes expire. */
  pull?: {
    source?: { streamArn: pulumi.Input<string>; consumerArn?: pulumi.Input<string | undefined>; streamKmsKeyArn?: pulumi.Input<string | undefined> };
    ingest: ResolvedIngest;
    expireAfterSeconds?: number;
  };
  /** Push mode: the writer role's principal (once known) and external ID. */
  push?: PushAccessArgs;
  overrides: DedupTableOverrides;
}

const ARGS = keysOf<DedupTableArgs>()(
  ...COMMON_KEYS,
  "pull",
  "push",
  "table",
  "ingest",
  "logRetentionDays",
  "monitoring",
  "overrides",
  "lastDeployment",
  "liveChangesAcknowledged",
);
const DEPLOYMENT = keysOf<DedupTableDeployment>()("streamViewType", "sourceStreamArn");

/** The runbooks of the live changes DedupTable refuses unless acknowledged. */
export const DEDUP_TABLE_LIVE_CHANGES = {
  streamViewType: {
    setting: "table.streamViewType",
    loses:
      "DynamoDB disables the table's stream and creates a new one, so the changes written in between, and those not yet read from the old stream, never reach the archive, MySQL or the projections",
    runbook: "docs/change-over-time.md#changing-the-tables-stream",
    // The archive's and the projections' mappings then move to the new stream, a change their own check sees only during the update.
    bringsAbout: [TABLE_STREAM_SOURCE_CHANGE.setting],
  },
  source: {
    setting: "pull.streamArn",
    loses: "the ingest mapping is re-created on the new stream, so the old stream's records it has not read yet never reach the table",
    runbook: "docs/change-over-time.md#moving-the-ingest-to-another-stream",
  },
} as const;
const TABLE = keysOf<DedupTableSettings>()(
  "name",
  "billingMode",
  "capacity",
  "streamViewType",
  "kmsKeyArn",
  "deletionProtection",
  "globalSecondaryIndexes",
  "expireItems",
  "expireAfterDays",
);
const CAPACITY = keysOf<ProvisionedCapacityArgs>()("read", "write", "maxRead", "maxWrite", "targetUtilization");
const INDEX = keysOf<GlobalSecondaryIndexArgs>()("name", "hashKey", "rangeKey", "attributeTypes", "projectionType", "nonKeyAttributes");
const PULL = keysOf<PullAccessArgs>()("streamArn", "consumerArn", "streamKmsKeyArn", "streamRetentionHours");
const PUSH = keysOf<PushAccessArgs>()("principalArn", "externalId");
const OVERRIDES = keysOf<DedupTableOverrides>()("table");

/** What the table overrides may not change. */
const OWNED_TABLE_ARGS = ["name", "hashKey", "rangeKey", "attributes", "streamEnabled", "streamViewType", "serverSideEncryption"] as const;

/** Every problem with DedupTable's arguments, and its settings with every default filled in. */
export function resolveDedupTable(name: string, args: DedupTableArgs): { settings: ResolvedDedupTable; problems: string[] } {
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  const logRetentionDays = resolveLogRetention(check, args.logRetentionDays);
  const table = resolveTable(check, args.table ?? {});
  const mode = resolveAccess(check, args, logRetentionDays);
  checkDerivedNames(check, "name", name, [
    ...(table.name === undefined ? [["aws:dynamodb/table:Table", `${name}-table`] as const] : []),
    ...(mode.pull ? streamFunctionNames(`${name}-ingest`, `${name}-dead-letter`) : [["aws:iam/role:Role", `${name}-writer-role`] as const]),
  ]);
  check.knownKeys("overrides", args.overrides, OVERRIDES);
  checkOverrides(check, "overrides.table", args.overrides?.table, {
    keys: OWNED_TABLE_ARGS,
    instead: "the dedup key, the stream, the name and the encryption are the pipeline's (set table.name, table.streamViewType and table.kmsKeyArn instead)",
  });
  check.knownKeys("lastDeployment", args.lastDeployment, DEPLOYMENT);
  const last = args.lastDeployment ?? {};
  checkLiveChange(check, { ...DEDUP_TABLE_LIVE_CHANGES.streamViewType, from: last.streamViewType, to: table.streamViewType }, args.liveChangesAcknowledged);
  checkLiveChange(check, { ...DEDUP_TABLE_LIVE_CHANGES.source, from: last.sourceStreamArn, to: mode.pull?.source?.streamArn }, args.liveChangesAcknowledged);
  return { settings: { ...common, table, ...mode, overrides: args.overrides ?? {} }, problems: check.problems };
}

/** The table's settings (`table`), checked, with every default filled in. */
export function resolveTable(check: SettingsCheck, given: DedupTableSettings): ResolvedDedupTable["table"] {
  const d = dedupTableDefaults.table;
  check.knownKeys("table", given, TABLE);
  checkPhysicalName(check, "table.name", "aws:dynamodb/table:Table", given.name);
  check.oneOf("table.billingMode", given.billingMode, Object.values(BillingMode));
  check.oneOf("table.streamViewType", given.streamViewType, Object.values(DedupStreamViewType));
  check.boolean("table.deletionProtection", given.deletionProtection);
  check.arn("table.kmsKeyArn", given.kmsKeyArn, ARN.kmsKey);
  const billingMode = given.billingMode ?? d.billingMode;

  let capacity: Required<ProvisionedCapacityArgs> | undefined;
  if (billingMode === "PROVISIONED") {
    if (!given.capacity) check.fail('table.capacity is required when table.billingMode is "PROVISIONED"');
    else if (check.knownKeys("table.capacity", given.capacity, CAPACITY)) {
      const { read, write, maxRead, maxWrite, targetUtilization } = given.capacity;
      check.integer("table.capacity.read", read, 1, 40_000);
      check.integer("table.capacity.write", write, 1, 40_000);
      check.integer("table.capacity.maxRead", maxRead, read, 40_000);
      check.integer("table.capacity.maxWrite", maxWrite, write, 40_000);
      check.integer("table.capacity.targetUtilization", targetUtilization, 20, 90);
      capacity = {
        read,
        write,
        maxRead: maxRead ?? read * d.capacity.maxOverMinimum,
        maxWrite: maxWrite ?? write * d.capacity.maxOverMinimum,
        targetUtilization: targetUtilization ?? d.capacity.targetUtilization,
      };
    }
  } else if (given.capacity) {
    check.fail('table.capacity conflicts with table.billingMode "PAY_PER_REQUEST" (the default): set billingMode to "PROVISIONED" or drop capacity');
  }

  const attributes = new Map<string, KeyAttributeType>([
    [HASH_KEY, "S"],
    [RANGE_KEY, "S"],
  ]);
  const indexNames = new Set<string>();
  const indexes: ResolvedDedupTable["table"]["globalSecondaryIndexes"] = [];
  check.each("table.globalSecondaryIndexes", given.globalSecondaryIndexes, (index, path) => {
    if (!check.knownKeys(path, index, INDEX)) return;
    if (!index.name || !index.hashKey) check.fail(`${path} needs a name and a hashKey`);
    else check.matches(`${path}.name`, index.name, DYNAMODB_INDEXES.name, '3–255 letters, digits, "_", "." or "-", as DynamoDB requires of an index name');
    if (indexNames.has(index.name)) check.fail(`table.globalSecondaryIndexes has two indexes named "${index.name}"`);
    indexNames.add(index.name);
    check.oneOf(`${path}.projectionType`, index.projectionType, Object.values(IndexProjectionType));
    if (index.nonKeyAttributes?.length && index.projectionType !== "INCLUDE") check.fail(`${path}.nonKeyAttributes needs projectionType "INCLUDE"`);
    const keys = tableKeys(index.hashKey, index.rangeKey);
    check.attributeTypes(`${path}.attributeTypes`, index.attributeTypes, keys);
    for (const key of keys) {
      const type = index.attributeTypes?.[key];
      const known = attributes.get(key);
      if (known === undefined) attributes.set(key, type ?? d.globalSecondaryIndex.attributeType);
      else if (type !== undefined && type !== known)
        check.fail(
          `${path}.attributeTypes.${key} is ${type}, but ${key} is ${known} already (the table's own key, or an index before this one, which makes it S when it gives no type)`,
        );
    }
    const { attributeTypes: _types, ...rest } = index;
    indexes.push({ ...rest, projectionType: index.projectionType ?? d.globalSecondaryIndex.projectionType });
  });
  const projected = indexes.reduce((sum, index) => sum + (Array.isArray(index.nonKeyAttributes) ? index.nonKeyAttributes.length : 0), 0);
  if (projected > DYNAMODB_INDEXES.maxNonKeyAttributes)
    check.fail(
      `table.globalSecondaryIndexes project ${projected} nonKeyAttributes in all; DynamoDB takes at most ${DYNAMODB_INDEXES.maxNonKeyAttributes} across a table's indexes`,
    );

  return {
    name: given.name,
    billingMode,
    capacity,
    streamViewType: given.streamViewType ?? d.streamViewType,
    kmsKeyArn: given.kmsKeyArn,
    deletionProtection: given.deletionProtection ?? d.deletionProtection,
    attributes: [...attributes].map(([attribute, type]) => ({ name: attribute, type })),
    globalSecondaryIndexes: indexes,
    expireItems: given.expireItems ?? d.expireItems,
  };
}

/** `pull` or `push` (neither: pull without a stream yet), and what each mode needs. */
function resolveAccess(check: SettingsCheck, args: DedupTableArgs, logRetentionDays: number): Pick<ResolvedDedupTable, "pull" | "push"> {
  if (args.pull !== undefined && args.push !== undefined) check.fail("give either pull or push, not both: a table is fed one way");
  if (args.push !== undefined) {
    for (const arg of ["ingest", "logRetentionDays"] as const) {
      if (args[arg] !== undefined) check.fail(`${arg} is for pull; with push the ingest function runs in the source account (PushIngest)`);
    }
    if (args.table?.expireAfterDays !== undefined)
      check.fail(
        "table.expireAfterDays is for pull; with push the ingest function in the source account decides when items expire (PushIngest's expireAfterDays)",
      );
    if (!check.knownKeys("push", args.push, PUSH)) return { push: args.push };
    check.required("push.externalId", args.push.externalId, "the external ID the writer role demands");
    check.matches("push.externalId", args.push.externalId, EXTERNAL_ID, EXTERNAL_ID_RULE);
    check.roleArn("push.principalArn", args.push.principalArn);
    return { push: args.push };
  }
  const pull = args.pull ?? {};
  check.knownKeys("pull", args.pull, PULL);
  check.arn("pull.streamArn", pull.streamArn, ARN.kinesisStream);
  check.arn("pull.consumerArn", pull.consumerArn, ARN.kinesisConsumer);
  check.arn("pull.streamKmsKeyArn", pull.streamKmsKeyArn, ARN.kmsKey);
  if (pull.streamArn === undefined && pull.consumerArn !== undefined) check.fail("pull.consumerArn needs pull.streamArn: the consumer reads that stream");
  check.integer("pull.streamRetentionHours", pull.streamRetentionHours, 24, 8_760);
  const ingest = resolveIngest(check, args.ingest, logRetentionDays);
  const streamRetentionHours = pull.streamRetentionHours ?? dedupTableDefaults.pull.streamRetentionHours;
  const expireAfterSeconds = resolveItemExpiry(check, "table", args.table ?? {}, {
    streamRetentionHours,
    maximumRecordAgeInSeconds: ingest.maximumRecordAgeInSeconds,
  });
  const { streamArn, consumerArn, streamKmsKeyArn } = pull;
  return { pull: { source: streamArn === undefined ? undefined : { streamArn, consumerArn, streamKmsKeyArn }, ingest, expireAfterSeconds } };
}
