import { KINESIS_POLLS_PER_SECOND } from "./assumptions";
import { AURORA, DYNAMODB, FIREHOSE, LAMBDA, defaultQuotas } from "./limits";
import {
  acusFor,
  archiveObjects,
  cpuSeconds,
  derivePlan,
  forwardBatchSeconds,
  ingestBatchSeconds,
  loadRowsPerSecond,
  projectionBatchSeconds,
  type Account,
  type ExpectedLoad,
  type Plan,
} from "./model";
import { GB, HOURS_PER_MONTH, PRICES, SECONDS_PER_MONTH } from "./prices";
import { ESTIMATES } from "./estimates";
import { type MappingSettings, type PipelineSettings } from "./settings";
import { archiveRecordBytes, itemBytes } from "./sizes";

/** One line of the running cost: one quantity a month at one price. */
export interface Cost {
  /** Stable name, such as `lambda.ingest.duration`. */
  id: string;
  account: Account;
  what: string;
  /** How much a month, in `unit`, at the declared load all month. */
  quantity: number;
  unit: string;
  /** Dollars per `unit` (capacity/prices.ts). */
  price: number;
  perMonth: number;
  perMillionEvents: number;
  /** Storage that accumulates: `perMonth` is what each month adds to the monthly bill. */
  grows: boolean;
}

/** The dedup table's size: steady when its items expire, growing when they never do. */
export type TableSize =
  | { kind: "steady"; bytes: number; itemBytes: number; keptDays: number; expireAfterDays: number }
  | { kind: "growing"; bytesPerMonth: number; itemBytes: number };

/**
 * The dedup table's billable size at `load`: each item is the event with what ingest adds, plus
 * DynamoDB's 100 bytes of per-item overhead. Items that expire stay for their expiry window and
 * then until DynamoDB deletes them (DYNAMODB.ttlDeletionLagDays), so the table holds events/s ×
 * item bytes × those days; items that never expire grow the table by a month's items a month.
 */
export function dedupTableSize(load: ExpectedLoad, settings: PipelineSettings): TableSize {
  const item = itemBytes(load.eventBytes) + PRICES.dynamodb.itemOverheadBytes;
  const days = settings.table.expireAfterDays;
  if (days === undefined) return { kind: "growing", bytesPerMonth: load.eventsPerSecond * item * SECONDS_PER_MONTH, itemBytes: item };
  const keptDays = days + DYNAMODB.ttlDeletionLagDays;
  return { kind: "steady", bytes: load.eventsPerSecond * item * keptDays * 86_400, itemBytes: item, keptDays, expireAfterDays: days };
}

const monthly = (perSecond: number) => perSecond * SECONDS_PER_MONTH;

/** Records in each invocation of a stream mapping at `perShard` records/s: what arrived in one poll or batching window, at most a batch. */
const recordsPerInvocation = (perShard: number, mapping: MappingSettings, pollsPerSecond: number) =>
  Math.min(mapping.batchSize, Math.max(1, perShard * Math.max(mapping.maximumBatchingWindowInSeconds, 1 / pollsPerSecond)));

/**
 * The running cost of `load` all month, stage by stage in the order records flow, each line one
 * quantity at one of AWS's list prices (capacity/prices.ts). Lambda durations come from the same
 * per-invocation times the capacity model uses, at the batch sizes this load makes.
 */
