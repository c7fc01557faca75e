import { defaultLoaderConcurrency } from "../components/internal/aurora-connections";
import { SettingsCheck } from "../components/settings/check";
import { resolveAuroraLoader, type AuroraLoaderArgs } from "../components/settings/aurora-loader";
import { type StreamSettings } from "../components/settings/cross-account-stream-source";
import { resolveTable, type DedupTableSettings } from "../components/settings/dedup-table";
import { resolveDelivery, resolveForward, resolveTransform, type FirehoseArchiveArgs } from "../components/settings/firehose-archive";
import { commonDefaults, resolveIngest, resolveItemExpiry, type IngestSettings } from "../components/settings/shared";
import { crossAccountStreamSourceDefaults } from "../components/settings/cross-account-stream-source";
import { resolveProject, type StreamProjectionArgs } from "../components/settings/stream-projection";
import type { ProjectionSpec } from "../functions/project/spec";

/** How a function on a stream is invoked, as far as throughput goes. */
export interface MappingSettings {
  batchSize: number;
  parallelizationFactor: number;
  maximumBatchingWindowInSeconds: number;
  memorySize: number;
}

/** The settings of a composed pipeline that decide what it can carry, with every default applied. */
export interface PipelineSettings {
  region: string;
  accessMode: "pull" | "push";
  /** `shardCount` unset: on-demand. `fanOut`: the ingest function reads through an enhanced fan-out consumer. `retentionHours`: how long it keeps records. */
  stream: { shardCount?: number; fanOut: boolean; retentionHours: number };
  ingest: MappingSettings & { writeConcurrency: number };
  /**
   * `writeUnits`, `maxWriteUnits` (the autoscaling range) and `targetUtilization` (percent) only
   * when provisioned. `expireAfterDays`: days after arrival an item expires; unset, items never do.
   */
  table: { billingMode: "PAY_PER_REQUEST" | "PROVISIONED"; writeUnits?: number; maxWriteUnits?: number; targetUtilization?: number; expireAfterDays?: number };
  forward: MappingSettings;
  delivery: { bufferSizeMiB: number; bufferIntervalSeconds: number };
  transform: { memorySize: number };
  projections: { name: string; kind: "index" | "aggregate"; mapping: MappingSettings }[];
  /**
   * Unset when the stack keeps only the archive. `loaders`: how many loads may run at once
   * (AuroraLoader's `load.maximumConcurrency`), `loadersByDefault` when the config leaves it to the
   * default, which follows the maximum capacity; `loaderMemorySize`: the load function's memory.
   */
  aurora?: { minCapacity: number; maxCapacity: number; loaders: number; loadersByDefault: boolean; loaderMemorySize: number };
}

/** The config a stack reads, in the shapes its components take; everything optional. */
export interface SettingsInput {
  region: string;
  accessMode?: "pull" | "push";
  stream?: StreamSettings;
  fanOut?: boolean;
  /** Hours the source stream keeps records, when `stream` does not say (the consumer stack reads it from the source stack). Default: 24. */
  streamRetentionHours?: number;
  /** Push mode: days after arrival the push function's items expire, as the source stack reports them. Default: the least, from the retention. */
  itemExpireAfterDays?: number;
  ingest?: IngestSettings;
  table?: DedupTableSettings;
  archive?: Pick<FirehoseArchiveArgs, "forward" | "delivery" | "transform">;
  projections?: (Pick<StreamProjectionArgs, "project"> & { projection: ProjectionSpec; name: string })[];
  /** `enabled: false` keeps only the archive. */
  aurora?: Pick<AuroraLoaderArgs, "database" | "load"> & { enabled?: boolean };
}

const mapping = ({ batchSize, parallelizationFactor, maximumBatchingWindowInSeconds, memorySize }: MappingSettings): MappingSettings => ({
  batchSize,
  parallelizationFactor,
  maximumBatchingWindowInSeconds,
  memorySize,
});

/**
 * The pipeline's settings from a stack's config, resolved by the components' own settings models
 * (components/settings/), so the model sizes exactly what the components deploy. The stacks and
 * the components report the problems; here they are not the question.
 */
export function pipelineSettings(input: SettingsInput): PipelineSettings {
  const check = new SettingsCheck();
  const logs = commonDefaults.logRetentionDays;
  const ingest = resolveIngest(check, input.ingest, logs);
  const table = resolveTable(check, input.table ?? {});
  const delivery = resolveDelivery(check, input.archive?.delivery);
  const accessMode = input.accessMode ?? "pull";
  const retentionHours = input.stream?.retentionHours ?? input.streamRetentionHours ?? crossAccountStreamSourceDefaults.stream.retentionHours;
  const expireAfterDays = itemExpiryDays(check, input, { streamRetentionHours: retentionHours, maximumRecordAgeInSeconds: ingest.maximumRecordAgeInSeconds });
  const capacity = table.capacity;
  return {
    region: input.region,
    accessMode,
    stream: { shardCount: input.stream?.shardCount, fanOut: input.fanOut ?? false, retentionHours },
    ingest: { ...mapping(ingest), writeConcurrency: ingest.writeConcurrency },
    table: capacity
      ? {
          billingMode: "PROVISIONED",
          writeUnits: capacity.write,
          maxWriteUnits: capacity.maxWrite,
          targetUtilization: capacity.targetUtilization,
          expireAfterDays,
        }
      : { billingMode: "PAY_PER_REQUEST", expireAfterDays },
    forward: mapping(resolveForward(check, input.archive?.forward, logs)),
    delivery: { bufferSizeMiB: delivery.bufferSizeMiB, bufferIntervalSeconds: delivery.bufferIntervalSeconds },
    transform: { memorySize: resolveTransform(check, input.archive?.transform, logs).memorySize },
    projections: (input.projections ?? []).map((p) => ({ name: p.name, kind: p.projection.kind, mapping: mapping(resolveProject(check, p.project, logs)) })),
    aurora: input.aurora?.enabled === false ? undefined : aurora(input.aurora),
  };
}

