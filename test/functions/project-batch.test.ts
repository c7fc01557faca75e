import { ConditionalCheckFailedException, TransactionCanceledException, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { expect } from "chai";
import { applyAggregateBatch } from "../../functions/project/aggregate-batch";
import { applyIndexBatch } from "../../functions/project/index-batch";
import { indexChange } from "../../functions/project/index-core";
import { encodeCounted, itemChange, planItem, type ItemChange } from "../../functions/project/item-state";
import { NO_EVENT_ID } from "../../functions/project/apply";
import { projectBatch } from "../../functions/project/project-batch";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { type AggregateSpec, type IndexSpec } from "../../functions/project/spec";
import { fixture } from "../support/kinesis";
import { BY_PAGE, changeOf, click, HITS, record, TABLES } from "../support/projection-records";

const RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };

describe("projection batches: per item state and per key writes", () => {
  describe("an item's ledger entry", () => {
    it("writes what the item adds as one text, whatever text its numbers had", () => {
      const a = changeOf(record("INSERT", "10", { NewImage: click("a", "p1", "1.50") }));
      const b = changeOf(record("INSERT", "11", { NewImage: click("a", "p1", "15E-1") }));
      expect(encodeCounted(a.after)).to.equal('["p1",{"page":"p1"},{"hits":"1.5"}]').and.equal(encodeCounted(b.after));
      expect(encodeCounted(undefined)).to.equal("none");
    });

    it("applies a MODIFY or REMOVE by its new state alone: without an old image, or with one that could not be placed", () => {
      const modify = itemChange(record("MODIFY", "12", { NewImage: click("a", "p2", "3") }), "item:a", HITS);
      expect(modify).to.deep.include({ after: { group: "p2", values: { page: "p2" }, sums: { hits: "3" } }, before: undefined });
      const remove = itemChange(record("REMOVE", "13", { OldImage: { ...click("a", "p2", "3"), hits: { S: "x" } } }), "item:a", HITS);
      expect(remove).to.deep.include({ after: undefined, before: undefined });
      expect(itemChange(record("MODIFY", "14", { NewImage: { ...click("a", "p2", "3"), hits: { S: "x" } } }), "item:a", HITS)).to.deep.equal({
        problem: "hits is not a number, so it cannot be summed into hits",
      });
      const noSequence = record("INSERT", "15", { NewImage: click("a", "p2", "3") });
      delete noSequence.dynamodb!.SequenceNumber;
      expect(itemChange(noSequence, "item:a", HITS)).to.deep.equal({ problem: "the record has no SequenceNumber" });
    });

    it("moves the item from what its entry says it adds to its newest change's state, and leaves out changes not newer than the entry", () => {
      const changes = [
        changeOf(record("INSERT", "100", { NewImage: click("a", "p1", "1") })),
        changeOf(record("MODIFY", "200", { OldImage: click("a", "p1", "1"), NewImage: click("a", "p1", "4") })),
        changeOf(record("MODIFY", "300", { OldImage: click("a", "p1", "4"), NewImage: click("a", "p2", "5") })),
      ];
      const plan = planItem(changes, { kind: "entry", sequence: changes[1].sequence, counted: encodeCounted(changes[1].after) });
      expect(plan.replayed).to.deep.equal(changes.slice(0, 2));
      expect(plan.applied).to.deep.equal(changes.slice(2));
      expect(plan.deltas.map((d) => [d.group, d.count, d.sums.hits])).to.deep.equal([
        ["p2", 1, "5"],
        ["p1", -1, "-4"],
      ]);
      expect(plan.entry).to.deep.equal({ sequence: changes[2].sequence, counted: '["p2",{"page":"p2"},{"hits":"5"}]', changedAt: 1764151200 });
      const replay = planItem(changes, { kind: "entry", sequence: changes[2].sequence, counted: "none" });
      expect([replay.applied, replay.deltas, replay.entry]).to.deep.equal([[], [], undefined]);
    });

    it("writes no entry for a backfilled item that adds nothing, but does for a live change that adds nothing (a later backfill must not count the item)", () => {
      const backfilled = changeOf(record("INSERT", "0", { NewImage: click("a", undefined, "1") }));
      const nothing = planItem([backfilled], { kind: "absent" });
      expect([nothing.applied, nothing.deltas, nothing.entry]).to.deep.equal([[backfilled], [], undefined]);
      const removed = changeOf(record("REMOVE", "500", { OldImage: click("a", "p1", "1") }));
      expect(planItem([removed], { kind: "absent" }).entry).to.deep.include({ counted: "none" });
    });
  });

  describe("aggregate transactions", () => {
    it("learns from the cancellation reasons what an entry holds, drops the item's replayed changes and writes the rest again", async () => {
      const a = changeOf(record("INSERT", "100", { NewImage: click("a", "p1", "2") }));
      const b = changeOf(record("INSERT", "101", { NewImage: click("b", "p1", "3") }));
      const sent: TransactWriteItem[][] = [];
      const dynamodb = {
        send: async (command: { input: { TransactItems: TransactWriteItem[] } }) => {
          sent.push(command.input.TransactItems);
          if (sent.length > 1) return {};
          // Item a's entry already holds this very change: the record is a replay.
          const held = { eventId: { S: a.item }, sourceSequence: { S: a.sequence }, counted: { S: encodeCounted(a.after) } };
          throw new TransactionCanceledException({
            message: "cancelled",
            $metadata: {},
            CancellationReasons: [{ Code: "ConditionalCheckFailed", Item: held }, { Code: "None" }, { Code: "None" }],
          });
        },
      };
      const outcome = await applyAggregateBatch(dynamodb as never, TABLES, [a, b], RETRY);
      expect(outcome.failed).to.equal(undefined);
      expect([...outcome.verdicts.values()]).to.deep.equal(["replayed", "written"]);
      expect(sent[0].map((i) => Object.keys(i)[0])).to.deep.equal(["Put", "Put", "Update"]);
      expect(sent[0][0].Put!.ConditionExpression).to.equal("attribute_not_exists(#id) OR (#seq < :first AND #counted = :counted)");
      // The entry of an item that counts lives as long as the item counts.
      expect(sent[0][0].Put!.Item).to.deep.equal({
        eventId: { S: a.item },
        sourceSequence: { S: a.sequence },
        counted: { S: '["p1",{"page":"p1"},{"hits":"2"}]' },
      });
      expect(sent[0][2].Update!.ExpressionAttributeValues).to.deep.include({ ":count": { N: "2" }, ":s0": { N: "5" } });
      expect(sent[1].map((i) => i.Put?.Item?.eventId.S ?? i.Update!.Key!.group.S)).to.deep.equal([b.item, "p1"]);
      expect(sent[1][1].Update!.ExpressionAttributeValues).to.deep.include({ ":count": { N: "1" }, ":s0": { N: "3" } });
    });

    it("checks an entry DynamoDB described exactly, and gives up after the attempts when it keeps changing under it", async () => {
      const a = changeOf(record("MODIFY", "100", { OldImage: click("a", "p1", "2"), NewImage: click("a", "p1", "7") }));
      const sent: TransactWriteItem[][] = [];
      let version = 0;
      const dynamodb = {
        send: async (command: { input: { TransactItems: TransactWriteItem[] } }) => {
          sent.push(command.input.TransactItems);
          version += 1;
          const held = {
            eventId: { S: a.item },
            sourceSequence: { S: String(version).padStart(40, "0") },
            counted: { S: encodeCounted({ group: "p1", values: { page: "p1" }, sums: { hits: String(version) } }) },
          };
          throw new TransactionCanceledException({
            message: "cancelled",
            $metadata: {},
            CancellationReasons: [{ Code: "ConditionalCheckFailed", Item: held }, { Code: "None" }],
          });
        },
      };
      const outcome = await applyAggregateBatch(dynamodb as never, TABLES, [a], RETRY);
      expect(outcome.failed?.records).to.deep.equal([a.record]);
      // The guess, then what DynamoDB said twice more, once per attempt left.
      expect(sent).to.have.length(4);
      expect(sent[1][0].Put).to.deep.include({ ConditionExpression: "#seq = :seq AND #counted = :counted" });
      expect(sent[1][0].Put!.ExpressionAttributeValues).to.deep.equal({
        ":seq": { S: "1".padStart(40, "0") },
        ":counted": { S: '["p1",{"page":"p1"},{"hits":"1"}]' },
      });
      expect(sent[1][1].Update!.ExpressionAttributeValues).to.deep.include({ ":count": { N: "0" }, ":s0": { N: "6" } });
    });

    it("cuts a batch into transactions of at most 100 actions and 4 MB", async () => {
      const cuts = async (changes: ItemChange[]) => {
        const sizes: { actions: number; bytes: number }[] = [];
        const dynamodb = {
          send: async (command: { input: { TransactItems: TransactWriteItem[] } }) =>
            void sizes.push({ actions: command.input.TransactItems.length, bytes: JSON.stringify(command.input.TransactItems).length }),
        };
        expect((await applyAggregateBatch(dynamodb as never, TABLES, changes, RETRY)).failed).to.equal(undefined);
        return sizes;
      };
      // 150 items over 30 groups: 70 entries and 30 updates fill a transaction.
      const many = await cuts(
        Array.from({ length: 150 }, (_, i) => changeOf(record("INSERT", String(1_000 + i), { NewImage: click(`j${i}`, `p${i % 30}`, "1") }))),
      );
      expect(many.map((s) => s.actions)).to.deep.equal([100, 100, 20]);
      // 40 items on pages named by 40 KB each: 80 actions, but far more than 4 MB.
      const big = await cuts(
        Array.from({ length: 40 }, (_, i) => changeOf(record("INSERT", String(100 + i), { NewImage: click(`i${i}`, `${i}`.padEnd(40_000, "p"), "1") }))),
      );
      expect(big.length).to.be.greaterThan(1);
      expect(Math.max(...big.map((s) => s.bytes))).to.be.at.most(4 * 1024 * 1024);
    });

    it("keeps the entry of a removed item (so that a replay or a late backfill does not count it again) until ledgerTtlDays after the change", async () => {
      const sent: TransactWriteItem[][] = [];
      const dynamodb = { send: async (command: { input: { TransactItems: TransactWriteItem[] } }) => void sent.push(command.input.TransactItems) };
      const removed = changeOf(record("REMOVE", "100", { OldImage: click("a", "p1", "2") }));
      expect((await applyAggregateBatch(dynamodb as never, TABLES, [removed], RETRY)).verdicts.get(removed.record)).to.equal("written");
      expect(sent[0][0].Put!.Item).to.deep.include({ counted: { S: "none" }, expiresAt: { N: String(1764151200 + 2 * 86_400) } });
      expect(sent[0][0].Put!.ConditionExpression).to.equal("#seq < :first AND #counted = :counted");
    });

    it("keeps the entry of an item that counts for good, unless the table's items expire: then ledgerTtlDays after its last change (Why: entries of expired items piled up forever)", async () => {
      const entryOf = async (tables: typeof TABLES) => {
        const sent: TransactWriteItem[][] = [];
        const dynamodb = { send: async (command: { input: { TransactItems: TransactWriteItem[] } }) => void sent.push(command.input.TransactItems) };
        await applyAggregateBatch(dynamodb as never, tables, [changeOf(record("INSERT", "100", { NewImage: click("a", "p1", "2") }))], RETRY);
        return sent[0][0].Put!.Item!;
      };
      expect(await entryOf(TABLES)).to.not.have.property("expiresAt");
      expect(await entryOf({ ...TABLES, countedEntriesExpire: true })).to.deep.include({ expiresAt: { N: String(1764151200 + 2 * 86_400) } });
    });
  });

  describe("index writes", () => {
    const put = (id: string, page: string | undefined, hits: string, sequence: string) => {
      const r = record("INSERT", sequence, { NewImage: click(id, page, hits) });
      return { record: r, change: indexChange(r, BY_PAGE) as never };
    };

    it("deletes the index item of an item that lost its index key (Why: a MODIFY without the key was skipped, leaving the old item)", () => {
      const change = indexChange(record("MODIFY", "9", { OldImage: click("a", "p1", "1"), NewImage: click("a", undefined, "1") }), BY_PAGE);
      expect(change).to.deep.equal({ kind: "delete", key: { page: { S: "p1" }, id: { S: "a" } }, sequence: "9", owner: '[["id",{"S":"a"}]]' });
    });

    it("writes only each key's newest change, and parks a change DynamoDB refuses, writing the key's next newest instead", async () => {
      const sent: { name: string; hits?: string }[] = [];
      const dynamodb = {
        send: async (command: { constructor: { name: string }; input: { Item?: Record<string, { N?: string }> } }) => {
          const hits = command.input.Item?.hits.N;
          sent.push({ name: command.constructor.name, hits });
          if (hits === "3") throw Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "ValidationException" });
          if (hits === "9") throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
          return {};
        },
      };
      const changes = [put("a", "p1", "1", "10"), put("a", "p1", "2", "20"), put("a", "p1", "3", "30"), put("b", "p1", "9", "40")];
      const outcome = await applyIndexBatch(dynamodb as never, "by-page", BY_PAGE, changes);
      expect(sent.map((s) => s.hits).sort()).to.deep.equal(["2", "3", "9"]);
      expect(changes.map((c) => outcome.verdicts.get(c.record))).to.deep.equal([
        "written",
        "written",
        { park: "rejected by DynamoDB: Item size has exceeded the maximum allowed size" },
        "replayed",
      ]);
      expect(outcome.failed).to.equal(undefined);
    });

    it("leaves every record of a key whose write failed unapplied", async () => {
      const dynamodb = { send: async () => Promise.reject(Object.assign(new Error("socket hang up"), { name: "TimeoutError" })) };
      const changes = [put("a", "p1", "1", "10"), put("a", "p1", "2", "20")];
      const outcome = await applyIndexBatch(dynamodb as never, "by-page", BY_PAGE, changes);
      expect(outcome.failed?.records).to.deep.equal(changes.map((c) => c.record));
      expect(outcome.failed?.error).to.have.property("message", "socket hang up");
    });

    it("leaves a key's other items unapplied after one's write failed: the order between them decides which keeps the key", async () => {
      const byPageAlone: IndexSpec = { kind: "index", hashKey: "page" };
      const sent: string[] = [];
      const dynamodb = {
        send: async (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        },
      };
      const leaving = record("REMOVE", "10", { OldImage: click("a", "p1", "1") });
      const taking = record("INSERT", "11", { NewImage: click("b", "p1", "2") });
      const changes = [leaving, taking].map((r) => ({ record: r, change: indexChange(r, byPageAlone) as never }));
      const outcome = await applyIndexBatch(dynamodb as never, "by-page", byPageAlone, changes);
      expect(sent).to.deep.equal(["DeleteItemCommand"]);
      expect(outcome.failed?.records).to.have.members([leaving, taking]);
    });

    describe("on a key items share (an index keyed by page alone)", () => {
      const byPageAlone: IndexSpec = { kind: "index", hashKey: "page" };
      const holder = '[["id",{"S":"b"}]]';
      const heldBy = (key: string) => `the index item under {"page":{"S":"${key}"}} copies another item of the table (${holder})`;
      const changesOf = (...records: DynamoDBRecord[]) => records.map((r) => ({ record: r, change: indexChange(r, byPageAlone) as never }));
      const parkedAs = { park: `${heldBy("p1")}: an index holds one item per key, so choose index keys that identify one item` };
      /**
       * DynamoDB as the condition answers, sequence numbers aside: a write finds another item's copy
       * under its key refused, with that copy. Item b's copy holds the pages `held` at first. Each
       * write sent, as `command page` and a put's item id.
       */
      const holding = (...held: string[]) => {
        const owners = new Map(held.map((page) => [page, holder]));
        const sent: string[] = [];
        const send = async (command: {
          constructor: { name: string };
          input: { Item?: Record<string, { S?: string }>; Key?: Record<string, { S?: string }>; ExpressionAttributeValues: Record<string, { S?: string }> };
        }) => {
          const { Item, Key, ExpressionAttributeValues } = command.input;
          const page = (Item ?? Key!).page.S!;
          const owner = ExpressionAttributeValues[":owner"].S!;
          sent.push(`${command.constructor.name.replace("ItemCommand", "")} ${page}${Item ? ` ${Item.id.S}` : ""}`);
          const holds = owners.get(page);
          if (holds !== undefined && holds !== owner)
            throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, Item: { sourceItem: { S: holds } } });
          if (Item) owners.set(page, owner);
          else owners.delete(page);
          return {};
        };
        return { sent, dynamodb: { send } as never };
      };

      it("parks the put made onto a key another item's copy holds, an item moving onto it included, and skips that item's older changes and removals there", async () => {
        const { sent, dynamodb } = holding("p1");
        const removed = record("REMOVE", "10", { OldImage: click("a", "p1", "1") });
        const back = record("INSERT", "20", { NewImage: click("a", "p1", "2") });
        const again = record("MODIFY", "25", { OldImage: click("a", "p1", "2"), NewImage: click("a", "p1", "5") });
        const moved = record("MODIFY", "30", { OldImage: click("c", "p2", "1"), NewImage: click("c", "p1", "3") });
        const movedAgain = record("MODIFY", "35", { OldImage: click("c", "p1", "3"), NewImage: click("c", "p1", "8") });
        const passing = record("INSERT", "40", { NewImage: click("d", "p1", "4") });
        const gone = record("MODIFY", "50", { OldImage: click("d", "p1", "4"), NewImage: click("d", "p3", "4") });
        const neverThere = record("REMOVE", "60", { OldImage: click("f", "p1", "1") });
        const records = [removed, back, again, moved, movedAgain, passing, gone, neverThere];
        const outcome = await applyIndexBatch(dynamodb, "by-page", byPageAlone, changesOf(...records));
        expect(sent.sort(), "each item's newest write per key").to.deep.equal(["Delete p1", "Delete p1", "Delete p2", "Put p1 a", "Put p1 c", "Put p3 d"]);
        expect(records.map((r) => outcome.verdicts.get(r))).to.deep.equal([
          { skip: `${heldBy("p1")}, not this one` },
          { skip: `${heldBy("p1")}; this item's newest change to it is parked` },
          parkedAs,
          { skip: `${heldBy("p1")}; this item's newest change to it is parked` },
          parkedAs,
          { skip: `${heldBy("p1")}, not this one` },
          "written",
          { skip: `${heldBy("p1")}, not this one` },
        ]);
      });

      it("writes to the index table, letting another item take over an expired copy only where the index's items expire (ttlDays)", async () => {
        for (const [spec, expiryClause] of [
          [byPageAlone, false],
          [{ ...byPageAlone, ttlDays: 7 }, true],
        ] as const) {
          const inputs: { TableName?: string; ConditionExpression?: string }[] = [];
          const dynamodb = { send: async (command: { input: (typeof inputs)[number] }) => (inputs.push(command.input), {}) };
          const r = record("INSERT", "10", { NewImage: click("a", "p1", "1") });
          await applyIndexBatch(dynamodb as never, "clicks-by-page", spec, [{ record: r, change: indexChange(r, spec) as never }]);
          expect(inputs.map((i) => [i.TableName, i.ConditionExpression!.endsWith(" OR (#expires < :now AND #owner <> :owner)")])).to.deep.equal([
            ["clicks-by-page", expiryClause],
          ]);
        }
      });

      it("writes a key's items one after another as the stream made their changes: those leaving it first, then those taking it, first claim first", async () => {
        const { sent, dynamodb } = holding();
        const records = {
          eClaims: record("INSERT", "3", { NewImage: click("e", "p1", "1") }),
          dTakes: record("INSERT", "5", { NewImage: click("d", "p1", "1") }),
          eLeaves: record("REMOVE", "8", { OldImage: click("e", "p1", "1") }),
          bClaims: record("INSERT", "10", { NewImage: click("b", "p1", "2") }),
          dLeaves: record("MODIFY", "15", { OldImage: click("d", "p1", "1"), NewImage: click("d", "p2", "1") }),
          cClaims: record("INSERT", "20", { NewImage: click("c", "p1", "3") }),
          bChanges: record("MODIFY", "30", { OldImage: click("b", "p1", "2"), NewImage: click("b", "p1", "6") }),
          eClaimsAgain: record("INSERT", "40", { NewImage: click("e", "p1", "7") }),
          tTakes: record("INSERT", "11", { NewImage: click("t", "p5", "1") }),
          mClaims: record("INSERT", "12", { NewImage: click("m", "p5", "1") }),
          mMovesAway: record("MODIFY", "13", { OldImage: click("m", "p5", "1"), NewImage: click("m", "p6", "1") }),
        };
        const outcome = await applyIndexBatch(dynamodb, "by-page", byPageAlone, changesOf(...Object.values(records)));
        expect(sent.filter((s) => s.includes(" p1"))).to.deep.equal(["Delete p1", "Put p1 b", "Put p1 c", "Put p1 e"]);
        expect(
          sent.filter((s) => s.includes(" p5")),
          "an item moving away leaves first",
        ).to.deep.equal(["Delete p5", "Put p5 t"]);
        expect(Object.fromEntries(Object.entries(records).map(([name, r]) => [name, outcome.verdicts.get(r)]))).to.deep.equal({
          eClaims: {
            skip: `the index item under {"page":{"S":"p1"}} copies another item of the table ([["id",{"S":"b"}]]); this item's newest change to it is parked`,
          },
          dTakes: "written",
          eLeaves: { skip: `the index item under {"page":{"S":"p1"}} copies another item of the table ([["id",{"S":"b"}]]), not this one` },
          bClaims: "written",
          dLeaves: "written",
          cClaims: parkedAs,
          bChanges: "written",
          eClaimsAgain: parkedAs,
          tTakes: "written",
          mClaims: "written",
          mMovesAway: "written",
        });
      });
    });

    /** Each write sent, as `command key-page/key-id hits`. */
    const recording = () => {
      const sent: string[] = [];
      const send = async (command: {
        constructor: { name: string };
        input: { Item?: Record<string, { S?: string; N?: string }>; Key?: Record<string, { S?: string }> };
      }) => {
        const key = command.input.Item ?? command.input.Key!;
        sent.push(`${command.constructor.name.replace("ItemCommand", "")} ${key.page.S}/${key.id.S} ${command.input.Item?.hits.N ?? "-"}`);
        return {};
      };
      return { sent, dynamodb: { send } as never };
    };
    const change = (r: DynamoDBRecord) => ({ record: r, change: indexChange(r, BY_PAGE) as never });

    it("writes a key's newest change whatever order the batch lists its changes in", async () => {
      for (const order of [
        ["20", "30", "10"],
        ["30", "10", "20"],
        ["10", "20", "30"],
      ]) {
        const { sent, dynamodb } = recording();
        await applyIndexBatch(
          dynamodb,
          "by-page",
          BY_PAGE,
          order.map((seq) => put("a", "p1", seq, seq)),
        );
        expect(sent, order.join()).to.deep.equal(["Put p1/a 30"]);
      }
    });

    it("deletes the key of a removed item, and the old key of an item whose index key changed", async () => {
      const { sent, dynamodb } = recording();
      const removed = change(record("REMOVE", "10", { OldImage: click("a", "p1", "1") }));
      const moved = change(record("MODIFY", "11", { OldImage: click("b", "p1", "1"), NewImage: click("b", "p2", "2") }));
      const outcome = await applyIndexBatch(dynamodb, "by-page", BY_PAGE, [removed, moved]);
      expect(sent.sort()).to.deep.equal(["Delete p1/a -", "Delete p1/b -", "Put p2/b 2"]);
      expect([outcome.verdicts.get(removed.record), outcome.verdicts.get(moved.record)]).to.deep.equal(["written", "written"]);
    });
  });
});

