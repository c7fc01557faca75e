import { type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { applyAggregateBatch } from "../../functions/project/aggregate-batch";
import { encodeCounted, type ItemChange } from "../../functions/project/item-state";
import { TRANSACTIONS_IN_FLIGHT } from "../../functions/project/write-limits";
import { cancelled, changeOf, click, record, retrying, TABLES, transactions } from "../support/projection-records";

const insert = (id: string, page: string, hits: string, sequence: string) => changeOf(record("INSERT", sequence, { NewImage: click(id, page, hits) }));
const move = (id: string, from: string, to: string, sequence: string) =>
  changeOf(record("MODIFY", sequence, { OldImage: click(id, from, "1"), NewImage: click(id, to, "1") }));
/** Each group update of a transaction, as `group count hits`. */
const updates = (actions: TransactWriteItem[]) =>
  actions
    .filter((a) => a.Update)
    .map((a) => `${a.Update!.Key!.group.S} ${a.Update!.ExpressionAttributeValues![":count"].N} ${a.Update!.ExpressionAttributeValues![":s0"]?.N}`);
const entryOf = (actions: TransactWriteItem[]) => actions[0].Put!;
async function failure(promise: Promise<{ failed?: { error: unknown } }>) {
  return (await promise).failed?.error;
}

describe("aggregate batches (functions/project/aggregate-batch.ts)", () => {
  describe("contention (Why: a DynamoDB transaction conflict never retried by the projection went unnoticed)", () => {
    for (const code of ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]) {
      it(`tries a transaction cancelled with ${code} again after a backoff, and gives up after maxAttempts in all`, async () => {
        const change = insert("a", "p1", "2", "100");
        const { retry, waits } = retrying(3);
        const once = transactions((_, call) => (call === 1 ? cancelled({ Code: "None" }, { Code: code }) : undefined));
        const outcome = await applyAggregateBatch(once.client, TABLES, [change], retry);
        expect([outcome.failed, outcome.verdicts.get(change.record), once.sent.length, waits]).to.deep.equal([undefined, "written", 2, [50]]);

        waits.length = 0;
        const always = transactions(() => cancelled({ Code: "None" }, { Code: code }));
        const failed = await applyAggregateBatch(always.client, TABLES, [change], retry);
        expect(failed.failed?.records).to.deep.equal([change.record]);
        // random() = 0.5 of a ceiling of 100 ms doubled per retry.
        expect([always.sent.length, waits]).to.deep.equal([3, [50, 100]]);
      });
    }

    it("takes an entry that changed since DynamoDB described it for contention: another writer got there first", async () => {
      const change = move("a", "p1", "p2", "300");
      const { retry, waits } = retrying(2);
      const held = (sequence: string) => ({
        eventId: { S: change.item },
        sourceSequence: { S: sequence.padStart(40, "0") },
        counted: { S: encodeCounted({ group: "p1", values: { page: "p1" }, sums: { hits: "1" } }) },
      });
      let version = 100;
      const db = transactions(() => cancelled({ Code: "ConditionalCheckFailed", Item: held(String(version++)) }, { Code: "None" }, { Code: "None" }));
      const outcome = await applyAggregateBatch(db.client, TABLES, [change], retry);
      // The guess is learned for free; the entry then moved under the second attempt: one backoff, and no third attempt.
      expect([db.sent.length, waits, outcome.failed?.records]).to.deep.equal([3, [50], [change.record]]);
    });

    it("passes on a cancellation that is neither contention nor a wrong guess, and any other failure", async () => {
      const change = insert("a", "p1", "2", "100");
      for (const error of [
        cancelled({ Code: "None" }, { Code: "ItemCollectionSizeLimitExceeded" }),
        cancelled(),
        Object.assign(new Error("socket hang up"), { name: "TimeoutError" }),
      ]) {
        const db = transactions(() => error);
        expect(await failure(applyAggregateBatch(db.client, TABLES, [change], retrying().retry))).to.equal(error);
        expect(db.sent).to.have.length(1);
      }
    });
  });

  describe("what the ledger entry is taken to hold", () => {
    it("first guesses from the oldest change's old image, conditionally, and returns the entry as it is when the guess is wrong", async () => {
      const change = move("a", "p1", "p2", "300");
      const db = transactions();
      await applyAggregateBatch(db.client, TABLES, [change], retrying().retry);
      expect(entryOf(db.sent[0])).to.deep.include({
        ConditionExpression: "#seq < :first AND #counted = :counted",
        ExpressionAttributeNames: { "#seq": "sourceSequence", "#counted": "counted" },
        ExpressionAttributeValues: { ":first": { S: change.sequence }, ":counted": { S: '["p1",{"page":"p1"},{"hits":"1"}]' } },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      expect(updates(db.sent[0])).to.deep.equal(["p2 1 1", "p1 -1 -1"]);
    });

    it("guesses that an item new to the batch has no entry, or one older that counts nothing", async () => {
      const db = transactions();
      await applyAggregateBatch(db.client, TABLES, [insert("a", "p1", "2", "100")], retrying().retry);
      expect(entryOf(db.sent[0])).to.deep.include({
        ConditionExpression: "attribute_not_exists(#id) OR (#seq < :first AND #counted = :counted)",
        ExpressionAttributeNames: { "#seq": "sourceSequence", "#counted": "counted", "#id": "eventId" },
        ExpressionAttributeValues: { ":first": { S: "100".padStart(40, "0") }, ":counted": { S: "none" } },
      });
    });

    for (const [what, item] of [
      ["no item", undefined],
      ["an empty item", {}],
    ] as const) {
      it(`counts the item from nothing when DynamoDB says the entry is absent (${what}), on the condition that it still is`, async () => {
        const change = move("a", "p1", "p2", "300");
        const db = transactions((_, call) =>
          call === 1 ? cancelled({ Code: "ConditionalCheckFailed", Item: item }, { Code: "None" }, { Code: "None" }) : undefined,
        );
        const outcome = await applyAggregateBatch(db.client, TABLES, [change], retrying().retry);
        expect(outcome.verdicts.get(change.record)).to.equal("written");
        expect(entryOf(db.sent[1])).to.deep.include({ ConditionExpression: "attribute_not_exists(#id)", ExpressionAttributeNames: { "#id": "eventId" } });
        expect(updates(db.sent[1])).to.deep.equal(["p2 1 1"]);
      });
    }

    for (const [what, held] of [
      ["sequence", { counted: { S: "none" } }],
      ["counted", { sourceSequence: { S: "1" } }],
    ] as const) {
      it(`refuses an entry without its ${what}: not written by this projection`, async () => {
        const change = move("a", "p1", "p2", "300");
        const db = transactions(() =>
          cancelled({ Code: "ConditionalCheckFailed", Item: { eventId: { S: change.item }, ...held } }, { Code: "None" }, { Code: "None" }),
        );
        const error = await failure(applyAggregateBatch(db.client, TABLES, [change], retrying().retry));
        expect(String(error)).to.equal(`Error: the ledger entry ${change.item} has no sourceSequence or counted: it was not written by this projection`);
        expect(db.sent).to.have.length(1);
      });
    }

    it("keeps an entry that counts nothing from now when its change carries no time", async () => {
      const removed = record("REMOVE", "100", { OldImage: click("a", "p1", "1") });
      delete removed.dynamodb!.ApproximateCreationDateTime;
      const db = transactions();
      const before = Math.floor(Date.now() / 1000);
      await applyAggregateBatch(db.client, TABLES, [changeOf(removed)], retrying().retry);
      const expiresAt = Number(entryOf(db.sent[0]).Item!.expiresAt.N);
      expect(expiresAt).to.be.within(before + 2 * 86_400, Math.floor(Date.now() / 1000) + 2 * 86_400);
    });
  });

  describe("verdicts", () => {
    it("says skipped for a change that moves no group, written for one that does, and replayed for a record twice in the batch", async () => {
      const same = changeOf(record("MODIFY", "200", { OldImage: click("a", "p1", "1"), NewImage: { ...click("a", "p1", "1"), note: { S: "x" } } }));
      const moved = move("b", "p1", "p2", "201");
      const twice = { ...moved, record: { ...moved.record } };
      const db = transactions();
      const outcome = await applyAggregateBatch(db.client, TABLES, [same, moved, twice], retrying().retry);
      expect([same, moved, twice].map((c) => outcome.verdicts.get(c.record))).to.deep.equal(["skipped", "written", "replayed"]);
      expect(updates(db.sent[0])).to.deep.equal(["p2 1 1", "p1 -1 -1"]);
    });

    it("applies an item's changes by stream sequence, whatever order the batch lists them in: the newest sets what it adds", async () => {
      const changes = [move("a", "p2", "p3", "300"), move("a", "p1", "p2", "200"), insert("a", "p1", "1", "100")];
      const db = transactions();
      const outcome = await applyAggregateBatch(db.client, TABLES, changes, retrying().retry);
      expect(db.sent).to.have.length(1);
      expect(updates(db.sent[0])).to.deep.equal(["p3 1 1"]);
      expect(entryOf(db.sent[0]).Item!.sourceSequence).to.deep.equal({ S: "300".padStart(40, "0") });
      expect(changes.map((c) => outcome.verdicts.get(c.record))).to.deep.equal(["written", "written", "written"]);
    });

    it("parks the newest change of an item DynamoDB refuses, and applies the item without it (Why: one bad change held back the others)", async () => {
      const changes = [
        insert("a", "p1", "1", "100"),
        insert("b", "p1", "2", "101"),
        changeOf(record("MODIFY", "102", { OldImage: click("b", "p1", "2"), NewImage: click("b", "p-bad", "3") })),
      ];
      const refuse = (actions: TransactWriteItem[]) =>
        updates(actions).some((u) => u.startsWith("p-bad"))
          ? Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "ValidationException" })
          : undefined;
      const db = transactions(refuse);
      const outcome = await applyAggregateBatch(db.client, TABLES, changes, retrying().retry);
      expect(changes.map((c) => outcome.verdicts.get(c.record))).to.deep.equal([
        "written",
        "written",
        { park: "rejected by DynamoDB: Item size has exceeded the maximum allowed size" },
      ]);
      // The whole, its halves, then item b again without its refused change.
      expect(db.sent.map(updates)).to.deep.equal([["p1 1 1", "p-bad 1 3"], ["p1 1 1"], ["p-bad 1 3"], ["p1 1 2"]]);
      expect(outcome.failed).to.equal(undefined);
    });

    it("parks with DynamoDB's own message a change whose action a cancellation names invalid", async () => {
      const change = insert("a", "p1", "2", "100");
      const db = transactions((_, call) => (call === 1 ? cancelled({ Code: "None" }, { Code: "ValidationError", Message: "bad number" }) : undefined));
      const outcome = await applyAggregateBatch(db.client, TABLES, [change], retrying().retry);
      expect(outcome.verdicts.get(change.record)).to.deep.equal({ park: "rejected by DynamoDB: bad number" });
      expect(db.sent).to.have.length(1);
    });
  });

  describe("transactions and waves", () => {
    it("fits items that move between groups of their own 33 to a transaction: an entry and two updates each", async () => {
      const db = transactions();
      await applyAggregateBatch(
        db.client,
        TABLES,
        Array.from({ length: 40 }, (_, i) => move(`m${i}`, `from${i}`, `to${i}`, String(1_000 + i))),
        retrying().retry,
      );
      expect(db.sent.map((actions) => actions.length)).to.deep.equal([99, 21]);
    });

    it("runs up to TRANSACTIONS_IN_FLIGHT transactions at once, never two that update the same group, and keeps a group's updates in order", async () => {
      let inFlight = 0;
      const most: number[] = [];
      const order: string[] = [];
      const busy = new Set<string>();
      const overlaps: string[] = [];
      const client = {
        async send(command: { input: { TransactItems: TransactWriteItem[] } }) {
          const groups = command.input.TransactItems.filter((a) => a.Update).map((a) => a.Update!.Key!.group.S!);
          for (const g of groups) if (busy.has(g)) overlaps.push(g);
          groups.forEach((g) => busy.add(g));
          most.push(++inFlight);
          order.push(...groups.filter((g) => g === "shared"));
          await new Promise((resolve) => setTimeout(resolve, 1));
          groups.forEach((g) => busy.delete(g));
          inFlight -= 1;
          return {};
        },
      };
      // Transactions of 50 items, each alone in its group: 12 transactions apart, then 2 that share one group.
      const apart = Array.from({ length: 600 }, (_, i) => insert(`i${i}`, `g${i}`, "1", String(10_000 + i)));
      const shared = Array.from({ length: 100 }, (_, i) => insert(`s${i}`, i % 50 === 0 ? "shared" : `h${i}`, "1", String(20_000 + i)));
      const outcome = await applyAggregateBatch(client as never, TABLES, [...apart, ...shared], retrying().retry);
      expect(outcome.failed).to.equal(undefined);
      expect(Math.max(...most)).to.equal(TRANSACTIONS_IN_FLIGHT);
      expect(overlaps).to.deep.equal([]);
      expect(order).to.deep.equal(["shared", "shared"]);
    });

    it("stops after a wave in which a transaction failed, naming every record it left unapplied and none it applied", async () => {
      const changes = Array.from({ length: 150 }, (_, i) => insert(`i${i}`, i < 100 ? `g${i}` : "later", "1", String(10_000 + i)));
      const down = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      const db = transactions((_, call) => (call === 2 ? down : undefined));
      const outcome = await applyAggregateBatch(db.client, TABLES, changes, retrying().retry);
      // Three transactions in one wave: the first and third applied, the second not.
      expect(outcome.failed?.error).to.equal(down);
      expect(outcome.failed?.records).to.deep.equal(changes.slice(50, 100).map((c) => c.record));
      expect(changes.slice(0, 50).every((c) => outcome.verdicts.get(c.record) === "written")).to.equal(true);
    });

    it("stops before the next wave, and names its records unapplied", async () => {
      // Three transactions that all update group `shared`: three waves.
      const changes = Array.from({ length: 150 }, (_, i) => insert(`i${i}`, i % 50 === 0 ? "shared" : `g${i}`, "1", String(10_000 + i)));
      const down = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      const db = transactions((_, call) => (call === 2 ? down : undefined));
      const outcome = await applyAggregateBatch(db.client, TABLES, changes, retrying().retry);
      expect(db.sent).to.have.length(2);
      expect(outcome.failed?.records).to.deep.equal(changes.slice(50).map((c) => c.record));
    });
  });

  it("writes nothing for no changes", async () => {
    const db = transactions();
    expect(await applyAggregateBatch(db.client, TABLES, [] as ItemChange[], retrying().retry)).to.deep.equal({ verdicts: new Map() });
    expect(db.sent).to.deep.equal([]);
  });

  it("sends nothing for changes whose entry already holds them", async () => {
    const change = insert("a", "p1", "2", "100");
    const held = { eventId: { S: change.item }, sourceSequence: { S: change.sequence }, counted: { S: encodeCounted(change.after) } };
    const db = transactions(() => cancelled({ Code: "ConditionalCheckFailed", Item: held }, { Code: "None" }));
    const outcome = await applyAggregateBatch(db.client, TABLES, [change], retrying().retry);
    expect([db.sent.length, outcome.verdicts.get(change.record)]).to.deep.equal([1, "replayed"]);
  });
});