export function runningCosts(load: ExpectedLoad, settings: PipelineSettings): Cost[] {
  const plan = derivePlan(load, settings, defaultQuotas(settings.region));
  const eventsPerMonth = monthly(load.eventsPerSecond);
  const cost = (id: string, account: Account, what: string, quantity: number, unit: string, price: number, grows = false): Cost => {
    const perMonth = quantity * price;
    return { id, account, what, quantity, unit, price, perMonth, perMillionEvents: perMonth / (eventsPerMonth / 1e6), grows };
  };
  const lambda = (id: string, account: Account, name: string, invocationsPerSecond: number, secondsEach: number, memorySize: number): Cost[] => [
    cost(`lambda.${id}.requests`, account, `${name}: invocations`, monthly(invocationsPerSecond) / 1e6, "million requests", PRICES.lambda.perMillionRequests),
    cost(
      `lambda.${id}.duration`,
      account,
      `${name}: duration, arm64`,
      (monthly(invocationsPerSecond * secondsEach) * memorySize) / 1024,
      "GB-s",
      PRICES.lambda.arm64PerGbSecond,
    ),
  ];
  return [
    ...streamCosts(plan, cost),
    ...ingestCosts(plan, lambda),
    ...tableCosts(plan, cost),
    ...archiveCosts(plan, cost, lambda),
    ...plan.settings.projections.flatMap((projection) => projectionCosts(plan, projection, cost, lambda)),
    ...loaderCosts(plan, cost, lambda),
  ];
}

type CostLine = (id: string, account: Account, what: string, quantity: number, unit: string, price: number, grows?: boolean) => Cost;
type LambdaLines = (id: string, account: Account, name: string, invocationsPerSecond: number, secondsEach: number, memorySize: number) => Cost[];

/**
 * The source stream, in the source account. On demand: the stream's hours, each record's bytes
 * rounded up to 1 KB, and what the ingest function reads. Provisioned: shard-hours, PUT payload
 * units of 25 KB, retention beyond 24 hours, and an enhanced fan-out consumer's shard-hours.
 */
function streamCosts({ settings, events, bytes, shards }: Plan, cost: CostLine): Cost[] {
  const k = PRICES.kinesis;
  const { fanOut, shardCount, retentionHours } = settings.stream;
  const readGb = monthly(events * bytes) / GB;
  if (shardCount === undefined) {
    return [
      cost("kinesis.stream", "source", "Kinesis on-demand stream", HOURS_PER_MONTH, "stream-hours", k.onDemandStreamHour),
      cost(
        "kinesis.writes",
        "source",
        "Kinesis data in (records rounded up to 1 KB)",
        monthly(events * Math.ceil(bytes / k.onDemandRecordRoundingBytes) * k.onDemandRecordRoundingBytes) / GB,
        "GB",
        k.onDemandPerGbIn,
      ),
      fanOut
        ? cost("kinesis.reads", "source", "Kinesis data out to the ingest function (enhanced fan-out)", readGb, "GB", k.onDemandFanOutPerGbOut)
        : cost("kinesis.reads", "source", "Kinesis data out to the ingest function", readGb, "GB", k.onDemandPerGbOut),
    ];
  }
  const shardHours = shardCount * HOURS_PER_MONTH;
  return [
    cost("kinesis.shards", "source", "Kinesis shards", shardHours, "shard-hours", k.shardHour),
    cost(
      "kinesis.writes",
      "source",
      "Kinesis PUT payload units (25 KB each)",
      monthly(events * Math.ceil(bytes / k.putPayloadUnitBytes)) / 1e6,
      "million units",
      k.perMillionPutPayloadUnits,
    ),
    ...(retentionHours > 24
      ? [
          cost(
            "kinesis.retention",
            "source",
            `Kinesis retention beyond 24 hours (${retentionHours} h)`,
            shardHours,
            "shard-hours",
            k.extendedRetentionShardHour,
          ),
        ]
      : []),
    ...(fanOut
      ? [
          cost("kinesis.fanOut", "source", "Kinesis enhanced fan-out consumer", shards * HOURS_PER_MONTH, "consumer-shard-hours", k.fanOutConsumerShardHour),
          cost("kinesis.reads", "source", "Kinesis data out to the ingest function (enhanced fan-out)", readGb, "GB", k.fanOutPerGbOut),
        ]
      : []),
  ];
}

/** The ingest function: a batch per poll of each source shard (or batching window). */
function ingestCosts({ settings, events, bytes, shards, ingestAccount }: Plan, lambda: LambdaLines): Cost[] {
  const ingest = settings.ingest;
  const records = recordsPerInvocation(events / shards, ingest, KINESIS_POLLS_PER_SECOND);
  return lambda("ingest", ingestAccount, "Ingest function", events / records, ingestBatchSeconds(settings, bytes, records), ingest.memorySize);
}

