import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import { applyAggregate, applyIndexChange, groupUpdate, NO_EVENT_ID } from "../../functions/project/apply";
import { type Delta } from "../../functions/project/aggregate-core";
import { cancelled, CHANGED_AT, retrying, TABLES, transactions } from "../support/projection-records";

/** A DynamoDB stand-in for single-item writes: each command's name and input, and `answer` to refuse one. */
function items(answer: (name: string) => Error | void = () => undefined) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      sent.push({ name: command.constructor.name, input: command.input });
      const error = answer(command.constructor.name);
      if (error) throw error;
      return {};
    },
  };
  return { sent, client: client as never };
}

const stale = () => new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const DELTA: Delta = { group: "p1", values: { page: "p1" }, count: 1, sums: { hits: "2" } };
const keyless = (eventID?: string): DynamoDBRecord => ({
  eventID,
  eventName: "INSERT",
  dynamodb: { ApproximateCreationDateTime: CHANGED_AT, SequenceNumber: "77", NewImage: {} },
});

describe("projection writes of one record (functions/project/apply.ts)", () => {
  describe("an index item", () => {
    const key = { page: { S: "p1" }, id: { S: "a" } };
    const BY_PAGE_TABLE = { name: "by-page", expires: false };
    const owner = '[["id",{"S":"a"}]]';
    const newerOfItsOwn = {
      ConditionExpression: "attribute_not_exists(#seq) OR (#seq < :seq AND (attribute_not_exists(#owner) OR #owner = :owner))",
      ExpressionAttributeNames: { "#seq": "sourceSequence", "#owner": "sourceItem" },
      ExpressionAttributeValues: { ":seq": { S: "9".padStart(40, "0") }, ":owner": { S: owner } },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
    const failedOn = (item?: Record<string, { S: string }>) => () =>
      new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, Item: item });

    // The condition's meaning on DynamoDB itself: test/integration/project.test.ts (a replayed record never overwrites a newer one, one item never another's copy).
    it("puts and deletes only where the index holds no newer change of the item and no other item's copy, comparing sortable sequence numbers", async () => {
      const { sent, client } = items();
      const item = { ...key, hits: { N: "1" } };
      expect(await applyIndexChange(client, BY_PAGE_TABLE, { kind: "put", item, sequence: "9", owner })).to.equal("written");
      expect(await applyIndexChange(client, BY_PAGE_TABLE, { kind: "delete", key, sequence: "9", owner })).to.equal("written");
      expect(sent).to.deep.equal([
        { name: "PutItemCommand", input: { TableName: "by-page", Item: item, ...newerOfItsOwn } },
        { name: "DeleteItemCommand", input: { TableName: "by-page", Key: key, ...newerOfItsOwn } },
      ]);
    });

    it("in an index whose items expire, also where the key holds another item's copy past its expiry", async () => {
      const { sent, client } = items();
      const now = Math.floor(Date.now() / 1000);
      await applyIndexChange(client, { name: "by-page", expires: true }, { kind: "delete", key, sequence: "9", owner });
      const { ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } = sent[0].input as typeof newerOfItsOwn & {
        ExpressionAttributeValues: { ":now": { N: string } };
      };
      expect(ConditionExpression).to.equal(`${newerOfItsOwn.ConditionExpression} OR (#expires < :now AND #owner <> :owner)`);
      expect(ExpressionAttributeNames).to.deep.equal({ ...newerOfItsOwn.ExpressionAttributeNames, "#expires": "expiresAt" });
      expect(Number(ExpressionAttributeValues[":now"].N)).to.be.within(now, now + 60);
    });

    it("says stale when the index holds a newer change of the same item (or of an item not recorded), held when another item's copy holds the key, and passes on any other failure", async () => {
      const put = { kind: "put" as const, item: key, sequence: "9", owner };
      expect(await applyIndexChange(items(stale).client, BY_PAGE_TABLE, { kind: "delete", key, sequence: "9", owner })).to.equal("stale");
      expect(await applyIndexChange(items(failedOn({ sourceItem: { S: owner } })).client, BY_PAGE_TABLE, put)).to.equal("stale");
      expect(await applyIndexChange(items(failedOn({ page: { S: "p1" } })).client, BY_PAGE_TABLE, put)).to.equal("stale");
      const other = '[["id",{"S":"b"}]]';
      expect(await applyIndexChange(items(failedOn({ sourceItem: { S: other } })).client, BY_PAGE_TABLE, put)).to.deep.equal({ heldBy: other });
      const down = items(() => Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));
      let thrown: unknown;
      await applyIndexChange(down.client, BY_PAGE_TABLE, put).catch((error: unknown) => (thrown = error));
      expect(thrown).to.have.property("name", "TimeoutError");
    });
  });

  describe("a keyless record's aggregate change", () => {
    it("applies it once: a record whose eventID the ledger holds is a replay, and writes nothing", async () => {
      const { retry, waits } = retrying();
      const db = transactions(() => cancelled({ Code: "ConditionalCheckFailed" }, { Code: "None" }));
      expect(await applyAggregate(db.client, TABLES, keyless("e-77"), [DELTA], retry)).to.equal("replayed");
      expect([db.sent.length, waits]).to.deep.equal([1, []]);
    });

    it("tries a transaction DynamoDB cancelled for a conflict or throttling again, after a backoff, up to maxAttempts in all (Why: a conflict never retried went unnoticed)", async () => {
      const { retry, waits } = retrying(3);
      const conflict = () => cancelled({ Code: "None" }, { Code: "TransactionConflict" });
      for (const code of ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]) {
        waits.length = 0;
        const once = transactions((_, call) => (call === 1 ? cancelled({ Code: "None" }, { Code: code }) : undefined));
        expect(await applyAggregate(once.client, TABLES, keyless("e-77"), [DELTA], retry), code).to.equal("applied");
        expect([once.sent.length, waits], code).to.deep.equal([2, [50]]);
      }

      waits.length = 0;
      const always = transactions(conflict);
      let thrown: unknown;
      await applyAggregate(always.client, TABLES, keyless("e-77"), [DELTA], retry).catch((error: unknown) => (thrown = error));
      expect(thrown).to.have.property("name", "TransactionCanceledException");
      // random() = 0.5 of a ceiling of 100 ms doubled per retry.
      expect([always.sent.length, waits]).to.deep.equal([3, [50, 100]]);
    });

    it("passes on at once a cancellation for any other reason, and any other failure", async () => {
      for (const error of [
        cancelled({ Code: "None" }, { Code: "ValidationError", Message: "too big" }),
        cancelled(),
        Object.assign(new Error("socket hang up"), { name: "TimeoutError" }),
      ]) {
        const { retry, waits } = retrying();
        const db = transactions(() => error);
        let thrown: unknown;
        await applyAggregate(db.client, TABLES, keyless("e-77"), [DELTA], retry).catch((e: unknown) => (thrown = e));
        expect(thrown).to.equal(error);
        expect([db.sent.length, waits]).to.deep.equal([1, []]);
      }
    });

    it("refuses a record without eventID, which nothing could tell from its redelivery", async () => {
      const db = transactions();
      let thrown: unknown;
      await applyAggregate(db.client, TABLES, keyless(), [DELTA], retrying().retry).catch((error: unknown) => (thrown = error));
      expect(String(thrown)).to.equal(`Error: ${NO_EVENT_ID}`);
      expect(db.sent).to.deep.equal([]);
    });

    it("keeps the ledger entry ledgerTtlDays from the change, or from now for a record that carries no time", async () => {
      const db = transactions();
      const before = Math.floor(Date.now() / 1000);
      await applyAggregate(db.client, TABLES, { eventID: "e-1", eventName: "INSERT" }, [DELTA], retrying().retry);
      const after = Math.floor(Date.now() / 1000);
      const entry = db.sent[0][0].Put!.Item!;
      expect(entry).to.deep.include({ eventId: { S: "e-1" }, sequenceNumber: { S: "" } });
      expect(Number(entry.expiresAt.N)).to.be.within(before + 2 * 86_400, after + 2 * 86_400);
    });

    it("only adds to a group when the delta sets no group values", () => {
      expect(groupUpdate("hits", { group: "all", values: {}, count: 1, sums: {} }).Update).to.deep.include({
        UpdateExpression: "ADD #count :count",
        ExpressionAttributeNames: { "#count": "count" },
      });
    });
  });
});
