import { CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { performance } from "node:perf_hooks";
import { ALL_BUT_EXPIRIES } from "../../functions/shared/table-stream";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type Engine } from "../../engines";
import { LocalMappings, type MappingSpec } from "../../local/runtime/mappings";

/** The local runtime's mappings on a DynamoDB Local table stream: what they deliver, filter, and hold back while disabled. */
describe("local mappings on a table stream", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dynamodb: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let tables = 0;
  const running: LocalMappings[] = [];

  before(async () => {
    engine = await startDynamoDbLocal();
    const base = { endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient(base);
    streams = new DynamoDBStreamsClient(base);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((mappings) => mappings.stop()));
  });

  after(async () => {
    dynamodb?.destroy();
    streams?.destroy();
    await engine?.stop();
  });

  /** A table with a stream, and the records a recording function received from each mapping on it. */
  async function tableWithMappings(options: { invocationMs?: () => number } = {}) {
    const table = `local-mappings-${++tables}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      }),
    );
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    const received = new Map<string, { eventName: string; id: string }[]>();
    /** Invocations of each function at once: now, and the most seen. */
    const concurrent = new Map<string, { now: number; most: number }>();
    /** The size of each batch each function received. */
    const batchSizes = new Map<string, number[]>();
    const invoker = {
      invoke: async <T>(name: string, event: DynamoDBStreamEvent): Promise<T> => {
        const seen = concurrent.get(name) ?? { now: 0, most: 0 };
        concurrent.set(name, { now: seen.now + 1, most: Math.max(seen.most, seen.now + 1) });
        batchSizes.set(name, [...(batchSizes.get(name) ?? []), event.Records.length]);
        if (options.invocationMs) await new Promise((done) => setTimeout(done, options.invocationMs!()));
        for (const record of event.Records)
          received.set(name, [...(received.get(name) ?? []), { eventName: record.eventName!, id: record.dynamodb!.Keys!.id.S! }]);
        concurrent.get(name)!.now -= 1;
        return { batchItemFailures: [] } as T;
      },
    };
    const mappings = new LocalMappings({ dynamodb, streams, kinesis: {} as KinesisClient, s3: {} as S3Client }, invoker as never);
    running.push(mappings);
    const spec = (functionName: string, extra: Partial<MappingSpec> = {}): MappingSpec => ({
      uuid: `${functionName}-uuid`,
      functionName,
      invokeIdentityArn: "arn:aws:iam::999999999999:role/r",
      kind: "dynamodb",
      source: table,
      sourceArn: Table!.LatestStreamArn!,
      batchSize: 100,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      reportBatchItemFailures: true,
      enabled: true,
      ...extra,
    });
    /** Three items written, one changed, one deleted by a user: 3 INSERT, 1 MODIFY, 1 REMOVE. */
    const writeChanges = async () => {
      for (const id of ["a", "b", "c"]) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, n: { N: "1" } } }));
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { S: "b" } },
          UpdateExpression: "SET n = :two",
          ExpressionAttributeValues: { ":two": { N: "2" } },
        }),
      );
      await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: "c" } } }));
    };
    /** Waits until every mapping has read past everything written so far. */
    const caughtUp = async () => {
      const since = performance.now();
      while (!mappings.caughtUpSince(since)) await new Promise((done) => setTimeout(done, 50));
    };
    return { table, mappings, spec, received, concurrent, batchSizes, writeChanges, caughtUp };
  }

  it("delivers only the records matching one of a mapping's filters, reading past and counting the others", async () => {
    const { mappings, spec, received, writeChanges, caughtUp } = await tableWithMappings();
    await mappings.start(spec("inserts-only", { filters: [JSON.stringify({ eventName: ["INSERT"] })] }));
    await mappings.start(spec("all-but-expiries", { filters: ALL_BUT_EXPIRIES.map((pattern) => JSON.stringify(pattern)) }));
    await mappings.start(spec("unfiltered"));
    await writeChanges();
    await caughtUp();
    expect(received.get("inserts-only")).to.deep.equal([
      { eventName: "INSERT", id: "a" },
      { eventName: "INSERT", id: "b" },
      { eventName: "INSERT", id: "c" },
    ]);
    // A user's delete carries no userIdentity: it is no expiry, and the table stream mappings' filters let it through.
    expect(received.get("all-but-expiries")!.map((r) => r.eventName)).to.deep.equal(["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE"]);
    expect(received.get("unfiltered")).to.deep.equal(received.get("all-but-expiries"));
    const progress = Object.fromEntries(mappings.progress().map((p) => [p.functionName, p]));
    expect(progress["inserts-only"]).to.include({ read: 5, filtered: 2, done: 5, inFlight: 0 });
    expect(progress.unfiltered).to.include({ read: 5, filtered: 0, done: 5 });
  });

  it("refuses a filter Lambda would refuse, when the mapping starts", async () => {
    const { mappings, spec } = await tableWithMappings();
    await mappings.start(spec("bad", { filters: [JSON.stringify({ eventName: "INSERT" })] })).then(
      () => expect.fail("the mapping started"),
      (error: Error) => expect(error.message).to.equal('filter pattern: eventName must be a list of rules or an object of fields, not "INSERT"'),
    );
  });

  it("reads nothing while disabled, then delivers every record once from where it stopped", async () => {
    const { mappings, spec, received, writeChanges, caughtUp } = await tableWithMappings();
    await mappings.start(spec("paused", { enabled: false }));
    await writeChanges();
    await caughtUp();
    await new Promise((done) => setTimeout(done, 300));
    expect(received.get("paused")).to.equal(undefined);
    mappings.setEnabled("paused-uuid", true);
    await caughtUp();
    expect(received.get("paused")!.map((r) => `${r.eventName} ${r.id}`)).to.deep.equal(["INSERT a", "INSERT b", "INSERT c", "MODIFY b", "REMOVE c"]);
    mappings.setEnabled("paused-uuid", false);
    await dynamodb.send(new PutItemCommand({ TableName: mappings.progress()[0].source, Item: { id: { S: "d" } } }));
    await new Promise((done) => setTimeout(done, 300));
    expect(received.get("paused")).to.have.length(5);
    mappings.setEnabled("paused-uuid", true);
    await caughtUp();
    expect(received.get("paused")!.slice(5)).to.deep.equal([{ eventName: "INSERT", id: "d" }]);
  });

  it("reads nothing more once deleted", async () => {
    const { mappings, spec, received, writeChanges, caughtUp } = await tableWithMappings();
    await mappings.start(spec("deleted"));
    await writeChanges();
    await caughtUp();
    mappings.delete("deleted-uuid");
    await dynamodb.send(new PutItemCommand({ TableName: mappings.progress()[0].source, Item: { id: { S: "e" } } }));
    await new Promise((done) => setTimeout(done, 300));
    expect(received.get("deleted")).to.have.length(5);
    expect(() => mappings.setEnabled("deleted-uuid", true)).to.throw("no mapping deleted-uuid");
  });

  it("with a parallelization factor, delivers batches of different items at once, each item's changes in order and once", async () => {
    let draw = 0;
    const { table, mappings, spec, received, concurrent, caughtUp } = await tableWithMappings({ invocationMs: () => [5, 40, 15][draw++ % 3] });
    await mappings.start(spec("lanes", { parallelizationFactor: 3 }));
    await mappings.start(spec("one-lane"));
    const written: string[] = [];
    for (let round = 1; round <= 3; round++) {
      await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          await dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: `item-${i}` }, round: { N: String(round) } } }));
        }),
      );
      written.push(...Array.from({ length: 12 }, (_, i) => `item-${i}`));
    }
    await caughtUp();
    const changesOf = (name: string) => {
      const byItem = new Map<string, string[]>();
      for (const r of received.get(name) ?? []) byItem.set(r.id, [...(byItem.get(r.id) ?? []), r.eventName]);
      return byItem;
    };
    // Each item: its INSERT first, then its two MODIFYs, whatever the lanes did.
    for (const [id, changes] of changesOf("lanes")) expect(changes, id).to.deep.equal(["INSERT", "MODIFY", "MODIFY"]);
    expect(received.get("lanes")).to.have.length(written.length);
    expect(concurrent.get("lanes")!.most, "batches at once").to.be.greaterThan(1);
    expect(concurrent.get("one-lane")!.most).to.equal(1);
    // Across items, the lanes' order differs from the stream's.
    expect(received.get("lanes")!.map((r) => r.id)).to.not.deep.equal(received.get("one-lane")!.map((r) => r.id));
  });

  it("with a parallelization factor, fills each lane's batches up to the batch size, as Lambda does with a backlog", async () => {
    const { table, mappings, spec, batchSizes, caughtUp } = await tableWithMappings();
    for (let i = 0; i < 90; i++) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: `item-${i}` } } }));
    await mappings.start(spec("lanes", { parallelizationFactor: 3, batchSize: 10 }));
    await caughtUp();
    const sizes = batchSizes.get("lanes")!;
    expect(sizes.reduce((sum, size) => sum + size, 0)).to.equal(90);
    expect(Math.max(...sizes), "largest batch").to.be.at.most(10);
    // Reads of one batch split three ways would make about 30 batches of 3 or 4 records.
    expect(sizes.length, `batches: ${sizes.join(", ")}`).to.be.at.most(18);
  });
});
