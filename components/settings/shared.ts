import type * as pulumi from "@pulumi/pulumi";
import { ARN, isPending, keysOf, withDefaults, type SettingsCheck, type Widened } from "./check";

/**
 * What every component takes besides its own settings, and the settings of the functions that
 * several components run. Pulumi-free (types only), like every module under components/settings/.
 */

/** Alarms: on by default; their action is the topic when one is given. */
export interface MonitoringArgs {
  /** Default: true. */
  alarms?: boolean;
  /** SNS topic every alarm notifies (and notifies again when it clears). Default: none, alarms only show in CloudWatch. */
  alarmTopicArn?: pulumi.Input<string>;
}

/** The arguments every component takes. */
export interface CommonArgs {
  /**
   * Protect every child that holds data (tables, buckets, streams, clusters, queues, keys) from
   * deletion and replacement. Set false only for stacks whose data may be thrown away. Default: true.
   */
  protectData?: boolean;
  /** Tags for every child resource that takes tags. Default: none. */
  tags?: Record<string, string>;
}

export const commonDefaults = { protectData: true, alarms: true, logRetentionDays: 30 } as const;

/** `CommonArgs` and `monitoring`, resolved. */
export interface ResolvedCommon {
  protectData: boolean;
  tags: Record<string, string>;
  monitoring: { alarms: boolean; alarmTopicArn?: pulumi.Input<string> };
}

export const COMMON_KEYS = keysOf<CommonArgs>()("protectData", "tags");
const MONITORING_KEYS = keysOf<MonitoringArgs>()("alarms", "alarmTopicArn");

/**
 * AWS's tag rules: at most 50 tags; keys of 1–128 and values of up to 256 Unicode letters, digits,
 * spaces and `_ . : / = + - @`; neither starting with `aws:` in any letter case ("Don't use aws:,
 * AWS:, or any upper or lowercase combination of such as a prefix for either keys or values").
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
 * https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html
 */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/iu;
const TAG_VALUE = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/iu;
const MAX_TAGS = 50;

export function resolveCommon(check: SettingsCheck, args: CommonArgs & { monitoring?: MonitoringArgs }): ResolvedCommon {
  check.boolean("protectData", args.protectData);
  const tags = args.tags ?? {};
  if (check.knownKeys("tags", args.tags, Object.keys(tags))) {
    if (Object.keys(tags).length > MAX_TAGS) check.fail(`tags has ${Object.keys(tags).length} tags; AWS takes at most ${MAX_TAGS} on a resource`);
    for (const [key, value] of Object.entries(tags)) {
      check.matches(`tags key ${JSON.stringify(key)}`, key, TAG_KEY, "1–128 letters, digits, spaces and _.:/=+-@, not starting with aws: in any case");
      check.matches(`tags.${key}`, value, TAG_VALUE, "a string of up to 256 letters, digits, spaces and _.:/=+-@, not starting with aws: in any case");
    }
  }
  const monitoring = args.monitoring ?? {};
  check.knownKeys("monitoring", args.monitoring, MONITORING_KEYS);
  check.boolean("monitoring.alarms", monitoring.alarms);
  check.arn("monitoring.alarmTopicArn", monitoring.alarmTopicArn, ARN.topic);
  return {
    protectData: args.protectData ?? commonDefaults.protectData,
    tags,
    monitoring: { alarms: monitoring.alarms ?? commonDefaults.alarms, alarmTopicArn: monitoring.alarmTopicArn },
  };
}

/** How a function on a Kinesis or DynamoDB stream is invoked, and its size. */
export interface StreamFunctionSettings {
  /** Records per invocation, 1–10000. Default: the role's (ingest 300, forward 100, project 100). */
  batchSize?: number;
  /** Concurrent batches per shard, 1–10. Default: 1. */
  parallelizationFactor?: number;
  /** Seconds to gather records before invoking, 0–300. Default: 0. */
  maximumBatchingWindowInSeconds?: number;
  /** Retries of a failing batch before it goes to the on-failure destination, 0–10000. Default: 10. */
  maximumRetryAttempts?: number;
  /** Oldest record age, in seconds, the mapping still sends, 60–604800. Default: 86400 (one day). */
  maximumRecordAgeInSeconds?: number;
  /** Default: 256. */
  memorySize?: number;
  /** Default: 120. */
  timeoutSeconds?: number;
  /** Days parked records and failed-batch records are kept in the dead-letter bucket, 1–36500. Default: kept forever. */
  deadLetterExpireAfterDays?: number;
  /** Days the function's logs are kept. Default: the component's `logRetentionDays` (30). */
  logRetentionDays?: number;
  /** Whether the mapping reads its stream; false pauses it where it is, for a runbook (docs/change-over-time.md). Default: true. */
  enabled?: boolean;
}

