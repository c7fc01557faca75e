import { ACUS_PER_VCPU, DYNAMODB_REQUEST_SECONDS, DYNAMODB_TRANSACTION_SECONDS, FIREHOSE_REQUEST_SECONDS } from "./assumptions";
import { ESTIMATES, FIGURES } from "./estimates";
import { type CostedFunction } from "./measured";
import { AURORA, DYNAMODB, FIREHOSE, KINESIS, LAMBDA, MiB, QUOTA_PAGES, S3, type ServiceQuotas } from "./limits";
import { AURORA_MYSQL_MAX_CONNECTIONS_PAGE, maxCapacityForLoaders } from "../components/internal/aurora-connections";
import { LAMBDA_CONCURRENCY } from "../components/internal/aws-rules";
import { type MappingSettings, type PipelineSettings, type SettingKey } from "./settings";
import { archiveRecordBytes, itemBytes } from "./sizes";
import { INDEX_WRITE_CONCURRENCY, TRANSACTION_LIMITS } from "../functions/project/write-limits";

/** The traffic a pipeline is sized for (the `expectedLoad` config key). */
export interface ExpectedLoad {
  /** Events per second at peak. */
  eventsPerSecond: number;
  /** Average size of an event as producers write it to Kinesis, bytes. */
  eventBytes: number;
  /** Applications besides the ingest function reading the stream through shared throughput. Default: 0. */
  otherStreamReaders?: number;
  /** Share of events, 0–1, in the busiest group of an aggregate projection. Default: 0.1. */
  hottestGroupShare?: number;
}

export const expectedLoadDefaults = { otherStreamReaders: 0, hottestGroupShare: 0.1 } as const;

/** Every problem with a load, one per entry; empty when it is usable. */
export function loadProblems(load: Partial<ExpectedLoad> | undefined): string[] {
  const problems: string[] = [];
  const positive = (name: keyof ExpectedLoad, value: unknown, integer: boolean) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      problems.push(`${name} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`);
    }
  };
  positive("eventsPerSecond", load?.eventsPerSecond, false);
  positive("eventBytes", load?.eventBytes, true);
  const readers = load?.otherStreamReaders;
  if (readers !== undefined && !(Number.isInteger(readers) && readers >= 0 && readers <= 20)) {
    problems.push(`otherStreamReaders must be an integer from 0 to 20, got ${JSON.stringify(readers)}`);
  }
  const share = load?.hottestGroupShare;
  if (share !== undefined && !(typeof share === "number" && share > 0 && share <= 1)) {
    problems.push(`hottestGroupShare must be a number above 0 and at most 1, got ${JSON.stringify(share)}`);
  }
  return problems;
}

export type Account = "source" | "consumer";

/**
 * What carries a stage's need: a config setting, a raised service quota, advice, or a change to
 * the design itself.
 */
export type Fix =
  | { kind: "setting"; key: SettingKey; value: number }
  | { kind: "quota"; name: keyof ServiceQuotas; value: number }
  | { kind: "advice"; text: string }
  | { kind: "design"; text: string };

/** One stage's check: what the load needs of it, and what it can give. */
export interface Stage {
  /** Stable name, such as `firehose.bytes`: stack output keys and tests use it. */
  id: string;
  /** The account it runs in. */
  account: Account;
  /** What is measured, in words. */
  what: string;
  need: number;
  limit: number;
  unit: string;
  /** "published": the limit is AWS's number. "estimated": it rests on the measured figures (capacity/estimates.ts). */
  basis: "published" | "estimated";
  /** Where the limit comes from: AWS's page, or capacity/measured-figures.json. */
  source: string;
  /** What carries the need: the fix when the stage falls short. */
  fix: Fix;
}

export const fits = (stage: Stage): boolean => stage.need <= stage.limit;
/** How many times the need the limit is; Infinity when nothing is needed. */
export const headroom = (stage: Stage): number => (stage.need === 0 ? Infinity : stage.limit / stage.need);

/** Rounds up to a multiple of `step`, ignoring floating-point dust. */
export const up = (value: number, step = 1): number => Math.ceil(value / step - 1e-9) * step;

