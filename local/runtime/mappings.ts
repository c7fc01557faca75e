import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand as DescribeTableStreamCommand, GetRecordsCommand as GetTableRecordsCommand, GetShardIteratorCommand as GetTableShardIteratorCommand, type DynamoDBStreamsClient, type _Record } from "@aws-sdk/client-dynamodb-streams";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { type LocalFunctions } from "./functions";

export interface MappingSpec {
  uuid: string;
  functionName: string;
  kind: "kinesis" | "dynamodb";
  /** The stream's name (Kinesis) or the table's name (DynamoDB), taken from the source ARN. */
  source: string;
  sourceArn: string;
  batchSize: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  reportBatchItemFailures: boolean;
  onFailureBucket?: string;
}

type LambdaRecord = Record<string, any> & { sequence: string };

/** DynamoDB Streams' SDK values as Lambda's JSON event carries them: binary as base64, times in epoch seconds. */
function toEventJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toEventJson);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toEventJson(v)]));
  return value;
}

/**
 * Event source mappings, by polling: each shard is read from the trim horizon and handed to the
 * function in batches with Lambda's semantics — a partial batch response retries from the lowest
 * failed record, a function error bisects the batch, retries are bounded, and a batch that
 * exhausts them goes to the on-failure bucket while the shard moves on.
 */
export class LocalMappings {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly busy = new Set<string>();
  readonly counts = { batches: 0, retries: 0, failedBatches: 0, redelivered: 0 };
  /** Share of successful batches delivered a second time, as Lambda does after a timeout it cannot see through. */
  redeliverShare = 0;

  constructor(
    private readonly clients: { kinesis: KinesisClient; dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient; s3: S3Client },
    private readonly functions: LocalFunctions,
    private readonly random: () => number = Math.random,
  ) {}

  async start(spec: MappingSpec): Promise<void> {
    const shards = spec.kind === "kinesis" ? await this.kinesisShards(spec) : await this.tableShards(spec);
    for (const shard of shards) this.loops.push(this.poll(spec, shard));
  }

  private async kinesisShards(spec: MappingSpec): Promise<{ id: string; iterator: () => Promise<string | undefined>; read: (iterator: string) => Promise<{ records: LambdaRecord[]; next?: string }> }[]> {
    const { StreamDescription } = await this.clients.kinesis.send(new DescribeStreamCommand({ StreamName: spec.source }));
    return (StreamDescription?.Shards ?? []).map((shard) => ({
      id: shard.ShardId!,
      iterator: async () => (await this.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: spec.source, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator,
      read: async (iterator: string) => {
        const page = await this.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: spec.batchSize }));
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
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: "aws:kinesis:record",
          invokeIdentityArn: "arn:aws:iam::999999999999:role/local",
          awsRegion: "eu-west-1",
          eventSourceARN: spec.sourceArn,
        }));
        return { records, next: page.NextShardIterator };
      },
    }));
  }

  private async tableShards(spec: MappingSpec) {
    const { Table } = await this.clients.dynamodb.send(new DescribeTableCommand({ TableName: spec.source }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${spec.source} has no stream`);
    const { StreamDescription } = await this.clients.streams.send(new DescribeTableStreamCommand({ StreamArn: streamArn }));
    return (StreamDescription?.Shards ?? []).map((shard) => {
      let last: string | undefined;
      const iterator = async () =>
        (await this.clients.streams.send(new GetTableShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ...(last ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: last } : { ShardIteratorType: "TRIM_HORIZON" }) }))).ShardIterator;
      return {
        id: shard.ShardId!,
        iterator,
        read: async (current: string) => {
          const page = await this.clients.streams.send(new GetTableRecordsCommand({ ShardIterator: current, Limit: Math.min(spec.batchSize, 1000) })).catch(async (error: Error) => {
            // DynamoDB Local refuses an iterator taken while the shard was empty once the shard's first
            // record arrives ("read past the oldest stream record"): read on from where reading stopped.
            if (error.name !== "TrimmedDataAccessException") throw error;
            return { Records: [], NextShardIterator: await iterator() };
          });
          const records = (page.Records ?? []).map((r: _Record) => ({ ...(toEventJson(r) as Record<string, any>), sequence: r.dynamodb!.SequenceNumber!, eventSourceARN: spec.sourceArn }));
          last = records.at(-1)?.sequence ?? last;
          return { records, next: page.NextShardIterator };
        },
      };
    });
  }

  private async poll(spec: MappingSpec, shard: { id: string; iterator: () => Promise<string | undefined>; read: (iterator: string) => Promise<{ records: LambdaRecord[]; next?: string }> }): Promise<void> {
    let iterator = await shard.iterator();
    const key = `${spec.uuid}/${shard.id}`;
    while (this.running && iterator) {
      const { records, next } = await shard.read(iterator).catch(() => ({ records: [] as LambdaRecord[], next: iterator }));
      if (records.length > 0) {
        this.busy.add(key);
        await this.deliver(spec, shard.id, records);
        this.busy.delete(key);
      } else {
        await new Promise((done) => setTimeout(done, 100));
      }
      iterator = next;
    }
  }

  private event(records: LambdaRecord[]): unknown {
    return { Records: records.map(({ sequence: _sequence, ...record }) => record) };
  }

  private async deliver(spec: MappingSpec, shardId: string, records: LambdaRecord[]): Promise<void> {
    const pending: { batch: LambdaRecord[]; attempts: number }[] = [{ batch: records, attempts: 0 }];
    while (pending.length > 0) {
      const { batch, attempts } = pending.shift()!;
      this.counts.batches += 1;
      let failedFrom: number | undefined;
      try {
        const response = await this.functions.invoke<{ batchItemFailures?: { itemIdentifier: string }[] } | null>(spec.functionName, this.event(batch));
        const failures = spec.reportBatchItemFailures ? response?.batchItemFailures ?? [] : [];
        if (failures.length > 0) {
          const indexes = failures.map((f) => batch.findIndex((r) => r.sequence === f.itemIdentifier));
          // An identifier that names no record of the batch fails the whole batch, as in Lambda.
          failedFrom = indexes.some((i) => i < 0) ? 0 : Math.min(...indexes);
        } else if (this.redeliverShare > 0 && this.random() < this.redeliverShare) {
          this.counts.redelivered += 1;
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

  private async sendToOnFailure(spec: MappingSpec, shardId: string, batch: LambdaRecord[], attempts: number): Promise<void> {
    if (!spec.onFailureBucket) return;
    const now = new Date();
    const info = { shardId, startSequenceNumber: batch[0].sequence, endSequenceNumber: batch[batch.length - 1].sequence, batchSize: batch.length, streamArn: spec.sourceArn };
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

  /** Whether any shard is in the middle of a batch. */
  get working(): boolean {
    return this.busy.size > 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
  }
}
