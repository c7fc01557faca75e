import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand as DescribeTableStreamCommand,
  GetRecordsCommand as GetTableRecordsCommand,
  GetShardIteratorCommand as GetTableShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { parseArn } from "../../functions/shared/arn";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { compileFilters, type Matcher } from "./event-filter";
import { type Invoker } from "./functions";

export interface MappingSpec {
  uuid: string;
  functionName: string;
  /** The function's execution role, which Lambda names in each Kinesis record. */
  invokeIdentityArn: string;
  kind: "kinesis" | "dynamodb";
  /** The stream's name (Kinesis) or the table's name (DynamoDB), taken from the source ARN. */
  source: string;
  /** The stream's ARN: a table's stream has a new one whenever the stream is enabled again. */
  sourceArn: string;
  batchSize: number;
  /** Batches of one shard's records handled at once, split by key; 1 when unset. */
  parallelizationFactor?: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  reportBatchItemFailures: boolean;
  onFailureBucket?: string;
  /** The mapping's `filterCriteria` patterns (JSON text, OR'd); none: every record is delivered. */
  filters?: string[];
  /** A disabled mapping reads nothing until it is enabled, then goes on from where it stopped. */
  enabled: boolean;
}

type LambdaRecord = Record<string, unknown> & { sequence: string };

interface Shard {
  id: string;
  parentId?: string;
}

/** One stream's shards, read the way a mapping reads them. */
interface ShardSource {
  shards(): Promise<Shard[]>;
  /** An iterator at the trim horizon, or just after a sequence number. */
  iterator(shardId: string, after?: string): Promise<string | undefined>;
  read(shardId: string, iterator: string): Promise<{ records: LambdaRecord[]; next?: string }>;
}

/** What a mapping has done so far, summed over its shards. */
export interface MappingProgress {
  uuid: string;
  functionName: string;
  kind: MappingSpec["kind"];
  source: string;
  sourceArn: string;
  /** Records read from the source, each counted once. */
  read: number;
  /** Records whose batch is finished (handled by the function, or sent to the on-failure destination), and those filtered out. */
  done: number;
  /** Records that matched none of the mapping's filters: read past, never delivered. */
  filtered: number;
  /** For a table's stream: the INSERT records among those read, one per new item. */
  inserts: number;
  /** Records in a batch being delivered now. */
  inFlight: number;
  /** The last read's error, while reads keep failing. */
  readError?: string;
}

/** How long a poller waits after a read that found nothing, or failed. */
const IDLE_POLL_MS = 100;
const FAILED_READ_BACKOFF_MS = 500;

/** DynamoDB Streams' SDK values as Lambda's JSON event carries them: binary as base64, times in epoch seconds. */
function toEventJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toEventJson);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toEventJson(v)]));
  return value;
}

/** The lane of a record's key (a Kinesis partition key, a table item's key) among `lanes`. */
function laneOf(record: LambdaRecord, lanes: number): number {
  const key =
    (record.kinesis as { partitionKey?: string } | undefined)?.partitionKey ?? JSON.stringify((record.dynamodb as { Keys?: unknown } | undefined)?.Keys);
  let hash = 7;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % lanes;
}

/**
 * Records per read: a full batch for each lane, as Lambda fills each of a shard's concurrent
 * batches up to the batch size, within what one GetRecords call returns (Kinesis 10,000, DynamoDB
 * Streams 1,000: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html).
 */
const KINESIS_READ_MAX = 10_000;
const TABLE_STREAM_READ_MAX = 1_000;
const readLimit = (spec: MappingSpec) =>
  Math.min(spec.batchSize * (spec.parallelizationFactor ?? 1), spec.kind === "kinesis" ? KINESIS_READ_MAX : TABLE_STREAM_READ_MAX);

/** `arn:aws:kinesis:eu-west-1:…` → `eu-west-1`. */
const regionOf = (arn: string) => parseArn(arn)?.region;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const errorText = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

interface Poller {
  spec: MappingSpec;
  /** Whether a record is delivered: it matches one of the mapping's filters, or the mapping has none. */
  delivers: Matcher;
  shardId: string;
  progress: MappingProgress;
  /** When the last read that found nothing started: `caughtUpSince` compares it with the last time a record moved. */
  emptyReadStartedAt: number;
  busy: boolean;
  ended: boolean;
}

/**
 * Event source mappings, by polling: each shard is read from the trim horizon and handed to the
 * function in batches with Lambda's semantics — a partial batch response retries from the lowest
 * failed record, a function error bisects the batch, retries are bounded, and a batch that
 * exhausts them goes to the on-failure bucket while the shard moves on. A shard that ends hands
 * over to its child shards; an expired iterator is renewed after the last record read.
 */
