import { PutRecordBatchCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { expect } from "chai";
import { parse } from "lossless-json";
import { forwardDecision, type ArchiveRecord, type ForwardOptions } from "../../functions/forward/core";
import { forwardBatch, type ForwardDependencies } from "../../functions/forward/forward-batch";
import { FIREHOSE_LIMITS, planCalls } from "../../functions/shared/firehose-sender";
import { nonConformance } from "../support/aws-event-schemas";
import { clickItem, DEDUP_KEYS, streamRecord } from "../support/dynamodb-stream";
import { fixture } from "../support/kinesis";

const OPTIONS: ForwardOptions = { keyAttributes: DEDUP_KEYS, removeMode: "marker" };

function archived(decision: ReturnType<typeof forwardDecision>): ArchiveRecord {
  if (decision.kind !== "send") throw new Error(`expected a record to send, got ${decision.kind}`);
  expect(decision.data.toString("utf8").endsWith("}\n")).to.equal(true);
  return JSON.parse(decision.data.toString("utf8"));
}

describe("forward function", () => {
  describe("what a stream record becomes", () => {
    it("archives the fixture's INSERT and MODIFY with their new images, keyed by the table's key", () => {
      const event = fixture<DynamoDBStreamEvent>("dynamodb-stream.json");
      const [insert, modify] = event.Records.map((r) => archived(forwardDecision(r, { keyAttributes: ["Id"], removeMode: "marker" })));
      expect(insert).to.deep.equal({
        key: "101",
        change: "INSERT",
        changedAt: "2023-09-06T10:45:55.000Z",
        sequence: "111",
        item: { Message: "New item!", Id: 101 },
      });
      expect(modify).to.deep.equal({ key: "101", change: "MODIFY", changedAt: "", sequence: "222", item: { Message: "This item has changed", Id: 101 } });
    });

    it("keeps the dedup key of the ingest function's items and the stream's own change time", () => {
      const item = clickItem(7);
      const record = archived(forwardDecision(streamRecord("INSERT", item, "100"), OPTIONS));
      expect(record.key).to.equal(`${item.seqNumbershardIdHash}|${item.sequenceNumber}`);
      expect(record.changedAt).to.equal("2025-11-26T10:00:00.000Z");
    });

    it("turns every DynamoDB type into plain JSON: sets, binary, nested maps and lists, null, booleans, exact big numbers", () => {
      const record = streamRecord("INSERT", clickItem(1), "101");
      Object.assign(record.dynamodb!.NewImage!, {
        big: { N: "123456789012345678901234567890" },
        fraction: { N: "0.12345678901234567890" },
        tags: { SS: ["a", "b"] },
        scores: { NS: ["1", "98765432109876543210"] },
        blob: { B: "AAEC/w==" },
        blobs: { BS: ["AQ==", "Ag=="] },
        nested: { M: { list: { L: [{ S: "x" }, { N: "2" }, { M: { deep: { BOOL: true } } }] } } },
        nothing: { NULL: true },
        flag: { BOOL: false },
      });
      const decision = forwardDecision(record, OPTIONS);
      if (decision.kind !== "send") throw new Error("not sent");
      const exact = parse(decision.data.toString("utf8"), undefined, (digits) => digits) as { item: Record<string, unknown> };
      expect(exact.item).to.deep.include({
        big: "123456789012345678901234567890",
        fraction: "0.12345678901234567890",
        tags: ["a", "b"],
        scores: ["1", "98765432109876543210"],
        blob: "AAEC/w==",
        blobs: ["AQ==", "Ag=="],
        nested: { list: ["x", "2", { deep: true }] },
        nothing: null,
        flag: false,
      });
    });

    it("archives fields named __proto__ and constructor as fields, and every digit of every number, at any depth", () => {
      const record = streamRecord("INSERT", clickItem(11), "512");
      const extra = JSON.parse(
        '{"__proto__": {"M": {"x": {"N": "1.50"}}}, "constructor": {"M": {"__proto__": {"NULL": true}, "n": {"N": "0.000000000000000000000000000001"}}}, "e": {"S": ""}, "z": {"NULL": true}}',
      );
      for (const [name, value] of Object.entries(extra))
        Object.defineProperty(record.dynamodb!.NewImage!, name, { value, enumerable: true, writable: true, configurable: true });
      const text = (forwardDecision(record, OPTIONS) as { data: Buffer }).data.toString("utf8");
      const item = JSON.parse(text).item;
      expect(Object.keys(item)).to.include.members(["__proto__", "constructor", "e", "z"]);
      expect(item).not.to.have.property("x");
      expect(text).to.contain('"__proto__":{"x":1.50}');
      expect(text).to.contain('"constructor":{"__proto__":null,"n":0.000000000000000000000000000001}');
      expect(item).to.include({ e: "", z: null });
    });

    it("sends a REMOVE as a delete marker, or skips it, by config", () => {
      const remove = streamRecord("REMOVE", clickItem(3), "102");
      expect(archived(forwardDecision(remove, OPTIONS))).to.include({ change: "REMOVE", item: null });
      expect(forwardDecision(remove, { ...OPTIONS, removeMode: "skip" }).kind).to.equal("skip");
    });

    it("never archives a TTL expiry (AWS's own event), in either remove mode: it is the table forgetting an item, not a delete", () => {
      const event = fixture<DynamoDBStreamEvent>("dynamodb-stream-ttl-expiry.json");
      expect(nonConformance("dynamodb", event)).to.deep.equal([]);
      for (const removeMode of ["marker", "skip"] as const) {
        expect(forwardDecision(event.Records[0], { keyAttributes: ["Id"], removeMode })).to.deep.equal({ kind: "expired", record: event.Records[0] });
      }
    });

    it("archives a user's REMOVE of the same item as a delete marker: only DynamoDB's own principal makes an expiry", () => {
      const expiry = fixture<DynamoDBStreamEvent>("dynamodb-stream-ttl-expiry.json").Records[0];
      const byUser = { ...structuredClone(expiry), userIdentity: undefined };
      const byOtherService = { ...structuredClone(expiry), userIdentity: { type: "Service", principalId: "replication.dynamodb.amazonaws.com" } };
      for (const record of [byUser, byOtherService]) {
        expect(archived(forwardDecision(record, { keyAttributes: ["Id"], removeMode: "marker" }))).to.deep.equal({
          key: "101",
          change: "REMOVE",
          changedAt: "2023-09-06T10:45:55.000Z",
          sequence: "333",
          item: null,
        });
      }
    });

    it("skips only REMOVEs when told to, still archiving every INSERT and MODIFY", () => {
      const skip = { ...OPTIONS, removeMode: "skip" } as const;
      expect(archived(forwardDecision(streamRecord("INSERT", clickItem(8), "107"), skip))).to.include({ change: "INSERT", sequence: "107" });
      expect(archived(forwardDecision(streamRecord("MODIFY", clickItem(8), "108"), skip))).to.include({ change: "MODIFY", sequence: "108" });
    });

    it("parks, with a reason, what can never be archived instead of throwing", () => {
      const unknown = { ...streamRecord("INSERT", clickItem(4), "103"), eventName: "TTL" as "INSERT" };
      const noKey = streamRecord("INSERT", clickItem(5), "104");
      delete noKey.dynamodb!.Keys!.sequenceNumber;
      const keysOnly = streamRecord("MODIFY", clickItem(6), "105");
      delete keysOnly.dynamodb!.NewImage;
      const huge = streamRecord("INSERT", clickItem(7, { blob: "x".repeat(FIREHOSE_LIMITS.bytesPerRecord) }), "106");
      const reasons = [unknown, noKey, keysOnly, huge]
        .map((r) => forwardDecision(r, OPTIONS))
        .map((d) => (d.kind === "poison" ? `${d.reason}: ${d.detail}` : d.kind));
      expect(reasons[0]).to.equal('unknown-event: eventName "TTL" is not INSERT, MODIFY or REMOVE');
      expect(reasons[1]).to.equal('missing-key: the record\'s keys have no "sequenceNumber"');
      expect(reasons[2]).to.equal("no-image: MODIFY has no NewImage: the table's stream view type must include new images");
      expect(reasons[3]).to.match(/^record-too-large: archive record is \d+ bytes, over Firehose's 1024000-byte limit$/);
    });
  });

  describe("records at the edges", () => {
    it("parks an image holding a value of no known type, naming it", () => {
      const record = streamRecord("INSERT", clickItem(12), "109");
      record.dynamodb!.NewImage!.odd = {} as never;
      expect(forwardDecision(record, OPTIONS)).to.deep.include({
        kind: "poison",
        reason: "unreadable-image",
        detail: "an attribute value of no known type: {}",
      });
    });

    it("parks a record with no event name, saying so", () => {
      const record = { ...streamRecord("INSERT", clickItem(13), "110"), eventName: undefined };
      expect(forwardDecision(record, OPTIONS)).to.deep.include({
        kind: "poison",
        reason: "unknown-event",
        detail: 'eventName "" is not INSERT, MODIFY or REMOVE',
      });
    });

    it("invents no sequence or time for a record without them: the transform then refuses it by name", () => {
      const record = streamRecord("INSERT", clickItem(14), "111");
      delete record.dynamodb!.SequenceNumber;
      delete record.dynamodb!.ApproximateCreationDateTime;
      expect(archived(forwardDecision(record, OPTIONS))).to.include({ sequence: "", changedAt: "" });
    });

    it("sends a record of exactly Firehose's size limit, and parks one a byte over", () => {
      const sized = (blob: string) => forwardDecision(streamRecord("INSERT", clickItem(15, { blob }), "112"), OPTIONS);
      const base = (sized("") as { data: Buffer }).data.byteLength;
      const fill = FIREHOSE_LIMITS.bytesPerRecord - base;
      const atLimit = sized("x".repeat(fill));
      expect(atLimit.kind === "send" && atLimit.data.byteLength).to.equal(FIREHOSE_LIMITS.bytesPerRecord);
      expect(sized("x".repeat(fill + 1))).to.include({ kind: "poison", reason: "record-too-large" });
    });
  });

  describe("PutRecordBatch calls", () => {
    const entry = (bytes: number) => ({ id: bytes, data: new Uint8Array(bytes) });

    it("holds at most 500 records per call", () => {
      const calls = planCalls(Array.from({ length: 1201 }, () => entry(10)));
      expect(calls.map((c) => c.length)).to.deep.equal([500, 500, 201]);
    });

    it("holds at most 4 MiB per call", () => {
      const calls = planCalls(Array.from({ length: 9 }, () => entry(1000 * 1024)));
      expect(calls.map((c) => c.length)).to.deep.equal([4, 4, 1]);
      for (const call of calls) expect(call.reduce((sum, e) => sum + e.data.byteLength, 0)).to.be.at.most(FIREHOSE_LIMITS.bytesPerCall);
    });
  });

  describe("a batch against a Firehose that fails some records", () => {
    // Mocked from the first hook to the last, not while other files run: mockClient patches the class.
    let firehose: AwsClientStub<FirehoseClient>;
    let s3: AwsClientStub<S3Client>;
    const warnings: Record<string, unknown>[] = [];
    const infos: Record<string, unknown>[] = [];
    const deps = (maxAttempts = 4, options: ForwardOptions = OPTIONS): ForwardDependencies => ({
      ...options,
      firehose: new FirehoseClient({ region: "eu-west-1" }),
      s3: new S3Client({ region: "eu-west-1" }),
      deadLetterBucket: "forward-dead-letter",
      send: { deliveryStreamName: "clicks-archive", maxAttempts, baseDelayMs: 1, maxDelayMs: 2 },
      log: { info: (message, extra) => infos.push({ message, ...extra }), warn: (message, extra) => warnings.push({ message, ...extra }) },
    });
    const batch = (n: number): DynamoDBStreamEvent => ({
      Records: Array.from({ length: n }, (_, i) => streamRecord("INSERT", clickItem(i), String(1000 + i))),
    });
    /** Answers like Firehose: records whose data mentions one of `failing` get ServiceUnavailableException. */
    const failRecords = (failing: (text: string) => boolean) =>
      firehose.on(PutRecordBatchCommand).callsFake(async (input) => {
        const answers = input.Records.map((r: { Data: Uint8Array }) =>
          failing(Buffer.from(r.Data).toString()) ? { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." } : { RecordId: "ok" },
        );
        return { FailedPutCount: answers.filter((a: { ErrorCode?: string }) => a.ErrorCode).length, RequestResponses: answers };
      });

    before(() => {
      firehose = mockClient(FirehoseClient);
      s3 = mockClient(S3Client);
    });

    after(() => {
      firehose.restore();
      s3.restore();
    });

    beforeEach(() => {
      firehose.reset();
      s3.reset();
      warnings.length = 0;
      infos.length = 0;
    });

    it("sends again only the records a response reported failed, until they succeed", async () => {
      let firstTry = true;
      firehose.on(PutRecordBatchCommand).callsFake(async (input) => {
        const answers = input.Records.map((_: unknown, i: number) =>
          firstTry && i % 3 === 0 ? { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." } : { RecordId: `r${i}` },
        );
        firstTry = false;
        return { FailedPutCount: answers.filter((a: { ErrorCode?: string }) => a.ErrorCode).length, RequestResponses: answers };
      });
      const outcome = await forwardBatch(batch(10), deps());
      const calls = firehose.commandCalls(PutRecordBatchCommand);
      expect(calls.map((c) => c.args[0].input.Records!.length)).to.deep.equal([10, 4]);
      expect(outcome.counts).to.include({ sent: 10, failed: 0, firehoseCalls: 2 });
      expect(outcome.batchItemFailures).to.deep.equal([]);
    });

    it("reports for retry only the records that still fail after every attempt", async () => {
      failRecords((text) => text.includes("p-1002") || text.includes("p-1005"));
      const outcome = await forwardBatch(batch(8), deps(3));
      expect(outcome.batchItemFailures).to.deep.equal([{ itemIdentifier: "1002" }, { itemIdentifier: "1005" }]);
      expect(outcome.counts).to.include({ sent: 6, failed: 2, firehoseCalls: 3 });
      const failed = warnings.filter((w) => w.message === "put to Firehose failed, record will be retried");
      expect(failed[0]).to.include({ error: "ServiceUnavailableException: Slow down." });
      // Every log line about a record carries its dedup key, to follow it through the functions.
      expect(failed.map((w) => w.dedupKey)).to.deep.equal([2, 5].map((n) => `${clickItem(n).seqNumbershardIdHash}|${clickItem(n).sequenceNumber}`));
    });

    it("retries a call that failed outright, and reports its records if it never succeeds", async () => {
      firehose.on(PutRecordBatchCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
      const outcome = await forwardBatch(batch(3), deps(2));
      expect(firehose.commandCalls(PutRecordBatchCommand)).to.have.length(2);
      expect(outcome.batchItemFailures.map((f) => f.itemIdentifier)).to.deep.equal(["1000", "1001", "1002"]);
    });

    it("does not retry a call that cannot succeed", async () => {
      firehose.on(PutRecordBatchCommand).rejects(
        Object.assign(new Error("not authorized to perform firehose:PutRecordBatch"), {
          name: "AccessDeniedException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        }),
      );
      const outcome = await forwardBatch(batch(2), deps(5));
      expect(firehose.commandCalls(PutRecordBatchCommand)).to.have.length(1);
      expect(outcome.batchItemFailures).to.have.length(2);
    });

    it("parks poison records in the dead-letter bucket, once per record, and sends the rest", async () => {
      failRecords(() => false);
      s3.on(PutObjectCommand).resolves({});
      const event = batch(3);
      event.Records[1].eventName = "TTL" as "INSERT";
      const outcome = await forwardBatch(event, deps());
      expect(outcome.counts).to.include({ sent: 2, parked: 1, failed: 0 });
      const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
      expect(put).to.include({ Bucket: "forward-dead-letter", Key: "parked/clicks-table-0c1d2e3/1001.json", ContentType: "application/json" });
      expect(JSON.parse(String(put.Body))).to.include({ reason: "unknown-event" });
    });

    it("counts the REMOVEs it skips, and logs the batch's counts", async () => {
      failRecords(() => false);
      const event = batch(4);
      for (const i of [1, 3]) event.Records[i] = streamRecord("REMOVE", clickItem(i), String(1000 + i));
      const outcome = await forwardBatch(event, deps(4, { ...OPTIONS, removeMode: "skip" }));
      const counts = { received: 4, sent: 2, skipped: 2, expired: 0, parked: 0, failed: 0, firehoseCalls: 1 };
      expect(outcome.counts).to.deep.equal(counts);
      expect(infos).to.deep.equal([{ message: "forward batch done", ...counts }]);
    });

    it("sends the rest of a batch holding a TTL expiry, counting the expiry, parking nothing and retrying nothing", async () => {
      failRecords(() => false);
      const expiry = fixture<DynamoDBStreamEvent>("dynamodb-stream-ttl-expiry.json").Records[0];
      const userDelete = streamRecord("REMOVE", clickItem(2), "1002");
      const event = { Records: [...batch(2).Records, expiry, userDelete] };
      const outcome = await forwardBatch(event, deps());
      expect(outcome.counts).to.include({ received: 4, sent: 3, expired: 1, skipped: 0, parked: 0, failed: 0 });
      expect(outcome.batchItemFailures).to.deep.equal([]);
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(0);
      const sent = firehose
        .commandCalls(PutRecordBatchCommand)
        .flatMap((c) => c.args[0].input.Records!.map((r) => JSON.parse(Buffer.from(r.Data!).toString())));
      expect(sent.map((r) => [r.change, r.sequence])).to.deep.equal([
        ["INSERT", "1000"],
        ["INSERT", "1001"],
        ["REMOVE", "1002"],
      ]);
    });

    it("reports a poison record for retry when the bucket cannot take it, never dropping it", async () => {
      failRecords(() => false);
      s3.on(PutObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
      const event = batch(2);
      event.Records[0].eventName = "TTL" as "INSERT";
      const outcome = await forwardBatch(event, deps());
      expect(outcome.batchItemFailures).to.deep.equal([{ itemIdentifier: "1000" }]);
    });
  });
});
