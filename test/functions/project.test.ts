import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { expect } from "chai";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { aggregateChange, groupKey } from "../../functions/project/aggregate-core";
import { applyAggregate, applyIndexChange } from "../../functions/project/apply";
import { addDecimals, negateDecimal } from "../../functions/project/decimal";
import { indexChange } from "../../functions/project/index-core";
import { itemKeyText } from "../../functions/project/stream-image";
import { type AggregateSpec, type IndexSpec } from "../../functions/project/spec";
import { fixture } from "../support/kinesis";

const BY_USER: IndexSpec = { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" };
const HITS_PER_PAGE_PER_DAY: AggregateSpec = {
  kind: "aggregate",
  groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
  sums: [{ name: "hits", attribute: "Hits" }],
};
const SCORE_PER_USER: AggregateSpec = { kind: "aggregate", groupBy: ["Username"], sums: [{ name: "score", attribute: "Score" }] };

type Image = Record<string, AttributeValue>;
const click = (email: string, page: string, hits: string, at = "2026-11-26T10:00:01.250Z"): Image => ({
  useremail: { S: email },
  nanotimestamp: { S: "1764151201250000123" },
  page_id: { S: page },
  Hits: { N: hits },
  client_timestamp: { S: at },
  avatar: { B: "AAEC/w==" },
});

/** The consumer table's key of the one item these records change. */
const ANA_CLICK = {
  seqNumbershardIdHash: { S: "17_shardId-000000000000" },
  sequenceNumber: { S: "49648798411111169765201534322676841348246990350000000017" },
};

function record(
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  images: { NewImage?: Image; OldImage?: Image },
  sequence = "4421584500000000017450439091",
): DynamoDBRecord {
  return {
    eventID: `e-${sequence}`,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: { ApproximateCreationDateTime: 1764151200, SequenceNumber: sequence, Keys: ANA_CLICK, ...images },
  };
}

describe("projection function", () => {
  describe("the key of a record's item (itemKeyText)", () => {
    it("is one text for the item whether the stream (binary as base64) or a table scan (binary as bytes) gives its key, names sorted", () => {
      const live = { dynamodb: { Keys: { range: { S: "4964" }, blob: { B: "AAEC/w==" } } } } as DynamoDBRecord;
      const scanned = { dynamodb: { Keys: { blob: { B: Uint8Array.from([0, 1, 2, 255]) }, range: { S: "4964" } } } } as unknown as DynamoDBRecord;
      expect(itemKeyText(live)).to.equal('[["blob",{"B":"AAEC/w=="}],["range",{"S":"4964"}]]').and.equal(itemKeyText(scanned));
      expect([itemKeyText({ dynamodb: { Keys: {} } }), itemKeyText({})]).to.deep.equal([undefined, undefined]);
    });
  });

  describe("exact decimal sums", () => {
    it("adds and negates numbers a double cannot hold", () => {
      expect(addDecimals("12345678901234567890123456789", "1")).to.equal("12345678901234567890123456790");
      expect(addDecimals("0.1", "0.2")).to.equal("0.3");
      expect(addDecimals("1.50", "-1.5")).to.equal("0");
      expect(addDecimals("-2", "0.25")).to.equal("-1.75");
      expect(addDecimals("1e3", "1")).to.equal("1001");
      expect(negateDecimal("-0.001")).to.equal("0.001");
      expect(addDecimals("10.25", "0.25")).to.equal("10.5");
      expect(addDecimals(".5", "-2E-1")).to.equal("0.3");
      expect(negateDecimal("1e3")).to.equal("-1000");
      expect(negateDecimal("2.50")).to.equal("-2.5");
      expect(negateDecimal("0")).to.equal("0");
      for (const text of ["ten", "", ".", "-", "1x", "x1", "1e"]) expect(() => addDecimals(text, "1"), text).to.throw(`"${text}" is not a number`);
    });
  });

  describe("poison records (Why: a timestamp outside Date's range was retried forever; sums past 38 digits)", () => {
    it("parks an aggregate record whose timestamp no Date holds, naming the value, instead of throwing", () => {
      for (const when of [{ N: "1e20" }, { N: "-9e18" }, { S: "2026-13-45" }]) {
        const change = aggregateChange(
          record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), client_timestamp: when } }),
          HITS_PER_PAGE_PER_DAY,
        );
        expect(change, JSON.stringify(when)).to.deep.include({ kind: "poison" });
      }
    });

    it("parks a record whose summed attribute is there but is not a number, and sums nothing for an absent or null one", () => {
      const text = aggregateChange(record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), Hits: { S: "2" } } }), HITS_PER_PAGE_PER_DAY);
      expect(text).to.deep.equal({ kind: "poison", reason: "Hits is not a number, so it cannot be summed into hits" });
      const none = aggregateChange(record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), Hits: { NULL: true } } }), HITS_PER_PAGE_PER_DAY);
      expect(none).to.deep.equal({
        kind: "apply",
        deltas: [{ group: "p-1|2026-11-26", values: { page_id: "p-1", client_timestamp_day: "2026-11-26" }, count: 1, sums: { hits: "0" } }],
      });
    });

    it("names the timestamp it cannot place, shown up to 40 characters, and a value of another type", () => {
      const at = (when: AttributeValue) =>
        aggregateChange(record("INSERT", { NewImage: { ...click("a", "p-1", "2"), client_timestamp: when } }), HITS_PER_PAGE_PER_DAY);
      const range = "is not a time between the years -271821 and 275760";
      expect(at({ N: "1e20" })).to.deep.equal({ kind: "poison", reason: `client_timestamp = "1e20" ${range}` });
      expect(at({ S: `9${"0".repeat(44)}` })).to.deep.equal({ kind: "poison", reason: `client_timestamp = "9${"0".repeat(39)}" ${range}` });
      expect(at({ BOOL: true })).to.deep.equal({ kind: "poison", reason: "client_timestamp is not a string or number timestamp" });
      const absent = aggregateChange(record("INSERT", { NewImage: { ...click("a", "p-1", "2"), Hits: undefined as never } }), HITS_PER_PAGE_PER_DAY);
      expect(absent.kind === "apply" && absent.deltas[0].sums).to.deep.equal({ hits: "0" });
    });

    it("parks a record of an unknown event, or an INSERT without its new image", () => {
      const unknown = { ...record("INSERT", { NewImage: click("a", "p-1", "2") }), eventName: "TTL" as "INSERT" };
      expect(aggregateChange(unknown, HITS_PER_PAGE_PER_DAY)).to.deep.equal({ kind: "poison", reason: 'eventName "TTL" is not INSERT, MODIFY or REMOVE' });
      expect(aggregateChange(record("INSERT", {}), HITS_PER_PAGE_PER_DAY)).to.deep.equal({
        kind: "poison",
        reason: "INSERT without NewImage: the table's stream view type must include new images",
      });
    });

    it("parks a change to a sum that DynamoDB's ADD cannot take exactly, rather than rounding it", () => {
      const change = aggregateChange(
        record("MODIFY", { OldImage: click("ana@example.com", "p-1", "1E-100"), NewImage: click("ana@example.com", "p-1", "1E+100") }),
        HITS_PER_PAGE_PER_DAY,
      );
      expect(change).to.deep.equal({
        kind: "poison",
        reason:
          'the change to sum hits of group "p-1|2026-11-26", 999999999999999999999999999999999999999999999, has 200 significant digits; DynamoDB keeps 38',
      });
    });
  });

  describe("index", () => {
    it("puts the new image under the user's key, with the source sequence number and binary kept as bytes", () => {
      const change = indexChange(record("INSERT", { NewImage: click("ana@example.com", "p-1", "2") }), BY_USER);
      if (change.kind !== "put") throw new Error(change.kind);
      expect(change.item.useremail).to.deep.equal({ S: "ana@example.com" });
      expect(change.item.sourceSequence).to.deep.equal({ S: "0000000000004421584500000000017450439091" });
      expect(Buffer.from(change.item.avatar.B!).toString("hex")).to.equal("000102ff");
      expect(change.replaces).to.equal(undefined);
    });

    it("writes binary as bytes at any depth: in sets, maps and lists", () => {
      const image: Image = {
        ...click("ana@example.com", "p-1", "2"),
        blobs: { BS: ["AQ==", "Ag=="] },
        doc: { M: { pic: { B: "/w==" }, list: { L: [{ B: "AA==" }, { S: "x" }] } } },
      };
      const change = indexChange(record("INSERT", { NewImage: image }), BY_USER);
      if (change.kind !== "put") throw new Error(change.kind);
      expect(change.item.blobs.BS!.map((b) => Buffer.from(b).toString("hex"))).to.deep.equal(["01", "02"]);
      const doc = change.item.doc.M!;
      expect(Buffer.from(doc.pic.B!).toString("hex")).to.equal("ff");
      expect(Buffer.from(doc.list.L![0].B!).toString("hex")).to.equal("00");
      expect(doc.list.L![1]).to.deep.equal({ S: "x" });
    });

    it("copies only the projected attributes, and sets the expiry from the change's own time", () => {
      const change = indexChange(record("INSERT", { NewImage: click("ana@example.com", "p-1", "2") }), { ...BY_USER, attributes: ["page_id"], ttlDays: 30 });
      if (change.kind !== "put") throw new Error(change.kind);
      expect(Object.keys(change.item).sort()).to.deep.equal(["expiresAt", "nanotimestamp", "page_id", "sourceItem", "sourceSequence", "useremail"]);
      expect(change.item.expiresAt).to.deep.equal({ N: String(1764151200 + 30 * 86_400) });
    });

    it("sets no expiry without ttlDays, nor for a change that carries no time", () => {
      const untimed = record("INSERT", { NewImage: click("ana@example.com", "p-1", "2") });
      const never = indexChange(untimed, BY_USER);
      expect(never.kind === "put" && never.item).to.not.have.property("expiresAt");
      delete untimed.dynamodb!.ApproximateCreationDateTime;
      const timeless = indexChange(untimed, { ...BY_USER, ttlDays: 30 });
      expect(timeless.kind === "put" && timeless.item).to.not.have.property("expiresAt");
    });

    it("deletes the old index item when a MODIFY changed the key, and deletes on REMOVE", () => {
      const moved = indexChange(
        record("MODIFY", { OldImage: click("ana@example.com", "p-1", "2"), NewImage: click("ana@new.example.com", "p-1", "2") }),
        BY_USER,
      );
      expect(moved.kind === "put" && moved.replaces).to.deep.equal({ useremail: { S: "ana@example.com" }, nanotimestamp: { S: "1764151201250000123" } });
      const removed = indexChange(record("REMOVE", { OldImage: click("ana@example.com", "p-1", "2") }), BY_USER);
      expect(removed).to.deep.include({ kind: "delete", key: { useremail: { S: "ana@example.com" }, nanotimestamp: { S: "1764151201250000123" } } });
    });

    it("skips items without the index key, and parks a REMOVE it cannot place", () => {
      const anonymous = click("", "p-1", "1");
      delete anonymous.useremail;
      expect(indexChange(record("INSERT", { NewImage: anonymous }), BY_USER)).to.deep.equal({
        kind: "skip",
        why: "the item has no (or an empty) useremail and nanotimestamp",
      });
      // An empty string is no key either: DynamoDB refuses it as a key value.
      expect(indexChange(record("INSERT", { NewImage: { ...click("", "p-1", "1") } }), BY_USER)).to.include({ kind: "skip" });
      expect(indexChange(record("REMOVE", {}), BY_USER)).to.deep.include({ kind: "poison" });
    });

    it("parks or skips, each with its reason, what it cannot place", () => {
      const ana = click("ana@example.com", "p-1", "2");
      const noSequence = record("INSERT", { NewImage: ana });
      delete noSequence.dynamodb!.SequenceNumber;
      const unnamed = { ...record("INSERT", { NewImage: ana }), eventName: "TTL" as "INSERT" };
      const anonymous = click("ana@example.com", "p-1", "2");
      delete anonymous.useremail;
      const keyless = record("INSERT", { NewImage: ana });
      keyless.dynamodb!.Keys = {};
      const clashing = (name: string) => record("INSERT", { NewImage: { ...ana, [name]: { S: "theirs" } } });
      const outcomes = [
        indexChange(noSequence, BY_USER),
        indexChange(unnamed, BY_USER),
        indexChange(record("MODIFY", { OldImage: ana }), BY_USER),
        indexChange(record("REMOVE", {}), BY_USER),
        indexChange(record("REMOVE", { OldImage: anonymous }), BY_USER),
        indexChange(record("INSERT", { NewImage: anonymous }), { kind: "index", hashKey: "useremail" }),
        indexChange(keyless, BY_USER),
        indexChange(clashing("sourceItem"), BY_USER),
        indexChange(clashing("expiresAt"), { ...BY_USER, ttlDays: 30 }),
      ];
      expect(outcomes).to.deep.equal([
        { kind: "poison", reason: "the record has no SequenceNumber" },
        { kind: "poison", reason: 'eventName "TTL" is not INSERT, MODIFY or REMOVE' },
        { kind: "poison", reason: "MODIFY without NewImage: the table's stream view type must include new images" },
        { kind: "poison", reason: "REMOVE without OldImage: the table's stream view type must include old images to delete index items" },
        { kind: "skip", why: "the removed item had no index key" },
        { kind: "skip", why: "the item has no (or an empty) useremail" },
        { kind: "poison", reason: "the record has no Keys: an index item records which item of the table it copies" },
        { kind: "poison", reason: "the item has an attribute named sourceItem, which the index item sets itself: list the attributes to copy (attributes)" },
        { kind: "poison", reason: "the item has an attribute named expiresAt, which the index item sets itself: list the attributes to copy (attributes)" },
      ]);
      // Theirs to keep when the index does not set it, or copies only the attributes listed.
      expect(indexChange(clashing("expiresAt"), BY_USER)).to.include({ kind: "put" });
      expect(indexChange(clashing("sourceSequence"), { ...BY_USER, attributes: ["page_id"] })).to.include({ kind: "put" });
    });

    it("keys by the hash key alone when there is no range key; an empty binary is no key, a non-empty one is", () => {
      const byBlob: IndexSpec = { kind: "index", hashKey: "avatar", attributes: ["page_id", "absent"] };
      const put = indexChange(record("INSERT", { NewImage: click("ana@example.com", "p-1", "2") }), byBlob);
      if (put.kind !== "put") throw new Error(put.kind);
      expect(Object.keys(put.item).sort()).to.deep.equal(["avatar", "page_id", "sourceItem", "sourceSequence"]);
      expect(put.item.sourceItem).to.deep.equal({ S: JSON.stringify(Object.entries(ANA_CLICK).sort()) });
      const empty = { ...click("ana@example.com", "p-1", "2"), avatar: { B: "" } };
      expect(indexChange(record("INSERT", { NewImage: empty }), byBlob)).to.deep.equal({ kind: "skip", why: "the item has no (or an empty) avatar" });
    });

    it("replaces nothing when a MODIFY keeps the item's index key", () => {
      const same = indexChange(record("MODIFY", { OldImage: click("ana@example.com", "p-1", "2"), NewImage: click("ana@example.com", "p-9", "5") }), BY_USER);
      expect(same.kind === "put" && same).to.include({ replaces: undefined });
      expect(same.kind === "put" && same.item.page_id).to.deep.equal({ S: "p-9" });
    });

    it("still deletes the old index item when the put is a retry that finds its own write", async () => {
      const sent: string[] = [];
      const dynamodb = {
        send: async (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          if (command.constructor.name === "PutItemCommand")
            throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
          return {};
        },
      };
      const moved = indexChange(
        record("MODIFY", { OldImage: click("ana@example.com", "p-1", "2"), NewImage: click("ana@new.example.com", "p-1", "2") }),
        BY_USER,
      );
      if (moved.kind !== "put") throw new Error(moved.kind);
      expect(await applyIndexChange(dynamodb as never, { name: "by-user", expires: false }, moved)).to.equal("stale");
      expect(sent).to.deep.equal(["PutItemCommand", "DeleteItemCommand"]);
    });

    it("indexes the fixture's records by their Id", () => {
      const event = fixture<DynamoDBStreamEvent>("dynamodb-stream.json");
      const changes = event.Records.map((r) => indexChange(r, { kind: "index", hashKey: "Id" }));
      expect(changes.map((c) => c.kind)).to.deep.equal(["put", "put"]);
    });
  });

  describe("aggregate", () => {
    it("adds an INSERT to its page and day: one hit record, its hits", () => {
      const change = aggregateChange(record("INSERT", { NewImage: click("ana@example.com", "p-1", "3") }), HITS_PER_PAGE_PER_DAY);
      expect(change).to.deep.equal({
        kind: "apply",
        deltas: [{ group: "p-1|2026-11-26", values: { page_id: "p-1", client_timestamp_day: "2026-11-26" }, count: 1, sums: { hits: "3" } }],
      });
    });

    it("applies the difference on a MODIFY within one group, and moves the record on a MODIFY across groups", () => {
      const same = aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("a", "p-1", "5") }), HITS_PER_PAGE_PER_DAY);
      expect(same.kind === "apply" && same.deltas).to.deep.equal([
        { group: "p-1|2026-11-26", values: { page_id: "p-1", client_timestamp_day: "2026-11-26" }, count: 0, sums: { hits: "2" } },
      ]);
      const moved = aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("a", "p-2", "3") }), HITS_PER_PAGE_PER_DAY);
      expect(moved.kind === "apply" && moved.deltas.map((d) => [d.group, d.count, d.sums.hits])).to.deep.equal([
        ["p-2|2026-11-26", 1, "3"],
        ["p-1|2026-11-26", -1, "-3"],
      ]);
    });

    it("takes a REMOVE away, and drops a MODIFY that changes nothing aggregated", () => {
      const removed = aggregateChange(record("REMOVE", { OldImage: click("a", "p-1", "3") }), HITS_PER_PAGE_PER_DAY);
      expect(removed.kind === "apply" && removed.deltas.map((d) => [d.count, d.sums.hits])).to.deep.equal([[-1, "-3"]]);
      const unchanged = aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("b", "p-1", "3") }), HITS_PER_PAGE_PER_DAY);
      expect(unchanged).to.deep.equal({ kind: "apply", deltas: [] });
    });

    it("parks a MODIFY without the old image: the stream must carry NEW_AND_OLD_IMAGES", () => {
      const event = fixture<DynamoDBStreamEvent>("dynamodb-stream.json");
      const modify = { ...event.Records[1], dynamodb: { ...event.Records[1].dynamodb, OldImage: undefined } };
      expect(aggregateChange(modify, SCORE_PER_USER)).to.deep.equal({
        kind: "poison",
        reason: "MODIFY without OldImage: aggregates need the stream view type NEW_AND_OLD_IMAGES to take the old values away",
      });
    });

    it("sums the game-scores tutorial's scores per user, leaving out records with no user", () => {
      const score = (user: string | undefined, points: string): Image => ({
        RecordID: { N: "1" },
        ...(user ? { Username: { S: user } } : {}),
        Score: { N: points },
      });
      const change = aggregateChange(record("INSERT", { NewImage: score("Jane Doe", "90") }), SCORE_PER_USER);
      expect(change.kind === "apply" && change.deltas[0]).to.deep.include({ group: "Jane Doe", count: 1, sums: { score: "90" } });
      expect(aggregateChange(record("INSERT", { NewImage: score(undefined, "10") }), SCORE_PER_USER)).to.deep.equal({ kind: "apply", deltas: [] });
    });

    it("cuts a timestamp to its hour, day or month, from ISO text, epoch seconds or epoch milliseconds", () => {
      const cut = (when: AttributeValue, period: "hour" | "day" | "month") => {
        const change = aggregateChange(record("INSERT", { NewImage: { ...click("a", "p-1", "2"), client_timestamp: when } }), {
          kind: "aggregate",
          groupBy: [{ attribute: "client_timestamp", period }],
        });
        return change.kind === "apply" ? change.deltas[0].group : change.reason;
      };
      expect(["hour", "day", "month"].map((period) => cut({ S: "2026-11-26T10:00:01.250Z" }, period as "hour"))).to.deep.equal([
        "2026-11-26T10",
        "2026-11-26",
        "2026-11",
      ]);
      expect(cut({ N: "1764151201" }, "hour")).to.equal("2025-11-26T10");
      expect(cut({ N: "1764151201250" }, "hour")).to.equal("2025-11-26T10");
      // Below 1e11 a number is seconds (1e11 s is the year 5138), from 1e11 on milliseconds.
      expect(cut({ N: "99999999999" }, "month")).to.equal("5138-11");
      expect(cut({ N: "100000000000" }, "month")).to.equal("1973-03");
      // Why: years past 9999 were cut at fixed offsets, so +275760-09 became the month "+275760".
      expect(["hour", "day", "month"].map((period) => cut({ N: "8640000000000000" }, period as "hour"))).to.deep.equal([
        "+275760-09-13T00",
        "+275760-09-13",
        "+275760-09",
      ]);
    });

    it("keeps a MODIFY that changes one sum of several within its group", () => {
      const two: AggregateSpec = {
        kind: "aggregate",
        groupBy: ["page_id"],
        sums: [
          { name: "hits", attribute: "Hits" },
          { name: "pages", attribute: "Pages" },
        ],
      };
      const image = (hits: string) => ({ ...click("a", "p-1", hits), Pages: { N: "1" } });
      const change = aggregateChange(record("MODIFY", { OldImage: image("2"), NewImage: image("5") }), two);
      expect(change.kind === "apply" && change.deltas).to.deep.equal([{ group: "p-1", values: { page_id: "p-1" }, count: 0, sums: { hits: "3", pages: "0" } }]);
    });

    it("counts records per group when no sums are configured", () => {
      const countOnly: AggregateSpec = { kind: "aggregate", groupBy: ["page_id"] };
      expect(aggregateChange(record("INSERT", { NewImage: click("a", "p-1", "3") }), countOnly)).to.deep.equal({
        kind: "apply",
        deltas: [{ group: "p-1", values: { page_id: "p-1" }, count: 1, sums: {} }],
      });
      const moved = aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("a", "p-2", "5") }), countOnly);
      expect(moved.kind === "apply" && moved.deltas.map((d) => [d.group, d.count])).to.deep.equal([
        ["p-2", 1],
        ["p-1", -1],
      ]);
      expect(aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("a", "p-1", "5") }), countOnly)).to.deep.equal({
        kind: "apply",
        deltas: [],
      });
    });

    it("writes each group under the key `group`, counting into `count`, with the record's eventID in the ledger, in one transaction", async () => {
      const sent: { input: unknown }[] = [];
      const dynamodb = { send: async (command: { input: unknown }) => void sent.push(command) };
      const insert = record("INSERT", { NewImage: click("a", "p-1", "3") });
      const change = aggregateChange(insert, HITS_PER_PAGE_PER_DAY);
      if (change.kind !== "apply") throw new Error(change.kind);
      const retry = { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 };
      expect(
        await applyAggregate(
          dynamodb as never,
          { target: "hits", ledger: "ledger", ledgerTtlDays: 2, countedEntriesExpire: false },
          insert,
          change.deltas,
          retry,
        ),
      ).to.equal("applied");
      expect(sent.map((c) => c.input)).to.deep.equal([
        {
          TransactItems: [
            {
              Put: {
                TableName: "ledger",
                Item: {
                  eventId: { S: "e-4421584500000000017450439091" },
                  sequenceNumber: { S: "4421584500000000017450439091" },
                  expiresAt: { N: String(1764151200 + 2 * 86_400) },
                },
                ConditionExpression: "attribute_not_exists(#id)",
                ExpressionAttributeNames: { "#id": "eventId" },
              },
            },
            {
              Update: {
                TableName: "hits",
                Key: { group: { S: "p-1|2026-11-26" } },
                UpdateExpression: "ADD #count :count, #s0 :s0 SET #g0 = :g0, #g1 = :g1",
                ExpressionAttributeNames: { "#count": "count", "#s0": "hits", "#g0": "page_id", "#g1": "client_timestamp_day" },
                ExpressionAttributeValues: { ":count": { N: "1" }, ":s0": { N: "3" }, ":g0": { S: "p-1" }, ":g1": { S: "2026-11-26" } },
              },
            },
          ],
        },
      ]);
    });

    it("keeps group keys unambiguous when values hold the separator", () => {
      expect(groupKey(["a|b", "c"])).to.not.equal(groupKey(["a", "b|c"]));
      expect(groupKey(["a|b", "c\\"])).to.equal("a\\|b|c\\\\");
    });
  });
});