export class LocalMappings {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly pollers: Poller[] = [];
  /** Mappings by UUID: whether each is enabled, or deleted (its pollers stop). */
  private readonly states = new Map<string, "enabled" | "disabled" | "deleted">();
  /** `concurrent`: batches handed over while another of their shard was (parallelization factor). */
  readonly counts = { batches: 0, retries: 0, failedBatches: 0, redelivered: 0, concurrent: 0 };
  /** Share of successful batches delivered a second time, as Lambda does after a timeout it cannot see through. */
  redeliverShare = 0;
  /** Milliseconds a delivery of a batch to the function waits first (a chaos run delays some); none by default. */
  deliveryDelayMs: (functionName: string) => number = () => 0;

  constructor(
    private readonly clients: { kinesis: KinesisClient; dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient; s3: S3Client },
    private readonly functions: Invoker,
    /** Draws whether a batch is delivered again; a chaos run draws from its seed. */
    public random: () => number = Math.random,
  ) {}

  async start(spec: MappingSpec): Promise<void> {
    if (this.states.has(spec.uuid)) throw new Error(`a mapping ${spec.uuid} exists already`);
    if (spec.filters && spec.kind === "kinesis")
      throw new Error(`mapping ${spec.uuid}: the local runtime filters table stream records only, not Kinesis records`);
    // A pattern Lambda would refuse fails here, as CreateEventSourceMapping would.
    const delivers = spec.filters ? compileFilters(spec.filters) : () => true;
    const source = spec.kind === "kinesis" ? await this.kinesisSource(spec) : await this.tableSource(spec);
    const progress: MappingProgress = {
      uuid: spec.uuid,
      functionName: spec.functionName,
      kind: spec.kind,
      source: spec.source,
      sourceArn: spec.sourceArn,
      read: 0,
      done: 0,
      filtered: 0,
      inserts: 0,
      inFlight: 0,
    };
    this.states.set(spec.uuid, spec.enabled ? "enabled" : "disabled");
    const shards = await source.shards();
    const ids = new Set(shards.map((shard) => shard.id));
    // Lambda starts with the shards whose parent is gone, and moves to a child once its parent ends.
    for (const shard of shards.filter((s) => !s.parentId || !ids.has(s.parentId))) this.follow(spec, delivers, source, shard.id, progress);
  }

  /** Pauses (false) or resumes (true) a mapping, as UpdateEventSourceMapping's `Enabled` does: a resumed mapping goes on after the last record it read. */
  setEnabled(uuid: string, enabled: boolean): void {
    const state = this.states.get(uuid);
    if (state === undefined || state === "deleted") throw new Error(`no mapping ${uuid}`);
    this.states.set(uuid, enabled ? "enabled" : "disabled");
  }

  /** Deletes a mapping, as DeleteEventSourceMapping does: it reads nothing more, and a batch being delivered finishes. */
  delete(uuid: string): void {
    if (!this.states.has(uuid)) throw new Error(`no mapping ${uuid}`);
    this.states.set(uuid, "deleted");
  }

  private follow(spec: MappingSpec, delivers: Matcher, source: ShardSource, shardId: string, progress: MappingProgress): void {
    const poller: Poller = { spec, delivers, shardId, progress, emptyReadStartedAt: -1, busy: false, ended: false };
    this.pollers.push(poller);
    this.loops.push(this.poll(poller, source));
  }