describe("a whole batch (projectBatch)", () => {
  const written = () => {
    const sent: string[] = [];
    return { sent, dynamodb: { send: async (command: { constructor: { name: string } }) => void sent.push(command.constructor.name) } };
  };
  const deps = (spec: AggregateSpec | IndexSpec, dynamodb: object, lines: { message: string; extra?: Record<string, unknown> }[] = []) => ({
    dynamodb: dynamodb as never,
    s3: { send: async () => ({}) } as never,
    deadLetterBucket: "dead-letters",
    spec,
    tables: TABLES,
    retry: RETRY,
    log: {
      info: (message: string, extra?: Record<string, unknown>) => void lines.push({ message, extra }),
      warn: (message: string, extra?: Record<string, unknown>) => void lines.push({ message, extra }),
    },
  });

  it("takes AWS's TTL expiry for no delete: an index keeps its item, an aggregate its counts; each counted as expired (Why: expiry blanked the analytics history)", async () => {
    const expiry = fixture<DynamoDBStreamEvent>("dynamodb-stream-ttl-expiry.json");
    for (const spec of [{ kind: "index", hashKey: "Id" } as IndexSpec, { kind: "aggregate", groupBy: ["Message"] } as AggregateSpec]) {
      const { sent, dynamodb } = written();
      const outcome = await projectBatch(expiry, deps(spec, dynamodb));
      expect(outcome.counts, spec.kind).to.include({ received: 1, expired: 1, written: 0, parked: 0 });
      expect(sent, spec.kind).to.deep.equal([]);
    }
    // The same REMOVE made by a user is a delete.
    const { sent, dynamodb } = written();
    const userRemove = { ...expiry.Records[0], userIdentity: undefined };
    expect((await projectBatch({ Records: [userRemove] }, deps({ kind: "index", hashKey: "Id" }, dynamodb))).counts).to.include({ expired: 0, written: 1 });
    expect(sent).to.deep.equal(["DeleteItemCommand"]);
  });

  /** A parking bucket that keeps what it is given, by key. */
  const bucket = () => {
    const parked = new Map<string, { reason: string; detail: string }>();
    return {
      parked,
      s3: { send: async (command: { input: { Key: string; Body: string } }) => void parked.set(command.input.Key, JSON.parse(command.input.Body)) } as never,
    };
  };
  const keyless = (sequence: string, page: string | undefined, hits: string): DynamoDBRecord => {
    const r = record("INSERT", sequence, { NewImage: click(sequence, page, hits) });
    delete r.dynamodb!.Keys;
    return r;
  };
  const projectWith = async (
    spec: AggregateSpec | IndexSpec,
    records: DynamoDBRecord[],
    send: (command: { constructor: { name: string } }) => Promise<unknown>,
  ) => {
    const lines: { message: string; extra?: Record<string, unknown> }[] = [];
    const { parked, s3 } = bucket();
    const outcome = await projectBatch({ Records: records }, { ...deps(spec, { send }, lines), s3 });
    const parkedReasons = [...parked.values()].map((p) => p.detail);
    return { outcome, lines, parkedReasons };
  };

  it("applies a keyless record's change alone, once per eventID: written, replayed, skipped or parked with why", async () => {
    const sent: string[] = [];
    const send = async (command: { constructor: { name: string }; input: { TransactItems: TransactWriteItem[] } }) => {
      const ledger = command.input.TransactItems[0].Put!.Item!.eventId.S!;
      sent.push(ledger);
      if (ledger === "e-2")
        throw new TransactionCanceledException({
          message: "cancelled",
          $metadata: {},
          CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }],
        });
      if (ledger === "e-3") throw Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "ValidationException" });
      return {};
    };
    const records = [
      keyless("1", "p1", "1"),
      keyless("2", "p1", "1"),
      keyless("3", "p1", "1"),
      keyless("4", undefined, "1"),
      keyless("5", "p1", "x"),
      { ...keyless("6", "p1", "1"), eventID: undefined },
    ];
    records[4].dynamodb!.NewImage!.hits = { N: "x" };
    const { outcome, lines, parkedReasons } = await projectWith(HITS, records, send as never);
    const counts = { received: 6, written: 1, replayed: 1, skipped: 1, parked: 3, expired: 0, failed: 0 };
    expect(outcome.counts).to.deep.equal(counts);
    expect(sent).to.deep.equal(["e-1", "e-2", "e-3"]);
    expect(parkedReasons[0]).to.equal("rejected by DynamoDB: Item size has exceeded the maximum allowed size");
    expect(parkedReasons[1]).to.match(/^cannot be projected: /);
    expect(parkedReasons[2]).to.equal(NO_EVENT_ID);
    expect(lines.at(-1)).to.deep.equal({ message: "projection batch done", extra: counts });
  });

  it("parks an aggregate's record it cannot place, with why, and applies the others", async () => {
    const sent: string[] = [];
    const poison = record("INSERT", "100", { NewImage: { ...click("a", "p1", "1"), hits: { S: "1" } } });
    const good = record("INSERT", "101", { NewImage: click("b", "p1", "1") });
    const { outcome, parkedReasons } = await projectWith(HITS, [poison, good], async (command) => void sent.push(command.constructor.name));
    expect(outcome.counts).to.include({ written: 1, parked: 1 });
    expect(sent).to.deep.equal(["TransactWriteItemsCommand"]);
    expect(parkedReasons).to.deep.equal(["hits is not a number, so it cannot be summed into hits"]);
  });

  it("parks an index's record it cannot place, with why", async () => {
    const removed = record("REMOVE", "100", { OldImage: click("a", "p1", "1") });
    delete removed.dynamodb!.OldImage;
    const { outcome, parkedReasons, lines } = await projectWith(BY_PAGE, [removed], async () => ({}));
    expect(outcome.counts).to.include({ parked: 1, skipped: 0 });
    expect(parkedReasons).to.deep.equal(["REMOVE without OldImage: the table's stream view type must include old images to delete index items"]);
    expect(lines.filter((l) => l.message === LOG_MESSAGES.skippedRecord)).to.deep.equal([]);
  });

  it("when a write fails, asks Lambda to retry from the earliest record it left unapplied, and counts only those before it", async () => {
    for (const failing of ["e-2", "e-3"]) {
      const down = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      const send = async (command: { input: { TransactItems: TransactWriteItem[] } }) => {
        if (command.input.TransactItems[0].Put!.Item!.eventId.S === failing) throw down;
        return {};
      };
      // A keyed record, then keyless ones, which are applied after the keyed.
      const records = [keyless("1", "p1", "1"), record("INSERT", "5", { NewImage: click("k", "p1", "1") }), keyless("2", "p1", "1"), keyless("3", "p1", "1")];
      const { outcome, lines } = await projectWith(HITS, records, send as never);
      const from = failing === "e-2" ? "2" : "3";
      expect(outcome.batchItemFailures, failing).to.deep.equal([{ itemIdentifier: from }]);
      expect(outcome.counts, failing).to.include({ written: failing === "e-2" ? 2 : 3, failed: 1 });
      expect(lines.find((l) => l.message === "projection failed, the batch will be retried from this record")?.extra).to.include({
        error: "TimeoutError: socket hang up",
      });
    }
  });

  it("asks Lambda to retry from the first record when the keyed writes fail, the keyless ones never tried", async () => {
    const sent: string[] = [];
    const send = async (command: { input: { TransactItems: TransactWriteItem[] } }) => {
      sent.push(command.input.TransactItems[0].Put!.Item!.eventId.S!);
      throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    };
    const { outcome } = await projectWith(HITS, [keyless("1", "p1", "1"), record("INSERT", "5", { NewImage: click("k", "p1", "1") })], send as never);
    expect(outcome.batchItemFailures).to.deep.equal([{ itemIdentifier: "1" }]);
    expect(outcome.counts).to.include({ written: 0, failed: 1 });
    expect(sent).to.have.length(1);
  });

  it("logs each record an index skips with why, and counts it (Why: skipped records left no trace)", async () => {
    const lines: { message: string; extra?: Record<string, unknown> }[] = [];
    const anonymous = record("INSERT", "100", { NewImage: click("a", undefined, "1") });
    const outcome = await projectBatch({ Records: [anonymous] }, deps(BY_PAGE, written().dynamodb, lines));
    expect(outcome.counts).to.include({ skipped: 1, written: 0 });
    expect(lines).to.deep.include({
      message: LOG_MESSAGES.skippedRecord,
      extra: { reason: "the item has no (or an empty) page and id", sequenceNumber: "100" },
    });
  });
});