/**
 * The dedup table: its writes (on demand per write request unit; provisioned per capacity
 * unit-hour, at what autoscaling keeps for the load), its storage and point-in-time recovery at
 * the size dedupTableSize gives, and its stream's reads, which cost nothing when Lambda makes them.
 */
function tableCosts({ load, settings, tableUnits, tableStreamShards }: Plan, cost: CostLine): Cost[] {
  const d = PRICES.dynamodb;
  const table = settings.table;
  const writes =
    table.billingMode === "PROVISIONED"
      ? cost(
          "dynamodb.table.writes",
          "consumer",
          "Dedup table writes, provisioned",
          Math.max(table.writeUnits!, tableUnits / (table.targetUtilization! / 100)) * HOURS_PER_MONTH,
          "WCU-hours",
          d.perWriteCapacityUnitHour,
        )
      : cost(
          "dynamodb.table.writes",
          "consumer",
          "Dedup table writes",
          monthly(tableUnits) / 1e6,
          "million write request units",
          d.perMillionWriteRequestUnits,
        );
  const size = dedupTableSize(load, settings);
  const storage =
    size.kind === "steady"
      ? [
          cost(
            "dynamodb.table.storage",
            "consumer",
            `Dedup table storage (items kept ${size.keptDays} days)`,
            size.bytes / GB,
            "GB-months",
            d.storagePerGbMonth,
          ),
          cost("dynamodb.table.pitr", "consumer", "Dedup table point-in-time recovery", size.bytes / GB, "GB-months", d.pitrPerGbMonth),
        ]
      : [
          cost(
            "dynamodb.table.storage",
            "consumer",
            "Dedup table storage (items never expire)",
            size.bytesPerMonth / GB,
            "GB added",
            d.storagePerGbMonth,
            true,
          ),
          cost(
            "dynamodb.table.pitr",
            "consumer",
            "Dedup table point-in-time recovery (items never expire)",
            size.bytesPerMonth / GB,
            "GB added",
            d.pitrPerGbMonth,
            true,
          ),
        ];
  const readers = 1 + settings.projections.length;
  return [
    writes,
    ...storage,
    cost(
      "dynamodb.stream.reads",
      "consumer",
      "Table stream reads by Lambda (free)",
      monthly(tableStreamShards * readers * LAMBDA.tableStreamPollsPerSecond) / 1e6,
      "million reads",
      d.streamReadsByLambdaPerMillion,
    ),
  ];
}

/**
 * The archive: the forward function (a batch per poll of each table stream shard), Firehose
 * ingestion (each record rounded up to 5 KB), the transform (invoked with what Firehose buffers,
 * 1 MiB or 60 seconds), and S3: an object per buffer, read once by the loader, kept.
 */
function archiveCosts({ settings, events, bytes, perTableShard }: Plan, cost: CostLine, lambda: LambdaLines): Cost[] {
  const forward = settings.forward;
  const forwardRecords = recordsPerInvocation(perTableShard, forward, LAMBDA.tableStreamPollsPerSecond);
  const record = archiveRecordBytes(bytes);
  const billedRecord = Math.ceil(record / PRICES.firehose.recordRoundingBytes) * PRICES.firehose.recordRoundingBytes;
  const transformRecords = Math.max(1, Math.min(FIREHOSE.transformBufferBytes / record, events * FIREHOSE.transformBufferSeconds));
  const { csvBytes, objects } = archiveObjects(settings, events, bytes);
  const s3 = PRICES.s3;
  return [
    ...lambda("forward", "consumer", "Forward function", events / forwardRecords, forwardBatchSeconds(settings, bytes, forwardRecords), forward.memorySize),
    cost(
      "firehose.ingestion",
      "consumer",
      "Firehose Direct PUT (records rounded up to 5 KB)",
      monthly(events * billedRecord) / GB,
      "GB",
      PRICES.firehose.perGbIngested,
    ),
    ...lambda(
      "transform",
      "consumer",
      "Transform function",
      events / transformRecords,
      transformRecords * cpuSeconds("transform", bytes, settings.transform.memorySize),
      settings.transform.memorySize,
    ),
    cost("s3.puts", "consumer", "Archive objects written", monthly(objects) / 1_000, "thousand PUTs", s3.perThousandPuts),
    ...(settings.aurora
      ? [cost("s3.gets", "consumer", "Archive objects read by the loader", monthly(objects) / 1_000, "thousand GETs", s3.perThousandGets)]
      : []),
    cost("s3.storage", "consumer", "Archive storage (kept)", monthly(csvBytes) / GB, "GB added", s3.storagePerGbMonth, true),
  ];
}