/** What a function's core takes in seconds per record on Lambda, at this event size and memory: its CPU time over its share of a vCPU. */
export function cpuSeconds(fn: CostedFunction, eventBytes: number, memorySize: number): number {
  const size = Math.max(1, eventBytes / ESTIMATES.eventBytes);
  const share = Math.max(1, LAMBDA.memoryMbPerVcpu / memorySize);
  return ESTIMATES.cpuMicrosPerRecord[fn] * 1e-6 * size * share;
}

/** Seconds an ingest invocation of `records` takes: decoding each, then BatchWriteItem 25 items a request, writeConcurrency requests at a time. */
export function ingestBatchSeconds(settings: PipelineSettings, bytes: number, records: number): number {
  const ingest = settings.ingest;
  return records * cpuSeconds("ingest", bytes, ingest.memorySize) + up(up(records / 25) / ingest.writeConcurrency) * DYNAMODB_REQUEST_SECONDS;
}

/** Seconds a forward invocation of `records` takes: an archive record each, then PutRecordBatch calls one after another. */
export function forwardBatchSeconds(settings: PipelineSettings, bytes: number, records: number): number {
  return records * cpuSeconds("forward", bytes, settings.forward.memorySize) + up(records / recordsPerCall(bytes)) * FIREHOSE_REQUEST_SECONDS;
}

/**
 * Seconds a projection invocation of `records` takes: an index makes one conditional write per
 * record, INDEX_WRITE_CONCURRENCY at once; an aggregate writes an entry per item and an update per
 * group, at most one of each per record, in transactions of up to 100 actions one after another.
 */
export function projectionBatchSeconds(projection: PipelineSettings["projections"][number], bytes: number, records: number): number {
  const aggregate = projection.kind === "aggregate";
  const writing = aggregate
    ? up((2 * records) / TRANSACTION_LIMITS.actions) * DYNAMODB_TRANSACTION_SECONDS
    : up(records / INDEX_WRITE_CONCURRENCY) * DYNAMODB_REQUEST_SECONDS;
  return records * cpuSeconds(aggregate ? "projectAggregate" : "projectIndex", bytes, projection.mapping.memorySize) + writing;
}

/** The parallelization factor that carries `perShard` records/s at `perBatch` each, or `beyond` when 10 does not. */
function parallelization(key: SettingKey, perShard: number, perBatch: number, beyond: Fix): Fix {
  const needed = Math.max(1, up(perShard / perBatch));
  return needed <= LAMBDA.maxParallelizationFactor ? { kind: "setting", key, value: needed } : beyond;
}

/** What every step of the plan reads: the load, the settings, the quotas, and the figures derived once from them. */
export interface Plan {
  load: ExpectedLoad;
  settings: PipelineSettings;
  quotas: ServiceQuotas;
  events: number;
  bytes: number;
  /** The account the ingest function runs in. */
  ingestAccount: Account;
  /** Source stream shards: the provisioned count, or what an on-demand stream keeps for this load. */
  shards: number;
  /** The dedup table's item for one event, and its write units. */
  unitsPerItem: number;
  tableUnits: number;
  /** The dedup table's stream shards, and the events each carries. */
  tableStreamShards: number;
  perTableShard: number;
}

/**
 * The capacity of every stage of the pipeline for `load`, as `settings` configure it, against
 * `quotas`, stage by stage in the order records flow. Pure: the same inputs give the same stages.
 */
export function planCapacity(load: ExpectedLoad, settings: PipelineSettings, quotas: ServiceQuotas): Stage[] {
  const problems = loadProblems(load);
  if (problems.length > 0) throw new Error(`expectedLoad: ${problems.join("; ")}`);
  const plan = derivePlan(load, settings, quotas);
  return oneValuePerQuota([
    ...streamStages(plan),
    ...ingestStages(plan),
    ...tableStages(plan),
    ...forwardStages(plan),
    ...firehoseStages(plan),
    ...plan.settings.projections.flatMap((projection, i) => projectionStages(plan, projection, i)),
    ...archiveStages(plan),
    ...concurrencyStages(plan),
  ]);
}

/**
 * Several stages can be carried by one quota (Firehose's byte quota raises its records and
 * requests quotas with it; every table has the table-level write quota): each such stage's fix
 * asks for the one value that carries them all, the highest any of them needs.
 */