  private async kinesisSource(spec: MappingSpec): Promise<ShardSource> {
    const { kinesis } = this.clients;
    return {
      shards: async () =>
        ((await kinesis.send(new DescribeStreamCommand({ StreamName: spec.source }))).StreamDescription?.Shards ?? []).map((s) => ({
          id: s.ShardId!,
          parentId: s.ParentShardId,
        })),
      iterator: async (shardId, after) =>
        (
          await kinesis.send(
            new GetShardIteratorCommand({
              StreamName: spec.source,
              ShardId: shardId,
              ...(after ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after } : { ShardIteratorType: "TRIM_HORIZON" }),
            }),
          )
        ).ShardIterator,
      read: async (shardId, iterator) => {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: readLimit(spec) }));
        const records = (page.Records ?? []).map((r) => ({
          sequence: r.SequenceNumber!,
          kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: r.PartitionKey,
            sequenceNumber: r.SequenceNumber,
            data: Buffer.from(r.Data!).toString("base64"),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
          },
          eventSource: "aws:kinesis",
          eventVersion: "1.0",
          eventID: `${shardId}:${r.SequenceNumber}`,
          eventName: "aws:kinesis:record",
          invokeIdentityArn: spec.invokeIdentityArn,
          awsRegion: regionOf(spec.sourceArn),
          eventSourceARN: spec.sourceArn,
        }));
        return { records, next: page.NextShardIterator };
      },
    };
  }

  private async tableSource(spec: MappingSpec): Promise<ShardSource> {
    const { Table } = await this.clients.dynamodb.send(new DescribeTableCommand({ TableName: spec.source }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${spec.source} has no stream`);
    const { streams } = this.clients;
    return {
      shards: async () =>
        ((await streams.send(new DescribeTableStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? []).map((s) => ({
          id: s.ShardId!,
          parentId: s.ParentShardId,
        })),
      iterator: async (shardId, after) =>
        (
          await streams.send(
            new GetTableShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(after ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after } : { ShardIteratorType: "TRIM_HORIZON" }),
            }),
          )
        ).ShardIterator,
      read: async (_shardId, iterator) => {
        const page = await streams.send(new GetTableRecordsCommand({ ShardIterator: iterator, Limit: readLimit(spec) }));
        const records = (page.Records ?? []).map((r: _Record) => ({
          ...(toEventJson(r) as Record<string, unknown>),
          awsRegion: regionOf(spec.sourceArn),
          sequence: r.dynamodb!.SequenceNumber!,
          eventSourceARN: spec.sourceArn,
        }));
        return { records, next: page.NextShardIterator };
      },
    };
  }

  private async poll(poller: Poller, source: ShardSource): Promise<void> {
    const { spec, shardId, progress } = poller;
    let last: string | undefined;
    let iterator: string | undefined;
    while (this.running && this.states.get(spec.uuid) !== "deleted") {
      if (this.states.get(spec.uuid) === "disabled") {
        await sleep(IDLE_POLL_MS);
        continue;
      }
      const startedAt = performance.now();
      try {
        iterator ??= await source.iterator(shardId, last);
        if (!iterator) break;
        const { records, next } = await source.read(shardId, iterator);
        progress.readError = undefined;
        if (records.length > 0) {
          progress.read += records.length;
          if (spec.kind === "dynamodb") progress.inserts += records.filter((r) => r.eventName === "INSERT").length;
          // Records matching no filter are read past, never delivered, and fill no batch.
          const delivered = records.filter((record) => poller.delivers(this.eventRecord(record)));
          progress.filtered += records.length - delivered.length;
          progress.done += records.length - delivered.length;
          if (delivered.length > 0) await this.handOver(poller, delivered);
          last = records[records.length - 1].sequence;
        } else {
          poller.emptyReadStartedAt = startedAt;
        }
        iterator = next;
        if (!iterator) break;
        if (records.length === 0) await sleep(IDLE_POLL_MS);
      } catch (error) {
        // An iterator expires (five minutes for Kinesis, fifteen for DynamoDB Streams) when a batch takes long: take a new one after the last record read.
        progress.readError = errorText(error);
        iterator = undefined;
        await sleep(FAILED_READ_BACKOFF_MS);
      }
    }
    if (this.running && this.states.get(spec.uuid) !== "deleted") {
      const children = (await source.shards().catch(() => [])).filter((shard) => shard.parentId === shardId);
      for (const child of children) this.follow(spec, poller.delivers, source, child.id, progress);
    }
    poller.ended = true;
  }

  /**
   * Hands a read's records to the function: in batches, or with a parallelization factor above one,
   * batches per lane of keys delivered at once (so batches of different keys finish in any order),
   * each key's records in order within its lane, as Lambda keeps them: by partition key for
   * Kinesis, by item key for a table stream (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
   * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html: concurrent batches per shard, in order per key). Unlike
   * Lambda, the next read waits for every lane of this one.
   */
  private async handOver(poller: Poller, records: LambdaRecord[]): Promise<void> {
    poller.busy = true;
    poller.progress.inFlight += records.length;
    const lanes = poller.spec.parallelizationFactor ?? 1;
    const byLane: LambdaRecord[][] = Array.from({ length: lanes }, () => []);
    for (const record of records) byLane[lanes > 1 ? laneOf(record, lanes) : 0].push(record);
    const lanesWithRecords = byLane.filter((lane) => lane.length > 0);
    this.counts.concurrent += lanesWithRecords.length - 1;
    try {
      // Each lane's records in batches of at most the batch size, one after another; the lanes at once.
      await Promise.all(
        lanesWithRecords.map(async (lane) => {
          for (let i = 0; i < lane.length; i += poller.spec.batchSize)
            await this.deliver(poller.spec, poller.shardId, lane.slice(i, i + poller.spec.batchSize));
        }),
      );
    } finally {
      poller.busy = false;
      poller.progress.inFlight -= records.length;
      poller.progress.done += records.length;
    }
  }

  /** A record as the function's event carries it, without the runtime's own bookkeeping. */
  private eventRecord({ sequence: _sequence, ...record }: LambdaRecord): Record<string, unknown> {
    return record;
  }

  private event(records: LambdaRecord[]): unknown {
    return { Records: records.map((record) => this.eventRecord(record)) };
  }

  private async deliver(spec: MappingSpec, shardId: string, records: LambdaRecord[]): Promise<void> {
    const pending: { batch: LambdaRecord[]; attempts: number }[] = [{ batch: records, attempts: 0 }];
    while (pending.length > 0) {
      const { batch, attempts } = pending.shift()!;
      this.counts.batches += 1;
      let failedFrom: number | undefined;
      try {
        await this.delay(spec.functionName);
        const response = await this.functions.invoke<{ batchItemFailures?: { itemIdentifier: string }[] } | null>(spec.functionName, this.event(batch));
        const failures = spec.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
        if (failures.length > 0) {
          const indexes = failures.map((f) => batch.findIndex((r) => r.sequence === f.itemIdentifier));
          // An identifier that names no record of the batch fails the whole batch, as in Lambda.
          failedFrom = indexes.some((i) => i < 0) ? 0 : Math.min(...indexes);
        } else if (this.redeliverShare > 0 && this.random() < this.redeliverShare) {
          this.counts.redelivered += 1;
          await this.delay(spec.functionName);
          await this.functions.invoke(spec.functionName, this.event(batch)).catch(() => undefined);
        }
      } catch {
        if (spec.bisectBatchOnFunctionError && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          pending.unshift({ batch: batch.slice(0, half), attempts: attempts + 1 }, { batch: batch.slice(half), attempts: attempts + 1 });
          this.counts.retries += 1;
          continue;
        }
        failedFrom = 0;
      }
      if (failedFrom === undefined) continue;
      const rest = batch.slice(failedFrom);
      if (attempts < spec.maximumRetryAttempts) {
        this.counts.retries += 1;
        pending.unshift({ batch: rest, attempts: attempts + 1 });
      } else {
        this.counts.failedBatches += 1;
        await this.sendToOnFailure(spec, shardId, rest, attempts + 1);
      }
    }
  }

  private async delay(functionName: string): Promise<void> {
    const ms = this.deliveryDelayMs(functionName);
    if (ms > 0) await sleep(ms);
  }

  private async sendToOnFailure(spec: MappingSpec, shardId: string, batch: LambdaRecord[], attempts: number): Promise<void> {
    if (!spec.onFailureBucket) return;
    const now = new Date();
    const info = {
      shardId,
      startSequenceNumber: batch[0].sequence,
      endSequenceNumber: batch[batch.length - 1].sequence,
      batchSize: batch.length,
      streamArn: spec.sourceArn,
    };
    const record = {
      requestContext: { requestId: randomUUID(), functionArn: spec.functionName, condition: "RetryAttemptsExhausted", approximateInvokeCount: attempts },
      timestamp: now.toISOString(),
      version: "1.0",
      [spec.kind === "kinesis" ? "KinesisBatchInfo" : "DDBStreamBatchInfo"]: info,
      payload: this.event(batch),
    };
    const key = `aws/lambda/${spec.uuid}/${shardId}/${now.toISOString().slice(0, 10).replace(/-/g, "/")}/${now.toISOString().replace(/:/g, ".")}-${randomUUID()}`;
    await this.clients.s3.send(new PutObjectCommand({ Bucket: spec.onFailureBucket, Key: key, Body: JSON.stringify(record) }));
  }

  /** Each mapping's progress, summed over its shards. */
  progress(): MappingProgress[] {
    return [...new Set(this.pollers.map((poller) => poller.progress))].map((progress) => ({ ...progress }));
  }

  /**
   * Whether every shard still being read has found nothing new in a read that started at `since`
   * or later, with no batch in flight: everything written to the sources before then is handled.
   * A disabled mapping reads nothing, so it is caught up once its batch in flight is done.
   */
  caughtUpSince(since: number): boolean {
    return this.pollers.every(
      (poller) => poller.ended || (!poller.busy && (poller.emptyReadStartedAt >= since || this.states.get(poller.spec.uuid) === "disabled")),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
  }
}