/** The defaults of every function on a stream; each role adds its batch size. */
export const streamFunctionDefaults = {
  enabled: true,
  parallelizationFactor: 1,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 86_400,
  memorySize: 256,
  timeoutSeconds: 120,
} as const;

/** A stream function's settings with every default filled in; `deadLetterExpireAfterDays` unset keeps dead letters forever. */
export type ResolvedStreamFunction = Widened<typeof streamFunctionDefaults> & {
  batchSize: number;
  logRetentionDays: number;
  deadLetterExpireAfterDays?: number;
};

const STREAM_FUNCTION_KEYS = keysOf<StreamFunctionSettings>()(
  "batchSize",
  "parallelizationFactor",
  "maximumBatchingWindowInSeconds",
  "maximumRetryAttempts",
  "maximumRecordAgeInSeconds",
  "memorySize",
  "timeoutSeconds",
  "deadLetterExpireAfterDays",
  "logRetentionDays",
  "enabled",
);

/**
 * A stream function's settings at `path` (`ingest`, `forward`, `project`), checked against what
 * Lambda accepts, over the role's batch size and the component's log retention.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export function resolveStreamFunction(
  check: SettingsCheck,
  path: string,
  given: StreamFunctionSettings | undefined,
  role: { batchSize: number; logRetentionDays: number; ownKeys?: readonly string[] },
): ResolvedStreamFunction {
  const { ownKeys = [], ...defaults } = role;
  check.knownKeys(path, given, [...STREAM_FUNCTION_KEYS, ...ownKeys]);
  const settings = given ?? {};
  check.integer(`${path}.batchSize`, settings.batchSize, 1, 10_000);
  check.integer(`${path}.parallelizationFactor`, settings.parallelizationFactor, 1, 10);
  check.integer(`${path}.maximumBatchingWindowInSeconds`, settings.maximumBatchingWindowInSeconds, 0, 300);
  check.integer(`${path}.maximumRetryAttempts`, settings.maximumRetryAttempts, 0, 10_000);
  check.integer(`${path}.maximumRecordAgeInSeconds`, settings.maximumRecordAgeInSeconds, 60, 604_800);
  check.integer(`${path}.memorySize`, settings.memorySize, 128, 10_240);
  check.integer(`${path}.timeoutSeconds`, settings.timeoutSeconds, 1, 900);
  check.integer(`${path}.deadLetterExpireAfterDays`, settings.deadLetterExpireAfterDays, 1, 36_500);
  check.logRetention(`${path}.logRetentionDays`, settings.logRetentionDays);
  check.boolean(`${path}.enabled`, settings.enabled);
  return {
    ...withDefaults({ ...streamFunctionDefaults, ...defaults }, settings),
    deadLetterExpireAfterDays: settings.deadLetterExpireAfterDays,
  };
}

/** The ingest function's settings: a stream function that writes in batches. */
export interface IngestSettings extends StreamFunctionSettings {
  /** BatchWriteItem requests in flight per invocation, 1–64. Default: 4. */
  writeConcurrency?: number;
  /** BatchWriteItem attempts per chunk before its unprocessed items are retried by Lambda, 1–20. Default: 8. */
  writeMaxAttempts?: number;
}

/** The ingest function, wherever it runs (DedupTable in pull mode, PushIngest). */
export const ingestDefaults = { batchSize: 300, writeConcurrency: 4, writeMaxAttempts: 8 } as const;

export type ResolvedIngest = ResolvedStreamFunction & { writeConcurrency: number; writeMaxAttempts: number };

/** The ingest function's settings at `ingest`, over the component's log retention. */
export function resolveIngest(check: SettingsCheck, given: IngestSettings | undefined, logRetentionDays: number): ResolvedIngest {
  const mapping = resolveStreamFunction(check, "ingest", given, {
    batchSize: ingestDefaults.batchSize,
    logRetentionDays,
    ownKeys: ["writeConcurrency", "writeMaxAttempts"],
  });
  check.integer("ingest.writeConcurrency", given?.writeConcurrency, 1, 64);
  check.integer("ingest.writeMaxAttempts", given?.writeMaxAttempts, 1, 20);
  return {
    ...mapping,
    writeConcurrency: given?.writeConcurrency ?? ingestDefaults.writeConcurrency,
    writeMaxAttempts: given?.writeMaxAttempts ?? ingestDefaults.writeMaxAttempts,
  };
}

/** Whether, and after how long, the dedup table's items expire (DedupTable's `table`, PushIngest's own). */
export interface ItemExpirySettings {
  /**
   * Expire each item of the dedup table (DynamoDB TTL on `dedupExpiresAt`) once no redelivery can
   * bring its record again: the table's job, deduplication, needs no more, and the archive keeps the
   * history. Default: true.
   */
  expireItems?: boolean;
  /**
   * Days after its arrival in Kinesis an item expires, at least the source stream's retention plus the
   * ingest mapping's maximum record age and a day. Default: that least number of days.
   */
  expireAfterDays?: number;
}