function oneValuePerQuota(stages: Stage[]): Stage[] {
  const highest = new Map<string, number>();
  for (const { fix } of stages.filter((s) => !fits(s))) if (fix.kind === "quota") highest.set(fix.name, Math.max(highest.get(fix.name) ?? 0, fix.value));
  return stages.map((stage) =>
    stage.fix.kind === "quota" && highest.has(stage.fix.name) ? { ...stage, fix: { ...stage.fix, value: highest.get(stage.fix.name)! } } : stage,
  );
}

/**
 * The figures every step shares. Kinesis: each shard takes 1 MiB/s or 1,000 records/s; on-demand
 * streams start at 4 MiB/s and keep capacity for twice the peak they have seen; AWS gives no shard
 * count, so twice the fewest shards that carry the load, and at least 4, is taken as theirs. The
 * table's stream has a shard per partition, each partition at most 1,000 write units; on-demand
 * tables start warm at 4,000 and keep capacity for twice their peak; AWS gives no partition count,
 * so the fewest partitions for that capacity are taken as the stream's shards.
 */
export function derivePlan(load: ExpectedLoad, settings: PipelineSettings, quotas: ServiceQuotas): Plan {
  const events = load.eventsPerSecond;
  const bytes = load.eventBytes;
  const minShards = minStreamShards(events, bytes);
  const shards = settings.stream.shardCount ?? Math.max(KINESIS.onDemandInitialWriteBytesPerSecond / KINESIS.shardWriteBytesPerSecond, 2 * minShards);
  const unitsPerItem = up(itemBytes(bytes) / DYNAMODB.writeUnitBytes);
  const tableUnits = events * unitsPerItem;
  const table = settings.table;
  const tableCapacity =
    table.billingMode === "PROVISIONED" ? Math.max(table.writeUnits!, tableUnits) : Math.max(DYNAMODB.onDemandInitialWriteUnitsPerSecond, 2 * tableUnits);
  const tableStreamShards = up(tableCapacity / DYNAMODB.partitionWriteUnitsPerSecond);
  return {
    load,
    settings,
    quotas,
    events,
    bytes,
    shards,
    unitsPerItem,
    tableUnits,
    tableStreamShards,
    ingestAccount: settings.accessMode === "push" ? "source" : "consumer",
    perTableShard: events / tableStreamShards,
  };
}

/** The fewest shards that carry the writes: 1 MiB/s or 1,000 records/s each. */
const minStreamShards = (events: number, bytes: number) =>
  Math.max(1, up((events * bytes) / KINESIS.shardWriteBytesPerSecond), up(events / KINESIS.shardWriteRecordsPerSecond));

/** The source stream: its shards (or on-demand throughput), and the read throughput readers share. */
function streamStages({ load, settings, quotas, events, bytes, shards }: Plan): Stage[] {
  const stages: Stage[] = [];
  const writeBytes = events * bytes;
  const minShards = minStreamShards(events, bytes);
  const provisioned = settings.stream.shardCount;
  if (provisioned !== undefined) {
    stages.push({
      id: "stream.shards",
      account: "source",
      what: "Kinesis shards (1 MiB/s or 1,000 records/s each)",
      need: minShards,
      limit: provisioned,
      unit: "shards",
      basis: "published",
      source: KINESIS.shardPage,
      fix: { kind: "setting", key: "stream.shardCount", value: minShards },
    });
    stages.push({
      id: "stream.accountShards",
      account: "source",
      what: "Kinesis shards in the account",
      need: provisioned,
      limit: quotas.kinesisShards,
      unit: "shards",
      basis: "published",
      source: QUOTA_PAGES.kinesisShards,
      fix: { kind: "quota", name: "kinesisShards", value: provisioned },
    });
  } else {
    const mib = writeBytes / MiB;
    stages.push({
      id: "stream.onDemand",
      account: "source",
      what: "Kinesis on-demand write throughput",
      need: mib,
      limit: quotas.kinesisOnDemandMaxWriteMiBPerSecond,
      unit: "MiB/s",
      basis: "published",
      source: QUOTA_PAGES.kinesisOnDemandMaxWriteMiBPerSecond,
      fix:
        mib <= KINESIS.onDemandMaxWriteMiBPerSecondOnRequest
          ? { kind: "quota", name: "kinesisOnDemandMaxWriteMiBPerSecond", value: up(mib) }
          : { kind: "design", text: "the clickstream split over several streams" },
    });
  }
  const perShardWrite = Math.min(KINESIS.shardWriteBytesPerSecond, writeBytes / shards);
  const sharedReaders = (load.otherStreamReaders ?? expectedLoadDefaults.otherStreamReaders) + (settings.stream.fanOut ? 0 : 1);
  if (sharedReaders > 0) {
    stages.push({
      id: "stream.read",
      account: "source",
      what: "Kinesis shared read throughput per shard",
      need: (perShardWrite * sharedReaders) / MiB,
      limit: KINESIS.shardReadBytesPerSecond / MiB,
      unit: "MiB/s per shard",
      basis: "published",
      source: KINESIS.shardPage,
      fix: settings.stream.fanOut
        ? { kind: "advice", text: "fewer shared-throughput readers, or more shards" }
        : { kind: "setting", key: "fanOutConsumerName", value: 1 },
    });
  }
  return stages;
}