/**
 * A projection: its function (a batch per poll of each table stream shard) and its writes. An
 * index puts an item per record (taken at the dedup item's size); an aggregate writes a ledger
 * entry and at most one group update per record, each in a transaction: up to four units.
 */
function projectionCosts(
  { events, bytes, unitsPerItem, perTableShard }: Plan,
  projection: PipelineSettings["projections"][number],
  cost: CostLine,
  lambda: LambdaLines,
): Cost[] {
  const records = recordsPerInvocation(perTableShard, projection.mapping, LAMBDA.tableStreamPollsPerSecond);
  const units = projection.kind === "aggregate" ? 2 * DYNAMODB.transactionalWriteUnits : unitsPerItem;
  return [
    ...lambda(
      `project.${projection.name}`,
      "consumer",
      `Projection ${projection.name}`,
      events / records,
      projectionBatchSeconds(projection, bytes, records),
      projection.mapping.memorySize,
    ),
    cost(
      `dynamodb.projection.${projection.name}.writes`,
      "consumer",
      `Projection ${projection.name} writes`,
      monthly(events * units) / 1e6,
      "million write request units",
      PRICES.dynamodb.perMillionWriteRequestUnits,
    ),
  ];
}

/**
 * The loader and Aurora: an invocation per archive object, as long as its LOAD DATA takes; the
 * cluster at the ACUs the load needs (at least its minimum, and past its configured maximum as the
 * other lines count writes past a quota: the cost of carrying the load, up to Serverless v2's 256
 * ACUs), and its volume growing by the rows loaded (taken at the CSV row's size).
 */
function loaderCosts({ settings, events, bytes }: Plan, cost: CostLine, lambda: LambdaLines): Cost[] {
  const aurora = settings.aurora;
  if (!aurora) return [];
  const { objects } = archiveObjects(settings, events, bytes);
  const acus = Math.max(aurora.minCapacity, Math.min(AURORA.maxCapacity, acusFor(events, bytes)));
  return [
    ...lambda("load", "consumer", "Load function", objects, events / objects / loadRowsPerSecond(bytes), aurora.loaderMemorySize),
    cost("aurora.capacity", "consumer", `Aurora Serverless v2 (${acus} ACUs)`, acus * HOURS_PER_MONTH, "ACU-hours", PRICES.aurora.acuHour),
    cost(
      "aurora.storage",
      "consumer",
      "Aurora storage (rows kept)",
      monthly(events * bytes * ESTIMATES.csvBytesPerEventByte) / GB,
      "GB added",
      PRICES.aurora.storagePerGbMonth,
      true,
    ),
  ];
}

/** The costs one account pays. */
export const costsOf = (costs: readonly Cost[], account: Account): Cost[] => costs.filter((c) => c.account === account);

/** What a set of lines adds up to: the monthly bill at this load, and what the storage that grows adds to it each month. */
export function costTotals(costs: readonly Cost[]): { perMonth: number; perMillionEvents: number; growsPerMonth: number } {
  const sum = (lines: readonly Cost[], key: "perMonth" | "perMillionEvents") => lines.reduce((total, line) => total + line[key], 0);
  const steady = costs.filter((c) => !c.grows);
  return {
    perMonth: sum(steady, "perMonth"),
    perMillionEvents: sum(steady, "perMillionEvents"),
    growsPerMonth: sum(
      costs.filter((c) => c.grows),
      "perMonth",
    ),
  };
}