export const itemExpiryDefaults = { expireItems: true, marginSeconds: 86_400 } as const;

/**
 * Seconds after its record's arrival an item expires, or undefined when items never do. The least is
 * the longest a record can still be delivered: for as long as the source stream keeps it (a mapping
 * re-created at the trim horizon reads it again), and for as long as the mapping retries it, with a
 * day to spare. https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export function resolveItemExpiry(
  check: SettingsCheck,
  path: string,
  given: ItemExpirySettings,
  redelivery: { streamRetentionHours: number; maximumRecordAgeInSeconds: number },
): number | undefined {
  const at = (name: string) => (path ? `${path}.${name}` : name);
  check.boolean(at("expireItems"), given.expireItems);
  check.integer(at("expireAfterDays"), given.expireAfterDays, 1, 36_500);
  if (!(given.expireItems ?? itemExpiryDefaults.expireItems)) {
    if (given.expireAfterDays !== undefined) check.fail(`${at("expireAfterDays")} needs ${at("expireItems")}: items that never expire have no expiry`);
    return undefined;
  }
  const least = redelivery.streamRetentionHours * 3_600 + redelivery.maximumRecordAgeInSeconds + itemExpiryDefaults.marginSeconds;
  const leastDays = Math.ceil(least / 86_400);
  if (given.expireAfterDays !== undefined && given.expireAfterDays < leastDays) {
    check.fail(
      `${at("expireAfterDays")} ${given.expireAfterDays} is shorter than a record can be delivered again: the source stream keeps it ${redelivery.streamRetentionHours} h, ` +
        `the mapping retries it for up to ${redelivery.maximumRecordAgeInSeconds} s, and a day to spare makes ${leastDays} days at least; a redelivered record would be written, and counted, twice`,
    );
  }
  return (given.expireAfterDays ?? leastDays) * 86_400;
}

/** A change to a deployed stack that no resource replacement shows, described for the message that refuses it. */
export interface LiveChange {
  /** The argument, as `liveChangesAcknowledged` names it. */
  setting: string;
  /** Its value at the last deployment, and now; no change when either is not known. */
  from: unknown;
  to: unknown;
  /** What the change would lose. */
  loses: string;
  /** The runbook in the docs. */
  runbook: string;
  /**
   * Changes it brings about that other components see only once deployed, too late for their
   * preview (a new table stream moves every mapping on it): acknowledged together with it.
   */
  bringsAbout?: readonly string[];
}

/**
 * Refuses at preview a change to a deployed stack that would lose records without replacing any
 * resource, so `protect` cannot see it (a new table stream, a mapping moved to another source),
 * unless the caller acknowledged it after following its runbook. Values not known yet are not
 * compared here: the component compares them once known.
 */
export function checkLiveChange(check: SettingsCheck, change: LiveChange, acknowledged: readonly string[] | undefined): void {
  if (change.from === undefined || change.to === undefined || isPending(change.from) || isPending(change.to) || change.from === change.to) return;
  const settings = [change.setting, ...(change.bringsAbout ?? [])];
  if (settings.every((setting) => acknowledged?.includes(setting))) return;
  check.fail(liveChangeMessage(change));
}

export const liveChangeMessage = (change: LiveChange): string =>
  `${change.setting} changes from ${JSON.stringify(change.from)} to ${JSON.stringify(change.to)} on a deployed stack: ${change.loses}. ` +
  `Follow ${change.runbook}, then acknowledge it with liveChangesAcknowledged: ${JSON.stringify([change.setting, ...(change.bringsAbout ?? [])])}`;

/** What a function on a table's stream deployed: its source, which a later deployment must not move without its runbook. */
export interface TableStreamDeployment {
  /** The table stream the function's mapping reads. */
  tableStreamArn?: string;
}

/** A mapping on a table's stream moved to another stream: what the stream changes lose. */
export const TABLE_STREAM_SOURCE_CHANGE = {
  setting: "tableStreamArn",
  loses: "the mapping is re-created on the new stream, so the old stream's changes it has not read yet are never archived or projected",
  runbook: "docs/change-over-time.md#changing-the-tables-stream",
} as const;

/** The argument that lets a live change through, once its runbook was followed. */
export interface LiveChangeArgs {
  /** Settings whose change on a deployed stack was prepared by their runbook (docs/change-over-time.md), so preview lets it through. Default: none. */
  liveChangesAcknowledged?: string[];
}

/** A component's `logRetentionDays`, the default of every log it keeps. */
export function resolveLogRetention(check: SettingsCheck, value: number | undefined): number {
  check.logRetention("logRetentionDays", value);
  return value ?? commonDefaults.logRetentionDays;
}
