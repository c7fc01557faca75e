import {
  ACUS_PER_VCPU,
  BENCH_EVENT_BYTES,
  CPU_MICROS_PER_RECORD,
  CSV_BYTES_PER_EVENT_BYTE,
  DYNAMODB_REQUEST_SECONDS,
  DYNAMODB_TRANSACTION_SECONDS,
  FIREHOSE_REQUEST_SECONDS,
  LOAD_ROWS_PER_CORE_SECOND,
  type CostedFunction,
} from "./figures";
import { AURORA, DYNAMODB, FIREHOSE, KINESIS, LAMBDA, MiB, QUOTA_PAGES, S3, type ServiceQuotas } from "./limits";
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
  /** "published": the limit is AWS's number. "estimated": it rests on capacity/figures.ts. */
  basis: "published" | "estimated";
  /** Where the limit comes from: AWS's page, or capacity/figures.ts. */
  source: string;
  /** What carries the need: the fix when the stage falls short. */
  fix: Fix;
}

export const fits = (stage: Stage): boolean => stage.need <= stage.limit;
/** How many times the need the limit is; Infinity when nothing is needed. */
export const headroom = (stage: Stage): number => (stage.need === 0 ? Infinity : stage.limit / stage.need);

/** Rounds up to a multiple of `step`, ignoring floating-point dust. */
/** Where the estimated limits come from. */
export const FIGURES = "capacity/figures.ts";

const up = (value: number, step = 1): number => Math.ceil(value / step - 1e-9) * step;

/** What a function's core costs in CPU seconds per record, at this event size and memory. */
function cpuSeconds(fn: CostedFunction, eventBytes: number, memorySize: number): number {
  const size = Math.max(1, eventBytes / BENCH_EVENT_BYTES);
  const share = Math.max(1, LAMBDA.memoryMbPerVcpu / memorySize);
  return CPU_MICROS_PER_RECORD[fn] * 1e-6 * size * share;
}

/** The parallelization factor that carries `perShard` records/s at `perBatch` each, or `beyond` when 10 does not. */
function parallelization(key: SettingKey, perShard: number, perBatch: number, beyond: Fix): Fix {
  const needed = Math.max(1, up(perShard / perBatch));
  return needed <= LAMBDA.maxParallelizationFactor ? { kind: "setting", key, value: needed } : beyond;
}

/**
 * The capacity of every stage of the pipeline for `load`, as `settings` configure it, against
 * `quotas`. Pure: the same inputs give the same stages.
 */
