import { expect } from "chai";
import * as fc from "fast-check";
import { decodeRecord, RESERVED_ATTRIBUTES, type DecodedRecord } from "../../functions/ingest/core";
import { EXPIRES_AT } from "../../functions/shared/dedup-key";
import { itemSizeBytes } from "../../functions/ingest/item-size";
import { anyKey, anyValue, write } from "../support/json-values";
import { kinesisRecord, sequenceNumber } from "../support/kinesis";
import { propertySettings } from "../support/property";

/** The same JSON text with every non-ASCII character written as a `\u` escape, as some producers send it. */
const asciiEscaped = (text: string) => text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

const decoded = (text: string): DecodedRecord => {
  const outcome = decodeRecord(kinesisRecord(text, sequenceNumber(7)));
  if (!outcome.ok) throw new Error(`parked as ${outcome.reason}: ${outcome.detail}`);
  return outcome;
};

describe("decodeRecord counts an item's size while it builds it", () => {
  const payload = fc
    .uniqueArray(fc.tuple(anyKey, anyValue()), { maxLength: 6, selector: ([key]) => key })
    .map((pairs) => ({ pairs: pairs.filter(([key]) => !(RESERVED_ATTRIBUTES as readonly string[]).includes(key)) }));

  it("as itemSizeBytes counts the finished item, for any payload, sent as UTF-8 or as ASCII with \\u escapes", () => {
    fc.assert(
      fc.property(payload, (written) => {
        const text = write(written);
        const raw = decoded(text);
        const escaped = decoded(asciiEscaped(text));
        expect(raw.bytes).to.equal(itemSizeBytes(raw.item));
        expect(escaped.item).to.deep.equal(raw.item);
        expect(escaped.bytes).to.equal(raw.bytes);
      }),
      propertySettings(300),
    );
  });

  it("writes, for any arrival time and any window, the arrival's whole second plus the window as dedupExpiresAt, and counts it", () => {
    // Arrivals from 1970 to past 2100, with milliseconds as Kinesis gives them; windows from a second to ten years.
    const arrival = fc.tuple(fc.integer({ min: 0, max: 4_200_000_000 }), fc.integer({ min: 0, max: 999 })).map(([s, ms]) => s + ms / 1000);
    fc.assert(
      fc.property(payload, arrival, fc.integer({ min: 1, max: 10 * 366 * 86_400 }), (written, arrivedAt, window) => {
        const record = kinesisRecord(write(written), sequenceNumber(9));
        record.kinesis.approximateArrivalTimestamp = arrivedAt;
        const outcome = decodeRecord(record, { expireAfterSeconds: window });
        if (!outcome.ok) throw new Error(`parked as ${outcome.reason}: ${outcome.detail}`);
        const expiry = outcome.item[EXPIRES_AT].N!;
        expect(expiry).to.match(/^\d+$/);
        expect(Number(expiry) - window).to.equal(Math.floor(arrivedAt));
        expect(Number(expiry) - window).to.be.within(arrivedAt - 1, arrivedAt);
        expect(outcome.bytes).to.equal(itemSizeBytes(outcome.item));
      }),
      propertySettings(300),
    );
  });

  it("counts a character escaped as \\u by its UTF-8 bytes, not by the escape's length", () => {
    expect(decoded('{"e": "\\u00e9"}').bytes).to.equal(decoded('{"e": "é"}').bytes);
    expect(decoded('{"e": "\\u00e9"}').bytes - decoded('{"e": "e"}').bytes).to.equal(1);
  });

  it("parks a lone surrogate escaped in an otherwise ASCII payload", () => {
    const outcome = decodeRecord(kinesisRecord('{"a": {"b": "x\\ud800"}}', sequenceNumber(8)));
    expect(outcome).to.include({ ok: false, reason: "invalid-string" });
  });
});
