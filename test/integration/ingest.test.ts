import { expect } from "chai";
import {
  BatchWriteItemCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type BatchWriteItemCommandOutput,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { EXPIRES_AT } from "../../functions/shared/dedup-key";
import { ingestBatch, type IngestDependencies } from "../../functions/ingest/ingest-batch";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startS3Engine, type Engine } from "../../engines";
import { createDedupTable } from "../../engines/tables";
import { click, eventOf, kinesisRecord, sequenceNumber } from "../support/kinesis";
import { rawDynamoDb } from "../support/raw-dynamodb";

describe("ingest on DynamoDB Local and a local S3", function () {
  this.timeout(120_000);
  const engines: Engine[] = [];
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let tables = 0;
  let endpoint: string;

  before(async () => {
    const [ddb, objects] = await Promise.all([startDynamoDbLocal(), startS3Engine()]);
    engines.push(ddb, objects);
    endpoint = ddb.endpoint;
    dynamodb = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: "dead-letters" }));
  });

  after(async () => {
    dynamodb?.destroy();
    s3?.destroy();
    await Promise.all(engines.map((engine) => engine.stop()));
  });

  const newTable = () => createDedupTable(dynamodb, `clicks-${++tables}`);

  const deps = (tableName: string, client: Pick<DynamoDBClient, "send"> = dynamodb): IngestDependencies => ({
    dynamodb: client,
    s3,
    deadLetterBucket: "dead-letters",
    write: { tableName, concurrency: 4, maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
    log: { info: () => {}, warn: () => {} },
  });

  async function itemsIn(tableName: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  const clicks = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => kinesisRecord(click(from + i), sequenceNumber(from + i), `shardId-00000000000${(from + i) % 2}`));

  it("leaves exactly one item per record when the same batch is delivered twice", async () => {
    const table = await newTable();
    const event = eventOf(...clicks(300));
    const first = await ingestBatch(structuredClone(event), deps(table));
    const again = await ingestBatch(structuredClone(event), deps(table));
    expect(first.batchItemFailures).to.deep.equal([]);
    expect(again.batchItemFailures).to.deep.equal([]);
    const items = await itemsIn(table);
    expect(items).to.have.length(300);
    expect(new Set(items.map((i) => i.sequenceNumber)).size).to.equal(300);
    const one = items.find((i) => i.sequenceNumber === sequenceNumber(7))!;
    expect(one).to.include({ ...click(7), shardId: "shardId-000000000001", seqNumbershardIdHash: `00_shardId-000000000001` });
  });

  it("writes all the other records of a batch with one poison record, and parks the poison one with its reason", async () => {
    const table = await newTable();
    const poison = kinesisRecord({ ...click(50), blob: "x".repeat(420 * 1024) }, sequenceNumber(50));
    const outcome = await ingestBatch(eventOf(...clicks(20), poison, ...clicks(20, 51)), deps(table));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(await itemsIn(table)).to.have.length(40);
    const key = `parked/web-analytics/shardId-000000000000/${sequenceNumber(50)}.json`;
    const parked = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: "dead-letters", Key: key }))).Body!.transformToString());
    expect(parked.reason).to.equal("item-too-large");
    expect(parked.detail).to.match(/over DynamoDB's 409600-byte limit/);
    expect(parked.record.kinesis.data).to.equal(poison.kinesis.data);
  });

  it("writes a record whose fields are named __proto__ and constructor exactly, next to 24 others in its write request", async () => {
    const table = await newTable();
    const hostile = kinesisRecord(
      '{"__proto__": {"x": 1, "seqNumbershardIdHash": "forged"}, "constructor": {"a": ""}, "n": {"__proto__": null}}',
      sequenceNumber(60),
    );
    const outcome = await ingestBatch(eventOf(...clicks(12), hostile, ...clicks(12, 61)), deps(table));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(outcome.counts).to.include({ written: 25, parked: 0 });
    const { Item } = await rawDynamoDb(endpoint, "GetItem", {
      TableName: table,
      Key: { seqNumbershardIdHash: { S: "06_shardId-000000000000" }, sequenceNumber: { S: sequenceNumber(60) } },
    });
    expect(Item.__proto__).to.deep.equal({ M: { x: { N: "1" }, seqNumbershardIdHash: { S: "forged" } } });
    expect(Item.constructor).to.deep.equal({ M: { a: { S: "" } } });
    expect(Item.n).to.deep.equal(JSON.parse(`{"M": {"__proto__": {"NULL": true}}}`));
    expect(Item).not.to.have.property("x");
    expect(Item.seqNumbershardIdHash).to.deep.equal({ S: "06_shardId-000000000000" });
  });

  it("parks a redelivered poison record in the same object, not a second one", async () => {
    const table = await newTable();
    const poison = kinesisRecord("Hello World", sequenceNumber(77), "shardId-000000000003");
    await ingestBatch(eventOf(poison), deps(table));
    await ingestBatch(eventOf(structuredClone(poison)), deps(table));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "dead-letters", Prefix: "parked/web-analytics/shardId-000000000003/" }));
    expect(listed.Contents?.map((o) => o.Key)).to.deep.equal([`parked/web-analytics/shardId-000000000003/${sequenceNumber(77)}.json`]);
  });

  it("writes each item's expiry as a Number on a table whose TTL is on that attribute", async () => {
    const table = await newTable();
    // As DedupTable sets it up: TTL on dedupExpiresAt.
    await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: EXPIRES_AT, Enabled: true } }));
    const records = clicks(30);
    records.forEach((record, i) => (record.kinesis.approximateArrivalTimestamp = 1764000000 + i + 0.75));
    const outcome = await ingestBatch(eventOf(...records), { ...deps(table), expireAfterSeconds: 3 * 86_400 });
    expect(outcome.counts).to.include({ written: 30, parked: 0 });
    const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(TimeToLiveDescription).to.deep.include({ TimeToLiveStatus: "ENABLED", AttributeName: EXPIRES_AT });
    const { Item } = await rawDynamoDb(endpoint, "GetItem", {
      TableName: table,
      Key: { seqNumbershardIdHash: { S: "01_shardId-000000000000" }, sequenceNumber: { S: sequenceNumber(10) } },
    });
    expect(Item[EXPIRES_AT]).to.deep.equal({ N: String(1764000010 + 3 * 86_400) });
    expect((await itemsIn(table)).every((item) => typeof item[EXPIRES_AT] === "number")).to.equal(true);
  });

  it("ends with every item written when DynamoDB returns UnprocessedItems the first times", async () => {
    const table = await newTable();
    let refusals = 0;
    // Answers the first three BatchWriteItem calls with half of their items unprocessed, without writing those.
    const throttling: Pick<DynamoDBClient, "send"> = {
      send: (async (command: Parameters<DynamoDBClient["send"]>[0]) => {
        if (command instanceof BatchWriteItemCommand && refusals < 3) {
          refusals++;
          const requests = command.input.RequestItems![table];
          const half = Math.ceil(requests.length / 2);
          await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
          return { UnprocessedItems: { [table]: requests.slice(half) } } as BatchWriteItemCommandOutput;
        }
        return dynamodb.send(command);
      }) as DynamoDBClient["send"],
    };
    const outcome = await ingestBatch(eventOf(...clicks(100)), deps(table, throttling));
    expect(refusals).to.equal(3);
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(await itemsIn(table)).to.have.length(100);
    const sample = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { seqNumbershardIdHash: { S: "09_shardId-000000000000" }, sequenceNumber: { S: sequenceNumber(98) } } }),
    );
    expect(unmarshall(sample.Item!)).to.include(click(98));
  });
});