/**
 * Ingest: one batch at a time per shard and concurrent batch; a batch decodes each record, then
 * writes them with BatchWriteItem, 25 items a request, writeConcurrency requests at a time.
 */
function ingestStages({ settings, events, bytes, shards, ingestAccount }: Plan): Stage[] {
  const ingest = settings.ingest;
  const perBatch = ingest.batchSize / ingestBatchSeconds(settings, bytes, ingest.batchSize);
  const perShard = events / shards;
  return [
    {
      id: "ingest.throughput",
      account: ingestAccount,
      what: "Ingest function, records/s per source shard",
      need: perShard,
      limit: ingest.parallelizationFactor * perBatch,
      unit: "records/s per source shard",
      basis: "estimated",
      source: FIGURES,
      fix: parallelization("ingest.parallelizationFactor", perShard, perBatch, {
        kind: "advice",
        text: "a higher ingest.memorySize (more CPU per batch), or more shards",
      }),
    },
  ];
}

/**
 * The dedup table: one item per event. Its hash key takes 100 values per source shard (two digits
 * of the sequence number, then the shard), so each key gets a hundredth of a shard's writes. Its
 * stream serves two readers per shard.
 */
function tableStages({ settings, quotas, bytes, shards, tableUnits }: Plan): Stage[] {
  const item = itemBytes(bytes);
  const table = settings.table;
  const stages: Stage[] = [
    {
      id: "table.itemSize",
      account: "consumer",
      what: "DynamoDB item size (larger events are parked)",
      need: item,
      limit: DYNAMODB.maxItemBytes,
      unit: "bytes",
      basis: "published",
      source: DYNAMODB.itemPage,
      fix: { kind: "advice", text: `events under ${DYNAMODB.maxItemBytes - (item - bytes)} bytes: keep large payloads in S3 and send their key` },
    },
  ];
  if (table.billingMode === "PROVISIONED") {
    const quotaShort = tableUnits > quotas.dynamodbTableWriteUnits;
    stages.push({
      id: "table.writes",
      account: "consumer",
      what: "DynamoDB table write units (provisioned maximum)",
      need: tableUnits,
      limit: Math.min(table.maxWriteUnits!, quotas.dynamodbTableWriteUnits),
      unit: "WCU/s",
      basis: "published",
      source: QUOTA_PAGES.dynamodbTableWriteUnits,
      fix: quotaShort
        ? { kind: "quota", name: "dynamodbTableWriteUnits", value: up(tableUnits) }
        : { kind: "setting", key: "table.capacity.maxWrite", value: up(tableUnits) },
    });
  } else {
    stages.push({
      id: "table.writes",
      account: "consumer",
      what: "DynamoDB table write units (on-demand)",
      need: tableUnits,
      limit: quotas.dynamodbTableWriteUnits,
      unit: "WRU/s",
      basis: "published",
      source: QUOTA_PAGES.dynamodbTableWriteUnits,
      fix: { kind: "quota", name: "dynamodbTableWriteUnits", value: up(tableUnits) },
    });
  }
  const spreadShards = up(tableUnits / 100 / DYNAMODB.partitionWriteUnitsPerSecond);
  stages.push({
    id: "table.keySpread",
    account: "consumer",
    what: "DynamoDB write units per dedup hash key",
    need: tableUnits / shards / 100,
    limit: DYNAMODB.partitionWriteUnitsPerSecond,
    unit: "WCU/s per hash key",
    basis: "published",
    source: DYNAMODB.partitionPage,
    fix:
      settings.stream.shardCount !== undefined
        ? { kind: "setting", key: "stream.shardCount", value: spreadShards }
        : { kind: "advice", text: `${spreadShards} or more source shards` },
  });
  stages.push({
    id: "tableStream.readers",
    account: "consumer",
    what: "Readers of each table stream shard (forward, projections)",
    need: 1 + settings.projections.length,
    limit: DYNAMODB.streamReadersPerShard,
    unit: "readers",
    basis: "published",
    source: DYNAMODB.streamPage,
    fix: { kind: "design", text: "at most one projection, or the table's changes sent to a Kinesis data stream that every reader consumes" },
  });
  return stages;
}

