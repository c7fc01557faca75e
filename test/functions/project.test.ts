import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { expect } from "chai";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { aggregateChange, groupKey } from "../../functions/project/aggregate-core";
import { applyIndexChange } from "../../functions/project/apply";
import { addDecimals, negateDecimal } from "../../functions/project/decimal";
import { indexChange } from "../../functions/project/index-core";
import { type AggregateSpec, type IndexSpec } from "../../functions/project/spec";
import { fixture } from "../support/kinesis";

const BY_USER: IndexSpec = { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" };
const HITS_PER_PAGE_PER_DAY: AggregateSpec = { kind: "aggregate", groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }], sums: [{ name: "hits", attribute: "Hits" }] };
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

function record(eventName: "INSERT" | "MODIFY" | "REMOVE", images: { NewImage?: Image; OldImage?: Image }, sequence = "4421584500000000017450439091"): DynamoDBRecord {
  return { eventID: `e-${sequence}`, eventName, eventSource: "aws:dynamodb", dynamodb: { ApproximateCreationDateTime: 1764151200, SequenceNumber: sequence, Keys: {}, ...images } };
}

describe("projection function", () => {
  describe("exact decimal sums", () => {
    it("adds and negates numbers a double cannot hold", () => {
      expect(addDecimals("12345678901234567890123456789", "1")).to.equal("12345678901234567890123456790");
      expect(addDecimals("0.1", "0.2")).to.equal("0.3");
      expect(addDecimals("1.50", "-1.5")).to.equal("0");
      expect(addDecimals("-2", "0.25")).to.equal("-1.75");
      expect(addDecimals("1e3", "1")).to.equal("1001");
      expect(negateDecimal("-0.001")).to.equal("0.001");
      expect(() => addDecimals("ten", "1")).to.throw(/"ten" is not a number/);
    });
  });

  describe("poison records (Why: a timestamp outside Date's range was retried forever; sums past 38 digits)", () => {
    it("parks an aggregate record whose timestamp no Date holds, naming the value, instead of throwing", () => {
      for (const when of [{ N: "1e20" }, { N: "-9e18" }, { S: "2026-13-45" }]) {
        const change = aggregateChange(record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), client_timestamp: when } }), HITS_PER_PAGE_PER_DAY);
        expect(change, JSON.stringify(when)).to.deep.include({ kind: "poison" });
      }
    });

    it("parks a record whose summed attribute is there but is not a number, and sums nothing for an absent or null one", () => {
      const text = aggregateChange(record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), Hits: { S: "2" } } }), HITS_PER_PAGE_PER_DAY);
      expect(text).to.deep.equal({ kind: "poison", reason: "Hits is not a number, so it cannot be summed into hits" });
      const none = aggregateChange(record("INSERT", { NewImage: { ...click("ana@example.com", "p-1", "2"), Hits: { NULL: true } } }), HITS_PER_PAGE_PER_DAY);
      expect(none).to.deep.equal({ kind: "apply", deltas: [{ group: "p-1|2026-11-26", values: { page_id: "p-1", client_timestamp_day: "2026-11-26" }, count: 1, sums: { hits: "0" } }] });
    });

    it("parks a change to a sum that DynamoDB's ADD cannot take exactly, rather than rounding it", () => {
      const change = aggregateChange(record("MODIFY", { OldImage: click("ana@example.com", "p-1", "1E-100"), NewImage: click("ana@example.com", "p-1", "1E+100") }), HITS_PER_PAGE_PER_DAY);
      expect(change).to.deep.equal({ kind: "poison", reason: 'the change to sum hits of group "p-1|2026-11-26", 999999999999999999999999999999999999999999999, has 200 significant digits; DynamoDB keeps 38' });
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

    it("copies only the projected attributes, and sets the expiry from the change's own time", () => {
      const change = indexChange(record("INSERT", { NewImage: click("ana@example.com", "p-1", "2") }), { ...BY_USER, attributes: ["page_id"], ttlDays: 30 });
      if (change.kind !== "put") throw new Error(change.kind);
      expect(Object.keys(change.item).sort()).to.deep.equal(["expiresAt", "nanotimestamp", "page_id", "sourceSequence", "useremail"]);
      expect(change.item.expiresAt).to.deep.equal({ N: String(1764151200 + 30 * 86_400) });
    });

    it("deletes the old index item when a MODIFY changed the key, and deletes on REMOVE", () => {
      const moved = indexChange(record("MODIFY", { OldImage: click("ana@example.com", "p-1", "2"), NewImage: click("ana@new.example.com", "p-1", "2") }), BY_USER);
      expect(moved.kind === "put" && moved.replaces).to.deep.equal({ useremail: { S: "ana@example.com" }, nanotimestamp: { S: "1764151201250000123" } });
      const removed = indexChange(record("REMOVE", { OldImage: click("ana@example.com", "p-1", "2") }), BY_USER);
      expect(removed).to.deep.include({ kind: "delete", key: { useremail: { S: "ana@example.com" }, nanotimestamp: { S: "1764151201250000123" } } });
    });

    it("skips items without the index key, and parks a REMOVE it cannot place", () => {
      const anonymous = click("", "p-1", "1");
      delete anonymous.useremail;
      expect(indexChange(record("INSERT", { NewImage: anonymous }), BY_USER)).to.deep.equal({ kind: "skip", why: "the item has no (or an empty) useremail and nanotimestamp" });
      // An empty string is no key either: DynamoDB refuses it as a key value.
      expect(indexChange(record("INSERT", { NewImage: { ...click("", "p-1", "1") } }), BY_USER)).to.include({ kind: "skip" });
      expect(indexChange(record("REMOVE", {}), BY_USER)).to.deep.include({ kind: "poison" });
    });

    it("still deletes the old index item when the put is a retry that finds its own write", async () => {
      const sent: string[] = [];
      const dynamodb = {
        send: async (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          if (command.constructor.name === "PutItemCommand") throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
          return {};
        },
      };
      const moved = indexChange(record("MODIFY", { OldImage: click("ana@example.com", "p-1", "2"), NewImage: click("ana@new.example.com", "p-1", "2") }), BY_USER);
      if (moved.kind !== "put") throw new Error(moved.kind);
      expect(await applyIndexChange(dynamodb as never, "by-user", moved)).to.equal("stale");
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
      expect(same.kind === "apply" && same.deltas).to.deep.equal([{ group: "p-1|2026-11-26", values: { page_id: "p-1", client_timestamp_day: "2026-11-26" }, count: 0, sums: { hits: "2" } }]);
      const moved = aggregateChange(record("MODIFY", { OldImage: click("a", "p-1", "3"), NewImage: click("a", "p-2", "3") }), HITS_PER_PAGE_PER_DAY);
      expect(moved.kind === "apply" && moved.deltas.map((d) => [d.group, d.count, d.sums.hits])).to.deep.equal([["p-2|2026-11-26", 1, "3"], ["p-1|2026-11-26", -1, "-3"]]);
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

    it("sums seed 004's scores per user, leaving out records with no user", () => {
      const score = (user: string | undefined, points: string): Image => ({ RecordID: { N: "1" }, ...(user ? { Username: { S: user } } : {}), Score: { N: points } });
      const change = aggregateChange(record("INSERT", { NewImage: score("Jane Doe", "90") }), SCORE_PER_USER);
      expect(change.kind === "apply" && change.deltas[0]).to.deep.include({ group: "Jane Doe", count: 1, sums: { score: "90" } });
      expect(aggregateChange(record("INSERT", { NewImage: score(undefined, "10") }), SCORE_PER_USER)).to.deep.equal({ kind: "apply", deltas: [] });
    });

    it("keeps group keys unambiguous when values hold the separator", () => {
      expect(groupKey(["a|b", "c"])).to.not.equal(groupKey(["a", "b|c"]));
      expect(groupKey(["a|b", "c\\"])).to.equal("a\\|b|c\\\\");
    });
  });
});
