import { expect } from "chai";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { decodeRecord, dedupHashKey, MAX_ITEM_BYTES, shardIdFromEventId, type DecodedRecord, type PoisonRecord } from "../../functions/ingest/core";
import { AttributeConverter } from "../../functions/ingest/attribute-values";
import { EXPIRES_AT } from "../../functions/shared/dedup-key";
import { itemSizeBytes } from "../../functions/ingest/item-size";
import { click, fixture, kinesisRecord, sequenceNumber } from "../support/kinesis";

const decoded = (outcome: ReturnType<typeof decodeRecord>): DecodedRecord => {
  if (!outcome.ok) throw new Error(`expected a good record, got ${outcome.reason}: ${outcome.detail}`);
  return outcome;
};
const poisoned = (outcome: ReturnType<typeof decodeRecord>): PoisonRecord => {
  if (outcome.ok) throw new Error("expected a poison record");
  return outcome;
};

describe("ingest core", () => {
  describe("the dedup key (the cross-account replication design's rule)", () => {
    it("joins the sequence number's characters at -3 and -2 to the shard id", () => {
      expect(dedupHashKey("49648798411111169765201534322676841348246990356337393698", "shardId-000000000000")).to.equal("69_shardId-000000000000");
    });

    it("takes the shard id from the record's eventID", () => {
      expect(shardIdFromEventId("shardId-000000000006:49590338271490256608559692538361571095921575989136588898")).to.equal("shardId-000000000006");
    });

    it("gives a redelivered record the same key and the same item", () => {
      const record = kinesisRecord(click(1), sequenceNumber(1));
      expect(decodeRecord(structuredClone(record))).to.deep.equal(decodeRecord(structuredClone(record)));
    });
  });

  describe("the fixtures AWS delivers", () => {
    it("decodes the one-record Kinesis event into an item keyed by its sequence number and shard", () => {
      const event = fixture<KinesisStreamEvent>("kinesis-stream-one-record.json");
      const { item, itemKey } = decoded(decodeRecord(event.Records[0]));
      expect(unmarshall(item)).to.deep.equal({
        message: "test message",
        username: "test",
        sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        shardId: "shardId-000000000006",
        seqNumbershardIdHash: "89_shardId-000000000006",
        approximateArrivalTimestamp: 1545084650.987,
      });
      expect(itemKey).to.equal("89_shardId-000000000006|49590338271490256608559692538361571095921575989136588898");
    });

    it("decodes every DynamoDB change record carried through Kinesis, keeping nested images and null fields", () => {
      const event = fixture<KinesisStreamEvent>("kinesis-dynamodb-stream.json");
      for (const record of event.Records) {
        const item = unmarshall(decoded(decodeRecord(record)).item);
        expect(item.eventName).to.equal("INSERT");
        expect(item.dynamodb).to.have.property("NewImage");
        expect(item.userIdentity).to.equal(null);
        expect(item.sequenceNumber).to.equal(record.kinesis.sequenceNumber);
      }
    });
  });

  describe("the expiry", () => {
    it("writes dedupExpiresAt, a Number of epoch seconds, from the record's arrival in Kinesis plus the window, counted in the item's size", () => {
      const event = fixture<KinesisStreamEvent>("kinesis-stream-one-record.json");
      const outcome = decoded(decodeRecord(event.Records[0], { expireAfterSeconds: 86_400 }));
      // The fixture arrived at 1545084650.987: the whole second, then a day.
      expect(outcome.item[EXPIRES_AT]).to.deep.equal({ N: "1545171050" });
      expect(outcome.bytes).to.equal(itemSizeBytes(outcome.item));
      expect(outcome.bytes - decoded(decodeRecord(event.Records[0])).bytes).to.equal(EXPIRES_AT.length + 6);
    });

    it("writes no expiry when items never expire", () => {
      const { item } = decoded(decodeRecord(kinesisRecord(click(1), sequenceNumber(1))));
      expect(item).not.to.have.property(EXPIRES_AT);
    });

    it("gives a redelivered record the same expiry, whenever it is delivered again", () => {
      const record = kinesisRecord(click(2), sequenceNumber(2));
      expect(decodeRecord(structuredClone(record), { expireAfterSeconds: 7 * 86_400 })).to.deep.equal(
        decodeRecord(structuredClone(record), { expireAfterSeconds: 7 * 86_400 }),
      );
    });

    it("parks a record whose arrival time is not epoch seconds, whether items expire or not", () => {
      for (const options of [{}, { expireAfterSeconds: 86_400 }]) {
        const record = kinesisRecord(click(3), sequenceNumber(3));
        (record.kinesis as { approximateArrivalTimestamp: unknown }).approximateArrivalTimestamp = "yesterday";
        expect(poisoned(decodeRecord(record, options))).to.include({
          reason: "bad-envelope",
          detail: 'kinesis.approximateArrivalTimestamp "yesterday" is not epoch seconds',
        });
      }
    });
  });

  describe("attributes", () => {
    it("keeps null and empty-string fields at every depth (the cross-account replication design dropped top-level ones), and false, 0 and nested values", () => {
      const item = unmarshall(decoded(decodeRecord(kinesisRecord({ a: null, b: "", c: false, d: 0, e: { f: null, g: "" } }, sequenceNumber(2)))).item);
      expect(item).to.include({ a: null, b: "", c: false, d: 0 });
      expect(item.e).to.deep.equal({ f: null, g: "" });
    });
  });

  describe("numbers", () => {
    it("keeps every digit of an integer past 2^53, such as a nanosecond timestamp", () => {
      const record = kinesisRecord('{"nanotimestamp": 1706616477123456789, "sequence_id": "12345678901234567890", "ratio": 0.25}', sequenceNumber(8));
      const { item } = decoded(decodeRecord(record));
      expect(item.nanotimestamp).to.deep.equal({ N: "1706616477123456789" });
      expect(item.sequence_id).to.deep.equal({ S: "12345678901234567890" });
      expect(item.ratio).to.deep.equal({ N: "0.25" });
    });

    it("parks a long-number payload whose number DynamoDB cannot hold", () => {
      const outcome = poisoned(decodeRecord(kinesisRecord('{"id": 1706616477123456789, "huge": 1e400}', sequenceNumber(9))));
      expect(outcome.reason).to.equal("number-out-of-range");
      expect(outcome.detail).to.match(/payload\.huge = 1e400/);
    });
  });

  describe("poison records", () => {
    const cases: [string, Parameters<typeof kinesisRecord>[0], string, RegExp][] = [
      ["data that is not JSON (base64 of Hello World)", "Hello World", "not-json", /not JSON/],
      ["bytes that are not UTF-8", Buffer.from([0xff, 0xfe, 0xfd]), "not-utf8", /not UTF-8/],
      ["a JSON array", [1, 2], "not-an-object", /an array, not a JSON object/],
      ["a JSON number", "42", "not-an-object", /number, not a JSON object/],
      ["JSON null", "null", "not-an-object", /null, not a JSON object/],
      ["a payload carrying the range key", { sequenceNumber: "1" }, "reserved-attribute", /"sequenceNumber" collides/],
      ["a payload carrying the hash key", { seqNumbershardIdHash: "x" }, "reserved-attribute", /"seqNumbershardIdHash" collides/],
      ["a payload carrying the expiry", { dedupExpiresAt: 1 }, "reserved-attribute", /"dedupExpiresAt" collides/],
      ["a field with an empty name", { "": 1 }, "invalid-attribute-name", /empty name/],
      ["a number DynamoDB cannot hold", { big: 1e200 }, "number-out-of-range", /payload\.big = 1e\+200/],
      ["an item over 400 KB", { blob: "x".repeat(410 * 1024) }, "item-too-large", /over DynamoDB's 409600-byte limit/],
    ];
    for (const [what, payload, reason, detail] of cases) {
      it(`parks ${what} as ${reason}, with its reason`, () => {
        const outcome = poisoned(decodeRecord(kinesisRecord(payload, sequenceNumber(3))));
        expect(outcome.reason).to.equal(reason);
        expect(outcome.detail).to.match(detail);
      });
    }

    it("parks data that is not base64", () => {
      const record = kinesisRecord(click(1), sequenceNumber(4));
      record.kinesis.data = "not base64!";
      expect(poisoned(decodeRecord(record)).reason).to.equal("not-base64");
    });

    it("parks a record whose eventID carries no shard id", () => {
      const record = kinesisRecord(click(1), sequenceNumber(5));
      record.eventID = "garbage";
      expect(poisoned(decodeRecord(record))).to.include({ reason: "bad-envelope" });
    });

    it("names the envelope's fault: an eventID that is not a shard id and a sequence number, a sequence number that is not digits", () => {
      const envelope = (eventID: string, seq: string) => {
        const record = kinesisRecord(click(1), seq);
        record.eventID = eventID;
        return poisoned(decodeRecord(record));
      };
      const seq = sequenceNumber(5);
      for (const eventID of [`xshardId-000000000000:${seq}`, `shardId-000000000000x:${seq}`, `shardId-:${seq}`]) {
        expect(envelope(eventID, seq), eventID).to.include({ reason: "bad-envelope", detail: `eventID "${eventID}" does not start with a shard id` });
      }
      for (const bad of ["12", "a123", "123a"]) {
        expect(envelope(`shardId-000000000000:${bad}`, bad), bad).to.include({
          reason: "bad-envelope",
          detail: `sequence number "${bad}" is not a Kinesis sequence number`,
        });
      }
      expect(dedupHashKey("123", "shardId-7")).to.equal("12_shardId-7");
    });

    it("says what a payload is when it is not an object", () => {
      for (const [payload, kind] of [
        ["null", "null"],
        ["[1]", "an array"],
        ["42", "a number"],
        ['"text"', "a string"],
        ["true", "a boolean"],
      ]) {
        expect(poisoned(decodeRecord(kinesisRecord(payload, sequenceNumber(7)))).detail, payload).to.equal(`payload is ${kind}, not a JSON object`);
      }
      const record = kinesisRecord(click(1), sequenceNumber(4));
      record.kinesis.data = "not base64!";
      expect(poisoned(decodeRecord(record)).detail).to.equal("kinesis.data is not base64");
    });

    it("writes an item of exactly 400 KB, and parks one a byte over", () => {
      const sized = (blob: string) => decodeRecord(kinesisRecord({ blob }, sequenceNumber(6)));
      const base = itemSizeBytes(decoded(sized("")).item);
      expect(itemSizeBytes(decoded(sized("x".repeat(MAX_ITEM_BYTES - base))).item)).to.equal(MAX_ITEM_BYTES);
      expect(poisoned(sized("x".repeat(MAX_ITEM_BYTES - base + 1)))).to.include({
        reason: "item-too-large",
        detail: `item is ${MAX_ITEM_BYTES + 1} bytes, over DynamoDB's 409600-byte limit`,
      });
    });

    it("accepts an item just under 400 KB", () => {
      expect(decodeRecord(kinesisRecord({ blob: "x".repeat(390 * 1024) }, sequenceNumber(6))).ok).to.equal(true);
    });

    it("fails on a fault of its own rather than parking the record as bad data", () => {
      const attribute = AttributeConverter.prototype.attribute;
      AttributeConverter.prototype.attribute = () => {
        throw new TypeError("a bug");
      };
      try {
        expect(() => decodeRecord(kinesisRecord(click(1), sequenceNumber(7)))).to.throw(TypeError, "a bug");
      } finally {
        AttributeConverter.prototype.attribute = attribute;
      }
    });
  });
});