function aurora(input: SettingsInput["aurora"]): PipelineSettings["aurora"] {
  const settings = resolveAuroraLoader("capacity", {
    archiveBucketName: "",
    archiveBucketArn: "",
    columns: [],
    database: input?.database,
    load: input?.load,
  }).settings;
  return {
    minCapacity: settings.database.minCapacity,
    maxCapacity: settings.database.maxCapacity,
    loaders: settings.load.maximumConcurrency,
    loadersByDefault: input?.load?.maximumConcurrency === undefined,
    loaderMemorySize: settings.load.memorySize,
  };
}

/**
 * Days after arrival the dedup table's items expire, as the components decide it: in pull mode
 * from `table.expireItems` and `table.expireAfterDays`; in push mode the source's push function
 * writes the expiry (the least, unless the source reports its own), and the table's TTL is on
 * unless `table.expireItems` is false.
 */
function itemExpiryDays(check: SettingsCheck, input: SettingsInput, redelivery: Parameters<typeof resolveItemExpiry>[3]): number | undefined {
  const table = input.table ?? {};
  const push = input.accessMode === "push";
  if (push && table.expireItems === false) return undefined;
  if (push && input.itemExpireAfterDays !== undefined) return input.itemExpireAfterDays;
  const seconds = resolveItemExpiry(check, "table", push ? {} : table, redelivery);
  return seconds === undefined ? undefined : seconds / 86_400;
}

/** A config setting the capacity model can suggest, by its path in the stack's config. */
export type SettingKey =
  | "stream.shardCount"
  | "fanOutConsumerName"
  | "ingest.parallelizationFactor"
  | "table.capacity.maxWrite"
  | "archive.forward.parallelizationFactor"
  | "archive.forward.maximumBatchingWindowInSeconds"
  | "archive.delivery.bufferSizeMiB"
  | "aurora.database.maxCapacity"
  | "aurora.load.maximumConcurrency"
  | `projections[${number}].project.parallelizationFactor`;

/** Where each suggested setting lives in PipelineSettings: the object holding it, and its field. */
function location(settings: PipelineSettings, key: SettingKey): [Record<string, unknown> | undefined, string] {
  const projection = /^projections\[(\d+)\]\.project\.parallelizationFactor$/.exec(key);
  if (projection) return [settings.projections[Number(projection[1])]?.mapping as unknown as Record<string, unknown>, "parallelizationFactor"];
  const locations: Record<string, [unknown, string]> = {
    "stream.shardCount": [settings.stream, "shardCount"],
    "ingest.parallelizationFactor": [settings.ingest, "parallelizationFactor"],
    "table.capacity.maxWrite": [settings.table, "maxWriteUnits"],
    "archive.forward.parallelizationFactor": [settings.forward, "parallelizationFactor"],
    "archive.forward.maximumBatchingWindowInSeconds": [settings.forward, "maximumBatchingWindowInSeconds"],
    "archive.delivery.bufferSizeMiB": [settings.delivery, "bufferSizeMiB"],
    "aurora.database.maxCapacity": [settings.aurora, "maxCapacity"],
    "aurora.load.maximumConcurrency": [settings.aurora, "loaders"],
  };
  const found = locations[key];
  if (!found) throw new Error(`no such setting: ${key}`);
  return found as [Record<string, unknown> | undefined, string];
}

/** `settings` with one setting raised to `value` (never lowered); `fanOutConsumerName` turns fan-out on. */
export function withSetting(settings: PipelineSettings, key: SettingKey, value: number): PipelineSettings {
  const next: PipelineSettings = structuredClone(settings);
  if (key === "fanOutConsumerName") {
    next.stream.fanOut = true;
    return next;
  }
  const [holder, field] = location(next, key);
  if (holder) holder[field] = Math.max((holder[field] as number | undefined) ?? 0, value);
  // A larger cluster raises the loader's default reservation with it, as AuroraLoader would.
  if (key === "aurora.database.maxCapacity" && next.aurora?.loadersByDefault) next.aurora.loaders = defaultLoaderConcurrency(next.aurora);
  if (key === "aurora.load.maximumConcurrency" && next.aurora) next.aurora.loadersByDefault = false;
  return next;
}
