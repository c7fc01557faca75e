import { expect } from "chai";
import { BatchWriteItemCommand, PutItemCommand, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ingestBatch, type IngestDependencies } from "../../functions/ingest/ingest-batch";
import { itemKeyOf } from "../../functions/ingest/core";
import { click, eventOf, kinesisRecord, sequenceNumber } from "../support/kinesis";

/** A DynamoDB stand-in: `answer` decides each BatchWriteItem's fate; every request is checked as DynamoDB would. */
function fakeDynamoDb(answer: (requests: WriteRequest[], call: number) => WriteRequest[] | Error = () => []) {
  const stored = new Map<string, unknown>();
  const calls: WriteRequest[][] = [];
  const client = {
    async send(command: unknown) {
      if (command instanceof BatchWriteItemCommand) {
        const requests = command.input.RequestItems!.clicks;
        const keys = requests.map((r) => itemKeyOf(r.PutRequest!.Item!));
        if (requests.length > 25) throw Object.assign(new Error("too many items"), { name: "ValidationException" });
        if (new Set(keys).size !== keys.length) throw Object.assign(new Error("duplicate keys"), { name: "ValidationException" });
        calls.push(requests);
        const outcome = answer(requests, calls.length);
        if (outcome instanceof Error) throw outcome;
        const unprocessed = new Set(outcome.map((r) => itemKeyOf(r.PutRequest!.Item!)));
        for (const r of requests) if (!unprocessed.has(itemKeyOf(r.PutRequest!.Item!))) stored.set(itemKeyOf(r.PutRequest!.Item!), r.PutRequest!.Item);
        return { UnprocessedItems: outcome.length ? { clicks: outcome } : {} };
      }
      if (command instanceof PutItemCommand) {
        if (command.input.Item!.poison) throw Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "ValidationException" });
        stored.set(itemKeyOf(command.input.Item!), command.input.Item);
        return {};
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  };
  return { client, stored, calls };
}

function fakeS3(fail = false) {
  const objects = new Map<string, Record<string, unknown>>();
  const client = {
    async send(command: unknown) {
      if (!(command instanceof PutObjectCommand)) throw new Error("unexpected command");
      if (fail) throw Object.assign(new Error("service unavailable"), { name: "ServiceUnavailable" });
      objects.set(command.input.Key!, JSON.parse(command.input.Body as string));
      return {};
    },
  };
  return { client, objects };
}

const logs: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
function deps(dynamodb: IngestDependencies["dynamodb"], s3: IngestDependencies["s3"], maxAttempts = 5): IngestDependencies {
  return {
    dynamodb,
    s3,
    deadLetterBucket: "dead-letters",
    write: { tableName: "clicks", concurrency: 3, maxAttempts, baseDelayMs: 1, maxDelayMs: 2, wait: async () => {} },
    log: {
      info: (message, extra) => logs.push({ level: "info", message, extra }),
      warn: (message, extra) => logs.push({ level: "warn", message, extra }),
    },
  };
}

const clicks = (count: number, from = 0) => Array.from({ length: count }, (_, i) => kinesisRecord(click(from + i), sequenceNumber(from + i)));