/** Records per PutRecordBatch call: up to 500 records or 4 MiB. */
const recordsPerCall = (bytes: number) => Math.max(1, Math.min(FIREHOSE.recordsPerCall, Math.floor(FIREHOSE.bytesPerCall / archiveRecordBytes(bytes))));

/** Forward: a batch turns each change into an archive record and puts them in PutRecordBatch calls, one after another. */
function forwardStages({ settings, bytes, perTableShard }: Plan): Stage[] {
  const forward = settings.forward;
  const perBatch = forward.batchSize / forwardBatchSeconds(settings, bytes, forward.batchSize);
  return [
    {
      id: "forward.throughput",
      account: "consumer",
      what: "Forward function, records/s per table stream shard",
      need: perTableShard,
      limit: forward.parallelizationFactor * perBatch,
      unit: "records/s per table stream shard",
      basis: "estimated",
      source: FIGURES,
      fix: parallelization("archive.forward.parallelizationFactor", perTableShard, perBatch, {
        kind: "advice",
        text: "a higher archive.forward.memorySize (more CPU per batch)",
      }),
    },
  ];
}

/**
 * Firehose Direct PUT, per delivery stream. Its three quotas scale together, so each is raised as
 * bytes. A caught-up mapping invokes the function with what arrived since its last poll (4 a
 * second), or since the batching window opened.
 */
function firehoseStages({ settings, quotas, events, bytes, perTableShard }: Plan): Stage[] {
  const forward = settings.forward;
  const perCall = recordsPerCall(bytes);
  const firehoseMiB = (events * archiveRecordBytes(bytes)) / MiB;
  const asMiB = (value: number, quota: number): Fix => ({
    kind: "quota",
    name: "firehoseMiBPerSecond",
    value: up((value / quota) * quotas.firehoseMiBPerSecond),
  });
  const window = Math.max(forward.maximumBatchingWindowInSeconds, 1 / LAMBDA.tableStreamPollsPerSecond);
  const perRequest = Math.max(1, Math.min(forward.batchSize, perCall, perTableShard * window));
  const requests = events / perRequest;
  // The shortest batching window whose calls are full enough for the request quota, if one is.
  const wanted = events / quotas.firehoseRequestsPerSecond;
  const fullEnough = wanted <= Math.min(forward.batchSize, perCall) ? up(wanted / perTableShard) : Infinity;
  return [
    {
      id: "firehose.bytes",
      account: "consumer",
      what: "Firehose Direct PUT throughput",
      need: firehoseMiB,
      limit: quotas.firehoseMiBPerSecond,
      unit: "MiB/s",
      basis: "published",
      source: QUOTA_PAGES.firehoseMiBPerSecond,
      fix: { kind: "quota", name: "firehoseMiBPerSecond", value: up(firehoseMiB) },
    },
    {
      id: "firehose.records",
      account: "consumer",
      what: "Firehose Direct PUT records",
      need: events,
      limit: quotas.firehoseRecordsPerSecond,
      unit: "records/s",
      basis: "published",
      source: QUOTA_PAGES.firehoseRecordsPerSecond,
      fix: asMiB(events, quotas.firehoseRecordsPerSecond),
    },
    {
      id: "firehose.requests",
      account: "consumer",
      what: "Firehose PutRecordBatch calls",
      need: requests,
      limit: quotas.firehoseRequestsPerSecond,
      unit: "requests/s",
      basis: "published",
      source: QUOTA_PAGES.firehoseRequestsPerSecond,
      fix:
        fullEnough <= 300
          ? { kind: "setting", key: "archive.forward.maximumBatchingWindowInSeconds", value: fullEnough }
          : asMiB(requests, quotas.firehoseRequestsPerSecond),
    },
  ];
}

