import type { AuroraLoaderArgs } from "../components/aurora-loader";
import type { StreamSettings } from "../components/cross-account-stream-source";
import type { DedupTableSettings } from "../components/dedup-table";
import type { FirehoseArchiveArgs } from "../components/firehose-archive";
import { auroraLoaderDefaults } from "../components/internal/aurora-loader-defaults";
import type { IngestSettings } from "../components/internal/ingest-function";
import { ingestDefaults, streamFunctionDefaults } from "../components/internal/shared-defaults";
import type { StreamMappingSettings } from "../components/internal/stream-function";
import type { StreamProjectionArgs } from "../components/stream-projection";
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
  /** `shardCount` unset: on-demand. `fanOut`: the ingest function reads through an enhanced fan-out consumer. */
  stream: { shardCount?: number; fanOut: boolean };
  ingest: MappingSettings & { writeConcurrency: number };
  /** `writeUnits` and `maxWriteUnits` (the autoscaling range) only when provisioned. */
  table: { billingMode: "PAY_PER_REQUEST" | "PROVISIONED"; writeUnits?: number; maxWriteUnits?: number };
  forward: MappingSettings;
  delivery: { bufferSizeMiB: number; bufferIntervalSeconds: number };
  transform: { memorySize: number };
  projections: { name: string; kind: "index" | "aggregate"; mapping: MappingSettings }[];
  /** Unset when the stack keeps only the archive. */
  aurora?: { maxCapacity: number };
}

/**
 * The components' defaults for the settings above, as they apply them. The model runs without
 * loading Pulumi (so `npm run plan` starts fast): what the components keep in modules without
 * Pulumi is read from there, the rest is a copy; the capacity settings unit test realizes each
 * component with no settings and checks its resources carry these values.
 */
export const CAPACITY_DEFAULTS = {
  mapping: streamFunctionDefaults,
  ingest: ingestDefaults,
  forwardBatchSize: 100,
  projectionBatchSize: 100,
  /** DedupTable's autoscaling maximum when capacity.maxWrite is unset: ten times the minimum. */
  maxWriteFactor: 10,
  delivery: { bufferSizeMiB: 5, bufferIntervalSeconds: 300 },
  transformMemorySize: 256,
  auroraMaxCapacity: auroraLoaderDefaults.maxCapacity,
} as const;

/** The config a stack reads, in the shapes its components take; everything optional. */
export interface SettingsInput {
  region: string;
  accessMode?: "pull" | "push";
  stream?: StreamSettings;
  fanOut?: boolean;
  ingest?: IngestSettings;
  table?: DedupTableSettings;
  archive?: Pick<FirehoseArchiveArgs, "forward" | "delivery" | "transform">;
  projections?: (Pick<StreamProjectionArgs, "project" | "mapping"> & { projection: ProjectionSpec; name: string })[];
  /** `enabled: false` keeps only the archive. */
  aurora?: Pick<AuroraLoaderArgs, "database"> & { enabled?: boolean };
}

function mapping(settings: StreamMappingSettings | undefined, batchSize: number): MappingSettings {
  const d = CAPACITY_DEFAULTS.mapping;
  return {
    batchSize: settings?.batchSize ?? batchSize,
    parallelizationFactor: settings?.parallelizationFactor ?? d.parallelizationFactor,
    maximumBatchingWindowInSeconds: settings?.maximumBatchingWindowInSeconds ?? d.maximumBatchingWindowInSeconds,
    memorySize: settings?.memorySize ?? d.memorySize,
  };
}

/** The pipeline's settings from a stack's config, with the components' defaults where it says nothing. */
export function pipelineSettings(input: SettingsInput): PipelineSettings {
  const d = CAPACITY_DEFAULTS;
  const capacity = input.table?.billingMode === "PROVISIONED" ? input.table.capacity : undefined;
  const aurora = input.aurora?.enabled === false ? undefined : { maxCapacity: input.aurora?.database?.maxCapacity ?? d.auroraMaxCapacity };
  return {
    region: input.region,
    accessMode: input.accessMode ?? "pull",
    stream: { shardCount: input.stream?.shardCount, fanOut: input.fanOut ?? false },
    ingest: { ...mapping(input.ingest, d.ingest.batchSize), writeConcurrency: input.ingest?.writeConcurrency ?? d.ingest.writeConcurrency },
    table: capacity
      ? { billingMode: "PROVISIONED", writeUnits: capacity.write, maxWriteUnits: capacity.maxWrite ?? capacity.write * d.maxWriteFactor }
      : { billingMode: "PAY_PER_REQUEST" },
    forward: mapping(input.archive?.forward, d.forwardBatchSize),
    delivery: {
      bufferSizeMiB: input.archive?.delivery?.bufferSizeMiB ?? d.delivery.bufferSizeMiB,
      bufferIntervalSeconds: input.archive?.delivery?.bufferIntervalSeconds ?? d.delivery.bufferIntervalSeconds,
    },
    transform: { memorySize: input.archive?.transform?.memorySize ?? d.transformMemorySize },
    projections: (input.projections ?? []).map((p) => ({ name: p.name, kind: p.projection.kind, mapping: mapping(p.project ?? p.mapping, d.projectionBatchSize) })),
    aurora,
  };
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
  return next;
}