describe("ingestBatch", () => {
  beforeEach(() => (logs.length = 0));

  it("writes a 300-record batch in requests of at most 25 and reports no failures", async () => {
    const db = fakeDynamoDb();
    const outcome = await ingestBatch(eventOf(...clicks(300)), deps(db.client, fakeS3().client));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(db.stored.size).to.equal(300);
    expect(db.calls).to.have.length(12);
    expect(outcome.counts).to.deep.equal({ received: 300, written: 300, duplicatesInBatch: 0, parked: 0, failed: 0 });
  });

  it("sends each full request while it decodes the rest of the batch, with at most `concurrency` requests in flight", async () => {
    const happened: string[] = [];
    // DynamoDB answers only once three requests wait, or once the batch's last record was decoded.
    const waiting: (() => void)[] = [];
    let lastDecoded = false;
    const answer = () => {
      while (waiting.length >= 3 || (lastDecoded && waiting.length > 0)) waiting.shift()!();
    };
    let inFlight = 0;
    let mostInFlight = 0;
    const db = fakeDynamoDb();
    const slow = {
      async send(command: unknown) {
        happened.push("request sent");
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          answer();
        });
        inFlight -= 1;
        return db.client.send(command);
      },
    };
    const records = clicks(300);
    const last = records[299].kinesis;
    records[299] = {
      ...records[299],
      get kinesis() {
        if (!lastDecoded) happened.push("last record decoded");
        lastDecoded = true;
        answer();
        return last;
      },
    };
    const outcome = await ingestBatch(eventOf(...records), deps(slow, fakeS3().client));
    expect(outcome.counts).to.include({ written: 300, failed: 0 });
    expect(happened.indexOf("request sent")).to.be.below(happened.indexOf("last record decoded"));
    expect(mostInFlight).to.equal(3);
    expect(db.calls.map((c) => c.length)).to.deep.equal(Array(12).fill(25));
  });

  it("sends a key that appears twice in one batch only once", async () => {
    const db = fakeDynamoDb();
    const [first, second] = clicks(2);
    const outcome = await ingestBatch(eventOf(first, second, structuredClone(first)), deps(db.client, fakeS3().client));
    expect(db.calls.flat()).to.have.length(2);
    expect(outcome.counts).to.include({ written: 3, duplicatesInBatch: 1 });
  });

  it("parks each poison record with its reason and writes all the others (mixed batch)", async () => {
    const db = fakeDynamoDb();
    const s3 = fakeS3();
    const poison = kinesisRecord("Hello World", sequenceNumber(900));
    const array = kinesisRecord([1], sequenceNumber(901));
    const outcome = await ingestBatch(eventOf(...clicks(5), poison, array, ...clicks(5, 5)), deps(db.client, s3.client));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(db.stored.size).to.equal(10);
    expect(outcome.counts).to.include({ received: 12, written: 10, parked: 2, failed: 0 });
    const parked = s3.objects.get(`parked/web-analytics/shardId-000000000000/${sequenceNumber(900)}.json`);
    expect(parked?.reason).to.equal("not-json");
    expect(parked?.record).to.deep.equal(poison);
    expect(s3.objects.get(`parked/web-analytics/shardId-000000000000/${sequenceNumber(901)}.json`)?.reason).to.equal("not-an-object");
    expect(logs.filter((l) => l.message === "parked record").map((l) => l.extra!.reason)).to.have.members(["not-json", "not-an-object"]);
    expect(logs.find((l) => l.message === "ingest batch done")!.extra).to.include({ parked: 2, written: 10 });
  });

  it("retries UnprocessedItems until DynamoDB takes them", async () => {
    const db = fakeDynamoDb((requests, call) => (call <= 2 ? requests.slice(0, 10) : []));
    const outcome = await ingestBatch(eventOf(...clicks(25)), deps(db.client, fakeS3().client));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(db.stored.size).to.equal(25);
    expect(db.calls.map((c) => c.length)).to.deep.equal([25, 10, 10]);
  });

  it("reports only the records still unprocessed after every attempt, so Lambda retries just those", async () => {
    const stubborn = new Set([sequenceNumber(3), sequenceNumber(7)]);
    const db = fakeDynamoDb((requests) => requests.filter((r) => stubborn.has(r.PutRequest!.Item!.sequenceNumber.S!)));
    const outcome = await ingestBatch(eventOf(...clicks(10)), deps(db.client, fakeS3().client, 3));
    expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).to.have.members([...stubborn]);
    expect(db.stored.size).to.equal(8);
    expect(outcome.counts).to.include({ written: 8, failed: 2, parked: 0 });
  });

  it("retries a request that failed outright, and reports its records if it never succeeds", async () => {
    const throttled = () => Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });
    const flaky = fakeDynamoDb((_, call) => (call === 1 ? throttled() : []));
    expect((await ingestBatch(eventOf(...clicks(4)), deps(flaky.client, fakeS3().client))).batchItemFailures).to.deep.equal([]);
    expect(flaky.stored.size).to.equal(4);

    const down = fakeDynamoDb(() => throttled());
    const outcome = await ingestBatch(eventOf(...clicks(4)), deps(down.client, fakeS3().client, 2));
    expect(outcome.batchItemFailures).to.have.length(4);
  });

  it("isolates an item DynamoDB rejects as invalid, parks it, and writes the rest of its request", async () => {
    const db = fakeDynamoDb((requests) =>
      requests.some((r) => r.PutRequest!.Item!.poison) ? Object.assign(new Error("invalid item"), { name: "ValidationException" }) : [],
    );
    const s3 = fakeS3();
    const records = [...clicks(3), kinesisRecord({ ...click(3), poison: true }, sequenceNumber(3)), ...clicks(3, 4)];
    const outcome = await ingestBatch(eventOf(...records), deps(db.client, s3.client));
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(db.stored.size).to.equal(6);
    const parked = s3.objects.get(`parked/web-analytics/shardId-000000000000/${sequenceNumber(3)}.json`);
    expect(parked?.reason).to.equal("rejected-by-dynamodb");
    expect(parked?.detail).to.match(/ValidationException: Item size has exceeded/);
  });

  it("reports a poison record for retry when the dead-letter bucket cannot take it, never dropping it", async () => {
    const poison = kinesisRecord("Hello World", sequenceNumber(42));
    const outcome = await ingestBatch(eventOf(...clicks(2), poison), deps(fakeDynamoDb().client, fakeS3(true).client));
    expect(outcome.batchItemFailures).to.deep.equal([{ itemIdentifier: sequenceNumber(42) }]);
    expect(outcome.counts).to.include({ written: 2, parked: 0, failed: 1 });
  });
});