/**
 * A projection, a batch at a time: an index makes one conditional write per record (its newest
 * change per key), INDEX_WRITE_CONCURRENCY at once; an aggregate writes an entry per item and an
 * update per group, at most one of each per record, in transactions of up to 100 actions run one
 * after another (a batch's transactions share its busiest groups). A projection that falls behind
 * gets full batches, so full batches give its throughput.
 */
function projectionStages(
  { load, quotas, events, bytes, unitsPerItem, perTableShard }: Plan,
  projection: PipelineSettings["projections"][number],
  i: number,
): Stage[] {
  const aggregate = projection.kind === "aggregate";
  const perBatch = projection.mapping.batchSize / projectionBatchSeconds(projection, bytes, projection.mapping.batchSize);
  const units = events * (aggregate ? DYNAMODB.transactionalWriteUnits : unitsPerItem);
  const stages: Stage[] = [
    {
      id: `projection.${projection.name}.throughput`,
      account: "consumer",
      what: `Projection ${projection.name}, records/s per table stream shard`,
      need: perTableShard,
      limit: projection.mapping.parallelizationFactor * perBatch,
      unit: "records/s per table stream shard",
      basis: "estimated",
      source: FIGURES,
      fix: parallelization(`projections[${i}].project.parallelizationFactor`, perTableShard, perBatch, {
        kind: "advice",
        text: `a larger projections[${i}].project.batchSize (more records per write round trip) or memorySize (more CPU per batch)`,
      }),
    },
    {
      id: `projection.${projection.name}.writes`,
      account: "consumer",
      what: `Projection ${projection.name}, table write units`,
      need: units,
      limit: quotas.dynamodbTableWriteUnits,
      unit: "WRU/s",
      basis: "published",
      source: QUOTA_PAGES.dynamodbTableWriteUnits,
      fix: { kind: "quota", name: "dynamodbTableWriteUnits", value: up(units) },
    },
  ];
  if (aggregate) {
    const hottest = events * (load.hottestGroupShare ?? expectedLoadDefaults.hottestGroupShare) * DYNAMODB.transactionalWriteUnits;
    stages.push({
      id: `projection.${projection.name}.hotKey`,
      account: "consumer",
      what: `Projection ${projection.name}, write units on the busiest group`,
      need: hottest,
      limit: DYNAMODB.partitionWriteUnitsPerSecond,
      unit: "WCU/s per group",
      basis: "published",
      source: DYNAMODB.partitionPage,
      fix: { kind: "design", text: "finer groups, or each group's counter split over several items" },
    });
  }
  return stages;
}

/** The archive's CSV bytes a second, and the objects a second Firehose writes them in: one when its buffer fills or its interval ends. */
export function archiveObjects(settings: PipelineSettings, events: number, bytes: number): { csvBytes: number; objects: number } {
  const csvBytes = events * bytes * ESTIMATES.csvBytesPerEventByte;
  return { csvBytes, objects: Math.max(1 / settings.delivery.bufferIntervalSeconds, csvBytes / (settings.delivery.bufferSizeMiB * MiB)) };
}

/** Rows of these events one LOAD DATA statement loads a second on one vCPU: the bench's rate, slower in proportion for longer rows. */
export const loadRowsPerSecond = (bytes: number): number =>
  ESTIMATES.loadRowsPerSecond * Math.min(1, ESTIMATES.loadRowBytes / (bytes * ESTIMATES.csvBytesPerEventByte));

/** ACUs that load `events` rows a second of these events, in steps of half an ACU. */
export const acusFor = (events: number, bytes: number): number => up(events / (loadRowsPerSecond(bytes) / ACUS_PER_VCPU), 0.5);

/**
 * The archive: Firehose writes an object when its buffer fills or its interval ends, all under one
 * hourly prefix; the loader loads each object with one LOAD DATA statement.
 */