export function planCapacity(load: ExpectedLoad, settings: PipelineSettings, quotas: ServiceQuotas): Stage[] {
  const problems = loadProblems(load);
  if (problems.length > 0) throw new Error(`expectedLoad: ${problems.join("; ")}`);
  const events = load.eventsPerSecond;
  const bytes = load.eventBytes;
  const stages: Stage[] = [];
  const add = (stage: Stage) => stages.push(stage);
  const ingestAccount: Account = settings.accessMode === "push" ? "source" : "consumer";

  // Kinesis: each shard takes 1 MiB/s or 1,000 records/s. On-demand streams start at 4 MiB/s and
  // keep capacity for twice the peak they have seen; AWS gives no shard count, so twice the
  // fewest shards that carry the load, and at least 4, is taken as theirs.
  const writeBytes = events * bytes;
  const minShards = Math.max(1, up(writeBytes / KINESIS.shardWriteBytesPerSecond), up(events / KINESIS.shardWriteRecordsPerSecond));
  const provisioned = settings.stream.shardCount;
  const shards = provisioned ?? Math.max(KINESIS.onDemandInitialWriteBytesPerSecond / KINESIS.shardWriteBytesPerSecond, 2 * minShards);
  if (provisioned !== undefined) {
    add({ id: "stream.shards", account: "source", what: "Kinesis shards (1 MiB/s or 1,000 records/s each)", need: minShards, limit: provisioned, unit: "shards", basis: "published", source: KINESIS.shardPage, fix: { kind: "setting", key: "stream.shardCount", value: minShards } });
    add({ id: "stream.accountShards", account: "source", what: "Kinesis shards in the account", need: provisioned, limit: quotas.kinesisShards, unit: "shards", basis: "published", source: QUOTA_PAGES.kinesisShards, fix: { kind: "quota", name: "kinesisShards", value: provisioned } });
  } else {
    const mib = writeBytes / MiB;
    add({
      id: "stream.onDemand", account: "source", what: "Kinesis on-demand write throughput", need: mib, limit: quotas.kinesisOnDemandMaxWriteMiBPerSecond, unit: "MiB/s", basis: "published", source: QUOTA_PAGES.kinesisOnDemandMaxWriteMiBPerSecond,
      fix: mib <= KINESIS.onDemandMaxWriteMiBPerSecondOnRequest ? { kind: "quota", name: "kinesisOnDemandMaxWriteMiBPerSecond", value: up(mib) } : { kind: "design", text: "the clickstream split over several streams" },
    });
  }
  const perShardWrite = Math.min(KINESIS.shardWriteBytesPerSecond, writeBytes / shards);
  const sharedReaders = (load.otherStreamReaders ?? expectedLoadDefaults.otherStreamReaders) + (settings.stream.fanOut ? 0 : 1);
  if (sharedReaders > 0) {
    add({
      id: "stream.read", account: "source", what: "Kinesis shared read throughput per shard", need: (perShardWrite * sharedReaders) / MiB, limit: KINESIS.shardReadBytesPerSecond / MiB, unit: "MiB/s", basis: "published", source: KINESIS.shardPage,
      fix: settings.stream.fanOut ? { kind: "advice", text: "fewer shared-throughput readers, or more shards" } : { kind: "setting", key: "fanOutConsumerName", value: 1 },
    });
  }

  // Ingest: one batch at a time per shard and concurrent batch; a batch decodes each record, then
  // writes them with BatchWriteItem, 25 items a request, writeConcurrency requests at a time.
  const ingest = settings.ingest;
  const ingestRounds = up(up(ingest.batchSize / 25) / ingest.writeConcurrency);
  const ingestPerBatch = ingest.batchSize / (ingest.batchSize * cpuSeconds("ingest", bytes, ingest.memorySize) + ingestRounds * DYNAMODB_REQUEST_SECONDS);
  const ingestPerShard = events / shards;
  add({
    id: "ingest.throughput", account: ingestAccount, what: "Ingest function, records/s per source shard", need: ingestPerShard, limit: ingest.parallelizationFactor * ingestPerBatch, unit: "records/s", basis: "estimated", source: FIGURES,
    fix: parallelization("ingest.parallelizationFactor", ingestPerShard, ingestPerBatch, { kind: "advice", text: "a higher ingest.memorySize (more CPU per batch), or more shards" }),
  });

  // The dedup table: one item per event. Its hash key takes 100 values per source shard (two
  // digits of the sequence number, then the shard), so each key gets a hundredth of a shard's writes.
  const item = itemBytes(bytes);
  const unitsPerItem = up(item / DYNAMODB.writeUnitBytes);
  const tableUnits = events * unitsPerItem;
  add({
    id: "table.itemSize", account: "consumer", what: "DynamoDB item size (larger events are parked)", need: item, limit: DYNAMODB.maxItemBytes, unit: "bytes", basis: "published", source: DYNAMODB.itemPage,
    fix: { kind: "advice", text: `events under ${DYNAMODB.maxItemBytes - (item - bytes)} bytes: keep large payloads in S3 and send their key` },
  });
  const table = settings.table;
  if (table.billingMode === "PROVISIONED") {
    const quotaShort = tableUnits > quotas.dynamodbTableWriteUnits;
    add({
      id: "table.writes", account: "consumer", what: "DynamoDB table write units (provisioned maximum)", need: tableUnits, limit: Math.min(table.maxWriteUnits!, quotas.dynamodbTableWriteUnits), unit: "WCU/s", basis: "published", source: QUOTA_PAGES.dynamodbTableWriteUnits,
      fix: quotaShort ? { kind: "quota", name: "dynamodbTableWriteUnits", value: up(tableUnits) } : { kind: "setting", key: "table.capacity.maxWrite", value: up(tableUnits) },
    });
  } else {
    add({ id: "table.writes", account: "consumer", what: "DynamoDB table write units (on-demand)", need: tableUnits, limit: quotas.dynamodbTableWriteUnits, unit: "WRU/s", basis: "published", source: QUOTA_PAGES.dynamodbTableWriteUnits, fix: { kind: "quota", name: "dynamodbTableWriteUnits", value: up(tableUnits) } });
  }
  const spreadShards = up(tableUnits / 100 / DYNAMODB.partitionWriteUnitsPerSecond);
  add({
    id: "table.keySpread", account: "consumer", what: "DynamoDB write units per dedup hash key", need: tableUnits / shards / 100, limit: DYNAMODB.partitionWriteUnitsPerSecond, unit: "WCU/s", basis: "published", source: DYNAMODB.partitionPage,
    fix: provisioned !== undefined ? { kind: "setting", key: "stream.shardCount", value: spreadShards } : { kind: "advice", text: `${spreadShards} or more source shards` },
  });

  // The table's stream has a shard per partition, each partition at most 1,000 write units.
  // On-demand tables start warm at 4,000 and keep capacity for twice their peak; AWS gives no
  // partition count, so the fewest partitions for that capacity are taken as the stream's shards.
  const tableCapacity = table.billingMode === "PROVISIONED" ? Math.max(table.writeUnits!, tableUnits) : Math.max(DYNAMODB.onDemandInitialWriteUnitsPerSecond, 2 * tableUnits);
  const tableStreamShards = up(tableCapacity / DYNAMODB.partitionWriteUnitsPerSecond);
  const perTableShard = events / tableStreamShards;
  add({
    id: "tableStream.readers", account: "consumer", what: "Readers of each table stream shard (forward, projections)", need: 1 + settings.projections.length, limit: DYNAMODB.streamReadersPerShard, unit: "readers", basis: "published", source: DYNAMODB.streamPage,
    fix: { kind: "design", text: "at most one projection, or the table's changes sent to a Kinesis data stream that every reader consumes" },
  });

  // Forward: a batch turns each change into an archive record and puts them in PutRecordBatch
  // calls of up to 500 records or 4 MiB, one call after another.
  const archiveBytes = archiveRecordBytes(bytes);
  const perCall = Math.max(1, Math.min(FIREHOSE.recordsPerCall, Math.floor(FIREHOSE.bytesPerCall / archiveBytes)));
  const forward = settings.forward;
  const forwardPerBatch = forward.batchSize / (forward.batchSize * cpuSeconds("forward", bytes, forward.memorySize) + up(forward.batchSize / perCall) * FIREHOSE_REQUEST_SECONDS);
  add({
    id: "forward.throughput", account: "consumer", what: "Forward function, records/s per table stream shard", need: perTableShard, limit: forward.parallelizationFactor * forwardPerBatch, unit: "records/s", basis: "estimated", source: FIGURES,
    fix: parallelization("archive.forward.parallelizationFactor", perTableShard, forwardPerBatch, { kind: "advice", text: "a higher archive.forward.memorySize (more CPU per batch)" }),
  });

  // Firehose Direct PUT, per delivery stream. Its three quotas scale together, so each is raised
  // as bytes. A caught-up mapping invokes the function with what arrived since its last poll
  // (4 a second), or since the batching window opened.
  const firehoseMiB = (events * archiveBytes) / MiB;
  const asMiB = (value: number, quota: number): Fix => ({ kind: "quota", name: "firehoseMiBPerSecond", value: up((value / quota) * quotas.firehoseMiBPerSecond) });
  add({ id: "firehose.bytes", account: "consumer", what: "Firehose Direct PUT throughput", need: firehoseMiB, limit: quotas.firehoseMiBPerSecond, unit: "MiB/s", basis: "published", source: QUOTA_PAGES.firehoseMiBPerSecond, fix: { kind: "quota", name: "firehoseMiBPerSecond", value: up(firehoseMiB) } });
  add({ id: "firehose.records", account: "consumer", what: "Firehose Direct PUT records", need: events, limit: quotas.firehoseRecordsPerSecond, unit: "records/s", basis: "published", source: QUOTA_PAGES.firehoseRecordsPerSecond, fix: asMiB(events, quotas.firehoseRecordsPerSecond) });
  const window = Math.max(forward.maximumBatchingWindowInSeconds, 1 / LAMBDA.tableStreamPollsPerSecond);
  const perRequest = Math.max(1, Math.min(forward.batchSize, perCall, perTableShard * window));
  const requests = events / perRequest;
  // The shortest batching window whose calls are full enough for the request quota, if one is.
  const wanted = events / quotas.firehoseRequestsPerSecond;
  const fullEnough = wanted <= Math.min(forward.batchSize, perCall) ? up(wanted / perTableShard) : Infinity;
  add({
    id: "firehose.requests", account: "consumer", what: "Firehose PutRecordBatch calls", need: requests, limit: quotas.firehoseRequestsPerSecond, unit: "requests/s", basis: "published", source: QUOTA_PAGES.firehoseRequestsPerSecond,
    fix: fullEnough <= 300 ? { kind: "setting", key: "archive.forward.maximumBatchingWindowInSeconds", value: fullEnough } : asMiB(requests, quotas.firehoseRequestsPerSecond),
  });

  // Projections, a batch at a time: an index makes one conditional write per record (its newest
  // change per key), INDEX_WRITE_CONCURRENCY at once; an aggregate writes an entry per item and an
  // update per group, at most one of each per record, in transactions of up to 100 actions run one
  // after another (a batch's transactions share its busiest groups). A projection that falls behind
  // gets full batches, so full batches give its throughput.
  for (const [i, projection] of settings.projections.entries()) {
    const aggregate = projection.kind === "aggregate";
    const records = projection.mapping.batchSize;
    const writing = aggregate ? up((2 * records) / TRANSACTION_LIMITS.actions) * DYNAMODB_TRANSACTION_SECONDS : up(records / INDEX_WRITE_CONCURRENCY) * DYNAMODB_REQUEST_SECONDS;
    const perBatch = records / (records * cpuSeconds(aggregate ? "projectAggregate" : "projectIndex", bytes, projection.mapping.memorySize) + writing);
    add({
      id: `projection.${projection.name}.throughput`, account: "consumer", what: `Projection ${projection.name}, records/s per table stream shard`, need: perTableShard, limit: projection.mapping.parallelizationFactor * perBatch, unit: "records/s", basis: "estimated", source: FIGURES,
      fix: parallelization(`projections[${i}].project.parallelizationFactor`, perTableShard, perBatch, { kind: "advice", text: `a larger projections[${i}].project.batchSize (more records per write round trip) or memorySize (more CPU per batch)` }),
    });
    const units = events * (aggregate ? DYNAMODB.transactionalWriteUnits : unitsPerItem);
    add({ id: `projection.${projection.name}.writes`, account: "consumer", what: `Projection ${projection.name}, table write units`, need: units, limit: quotas.dynamodbTableWriteUnits, unit: "WRU/s", basis: "published", source: QUOTA_PAGES.dynamodbTableWriteUnits, fix: { kind: "quota", name: "dynamodbTableWriteUnits", value: up(units) } });
    if (aggregate) {
      const hottest = events * (load.hottestGroupShare ?? expectedLoadDefaults.hottestGroupShare) * DYNAMODB.transactionalWriteUnits;
      add({
        id: `projection.${projection.name}.hotKey`, account: "consumer", what: `Projection ${projection.name}, write units on the busiest group`, need: hottest, limit: DYNAMODB.partitionWriteUnitsPerSecond, unit: "WCU/s", basis: "published", source: DYNAMODB.partitionPage,
        fix: { kind: "design", text: "finer groups, or each group's counter split over several items" },
      });
    }
  }

  // The archive: Firehose writes an object when its buffer fills or its interval ends, all under
  // one hourly prefix; the loader loads each object with one LOAD DATA statement.
  const csvBytes = writeBytes * CSV_BYTES_PER_EVENT_BYTE;
  const objects = Math.max(1 / settings.delivery.bufferIntervalSeconds, csvBytes / (settings.delivery.bufferSizeMiB * MiB));
  add({
    id: "s3.objects", account: "consumer", what: "Archive objects written under one prefix", need: objects, limit: S3.putsPerSecondPerPrefix, unit: "PUT/s", basis: "published", source: S3.prefixPage,
    fix: { kind: "setting", key: "archive.delivery.bufferSizeMiB", value: Math.min(128, up(csvBytes / S3.putsPerSecondPerPrefix / MiB)) },
  });
  const rowsPerStatement = LOAD_ROWS_PER_CORE_SECOND * Math.min(1, BENCH_EVENT_BYTES / bytes);
  let loadConcurrency = 0;
  if (settings.aurora) {
    const perAcu = rowsPerStatement / ACUS_PER_VCPU;
    const acus = up(events / perAcu, 0.5);
    add({
      id: "aurora.rows", account: "consumer", what: "Aurora rows loaded, at maximum capacity", need: events, limit: settings.aurora.maxCapacity * perAcu, unit: "rows/s", basis: "estimated", source: FIGURES,
      fix: acus <= AURORA.maxCapacity ? { kind: "setting", key: "aurora.database.maxCapacity", value: acus } : { kind: "design", text: "the Aurora load path replaced: query the archive in place (Athena), or load a warehouse" },
    });
    loadConcurrency = events / rowsPerStatement;
  }

  // Lambda concurrency, per account: a stream mapping runs up to shards × parallelization factor
  // batches at once; the transform and the loader run as many as are busy at once.
  const mapped = (m: MappingSettings, streamShards: number) => up(streamShards) * m.parallelizationFactor;
  const ingestConcurrency = mapped(ingest, shards);
  const consumerConcurrency =
    (ingestAccount === "consumer" ? ingestConcurrency : 0) +
    mapped(forward, tableStreamShards) +
    settings.projections.reduce((sum, p) => sum + mapped(p.mapping, tableStreamShards), 0) +
    up(events * cpuSeconds("transform", bytes, settings.transform.memorySize)) +
    up(loadConcurrency);
  const concurrency = (account: Account, need: number) =>
    add({ id: `lambda.${account}`, account, what: `Lambda concurrent executions, ${account} account`, need, limit: quotas.lambdaConcurrency, unit: "executions", basis: "published", source: QUOTA_PAGES.lambdaConcurrency, fix: { kind: "quota", name: "lambdaConcurrency", value: need } });
  if (ingestAccount === "source") concurrency("source", ingestConcurrency);
  concurrency("consumer", consumerConcurrency);
  return stages;
}

/** The stages one account's stack deploys. */
export const stagesOf = (stages: readonly Stage[], account: Account): Stage[] => stages.filter((s) => s.account === account);