function archiveStages({ settings, events, bytes }: Plan): Stage[] {
  const { csvBytes, objects } = archiveObjects(settings, events, bytes);
  const stages: Stage[] = [
    {
      id: "s3.objects",
      account: "consumer",
      what: "Archive objects written under one prefix",
      need: objects,
      limit: S3.putsPerSecondPerPrefix,
      unit: "PUT/s",
      basis: "published",
      source: S3.prefixPage,
      fix: { kind: "setting", key: "archive.delivery.bufferSizeMiB", value: Math.min(128, up(csvBytes / S3.putsPerSecondPerPrefix / MiB)) },
    },
  ];
  if (!settings.aurora) return stages;
  const rowsPerStatement = loadRowsPerSecond(bytes);
  const perAcu = rowsPerStatement / ACUS_PER_VCPU;
  const acus = acusFor(events, bytes);
  stages.push({
    id: "aurora.rows",
    account: "consumer",
    what: "Aurora rows loaded, at maximum capacity",
    need: events,
    limit: settings.aurora.maxCapacity * perAcu,
    unit: "rows/s",
    basis: "estimated",
    source: FIGURES,
    fix:
      acus <= AURORA.maxCapacity
        ? { kind: "setting", key: "aurora.database.maxCapacity", value: acus }
        : { kind: "design", text: "the Aurora load path replaced: query the archive in place (Athena), or load a warehouse" },
  });
  // Each load holds one connection; the loader may run only as many at once as its reserved concurrency (at most half the cluster's connections).
  const loaders = events / rowsPerStatement;
  // The least maximum capacity with the connections for them: below it, a larger cluster; at or above it, a larger reservation.
  const enough = maxCapacityForLoaders(up(loaders));
  stages.push({
    id: "aurora.loaders",
    account: "consumer",
    what: "Loads at once (the loader's reserved concurrency)",
    need: loaders,
    limit: settings.aurora.loaders,
    unit: "loaders",
    basis: "published",
    source: AURORA_MYSQL_MAX_CONNECTIONS_PAGE,
    fix:
      enough === undefined
        ? { kind: "design", text: "fewer, larger archive objects (a larger archive.delivery.bufferSizeMiB), or the load path replaced" }
        : enough <= settings.aurora.maxCapacity
          ? { kind: "setting", key: "aurora.load.maximumConcurrency", value: up(loaders) }
          : { kind: "setting", key: "aurora.database.maxCapacity", value: enough },
  });
  return stages;
}

/**
 * Lambda concurrency, per account: a stream mapping runs up to shards × parallelization factor
 * batches at once; the transform runs as many as are busy at once. The loader's reserved
 * concurrency is taken from the account's pool whether loads run or not, and the rest, which the
 * other functions share, must stay at least LAMBDA_CONCURRENCY.minimumUnreserved.
 */
function concurrencyStages({ settings, quotas, events, bytes, shards, tableStreamShards, ingestAccount }: Plan): Stage[] {
  const mapped = (m: MappingSettings, streamShards: number) => up(streamShards) * m.parallelizationFactor;
  const ingest = mapped(settings.ingest, shards);
  const unreserved =
    (ingestAccount === "consumer" ? ingest : 0) +
    mapped(settings.forward, tableStreamShards) +
    settings.projections.reduce((sum, p) => sum + mapped(p.mapping, tableStreamShards), 0) +
    up(events * cpuSeconds("transform", bytes, settings.transform.memorySize));
  const consumer = settings.aurora ? settings.aurora.loaders + Math.max(unreserved, LAMBDA_CONCURRENCY.minimumUnreserved) : unreserved;
  const stage = (account: Account, need: number): Stage => ({
    id: `lambda.${account}`,
    account,
    what: `Lambda concurrent executions, ${account} account`,
    need,
    limit: quotas.lambdaConcurrency,
    unit: "executions",
    basis: "published",
    source: QUOTA_PAGES.lambdaConcurrency,
    fix: { kind: "quota", name: "lambdaConcurrency", value: need },
  });
  return [...(ingestAccount === "source" ? [stage("source", ingest)] : []), stage("consumer", consumer)];
}

/** The stages one account's stack deploys. */
export const stagesOf = (stages: readonly Stage[], account: Account): Stage[] => stages.filter((s) => s.account === account);
