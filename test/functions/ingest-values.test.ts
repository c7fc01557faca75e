import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import * as fc from "fast-check";
import { decodeRecord, type DecodedRecord, type PoisonRecord } from "../../functions/ingest/core";
import { anyKey } from "../support/json-values";
import { kinesisRecord, sequenceNumber } from "../support/kinesis";
import { propertySettings } from "../support/property";

/** The ingest side of the value contract (README, "The value contract"): each value exactly, or the record parked with its reason. */
const item = (json: string): Record<string, AttributeValue> => {
  const outcome = decodeRecord(kinesisRecord(json, sequenceNumber(1)));
  if (!outcome.ok) throw new Error(`parked as ${outcome.reason}: ${outcome.detail}`);
  return (outcome as DecodedRecord).item;
};
const parked = (json: string): PoisonRecord => {
  const outcome = decodeRecord(kinesisRecord(json, sequenceNumber(2)));
  if (outcome.ok) throw new Error(`written as ${JSON.stringify(outcome.item)}`);
  return outcome;
};

describe("ingest keeps every value exactly, or parks the record with its reason", () => {
  describe('"" and null (Why: top-level "" and null were dropped, so "" arrived in MySQL as NULL)', () => {
    it('keeps a top-level "" as an empty string and a top-level null as NULL, like nested ones', () => {
      const stored = item('{"a": "", "b": null, "c": {"d": "", "e": null}, "f": ["", null]}');
      expect(stored.a).to.deep.equal({ S: "" });
      expect(stored.b).to.deep.equal({ NULL: true });
      expect(stored.c).to.deep.equal({ M: { d: { S: "" }, e: { NULL: true } } });
      expect(stored.f).to.deep.equal({ L: [{ S: "" }, { NULL: true }] });
    });
  });

  describe("numbers (Why: long decimals were rounded, 1e-400 became 0, 1E+125 and 1e21 were parked)", () => {
    it("stores a decimal with more than 15 significant digits split by the point with every digit", () => {
      expect(item('{"d": 1234567890.1234567891}').d).to.deep.equal({ N: "1234567890.1234567891" });
      expect(item('{"d": -0.12345678901234567890123456789012345678}').d).to.deep.equal({ N: "-0.12345678901234567890123456789012345678" });
    });

    it("stores large numbers DynamoDB can hold: 1E+125, 1e21, 38 digits", () => {
      expect(item('{"a": 1E+125, "b": 1e21, "c": 12345678901234567890123456789012345678}')).to.deep.include({
        a: { N: "1E+125" },
        b: { N: "1e21" },
        c: { N: "12345678901234567890123456789012345678" },
      });
      expect(item('{"smallest": 1E-130, "largest": 9.9999999999999999999999999999999999999E+125}').smallest).to.deep.equal({ N: "1E-130" });
    });

    it("parks a number below DynamoDB's range (1e-400) instead of storing 0", () => {
      const outcome = parked('{"tiny": 1e-400}');
      expect(outcome.reason).to.equal("number-out-of-range");
      expect(outcome.detail).to.equal("payload.tiny = 1e-400 is below DynamoDB's smallest magnitude, 1E-130");
    });

    it("parks numbers above the range or past 38 significant digits, naming the field, at any depth", () => {
      expect(parked('{"a": {"b": [1, 1E+126]}}')).to.include({
        reason: "number-out-of-range",
        detail: "payload.a.b[1] = 1E+126 is above DynamoDB's largest magnitude, 9.99…E+125",
      });
      expect(parked('{"n": 123456789012345678901234567890123456789}')).to.include({ reason: "number-too-precise" });
    });

    it("keeps zero however it is written", () => {
      expect(item('{"a": 0, "b": -0, "c": 0.0, "d": 0E-999}')).to.deep.include({ a: { N: "0" }, b: { N: "-0" }, c: { N: "0.0" }, d: { N: "0E-999" } });
    });
  });

  describe("field names that are JavaScript internals (Why: nested objects became [object Object], __proto__ contents became top-level)", () => {
    it("stores __proto__ and constructor as attributes like any other, at any depth", () => {
      const stored = item('{"__proto__": {"x": 1}, "constructor": {"a": "b"}, "n": {"constructor": 1, "__proto__": "s", "toString": null}}');
      expect(Object.keys(stored)).to.include.members(["__proto__", "constructor", "n"]);
      expect(stored).not.to.have.property("x");
      expect(Object.getOwnPropertyDescriptor(stored, "__proto__")?.value).to.deep.equal({ M: { x: { N: "1" } } });
      expect(stored.constructor).to.deep.equal({ M: { a: { S: "b" } } });
      expect(Object.getOwnPropertyDescriptor(stored.n.M!, "__proto__")?.value).to.deep.equal({ S: "s" });
      expect(stored.n.M!.constructor).to.deep.equal({ N: "1" });
      expect(stored.n.M!.toString).to.deep.equal({ NULL: true });
    });

    it("gives the same item whether or not the record also holds a long number", () => {
      const plain = item('{"constructor": {"a": "b"}}');
      const withLongNumber = item('{"constructor": {"a": "b"}, "id": 1706616477123456789}');
      expect(withLongNumber.constructor).to.deep.equal(plain.constructor);
    });
  });

  describe("duplicate keys (Why: written or parked depending on unrelated digits)", () => {
    it("parks an object with a key given twice, at any depth, whatever else the record holds", () => {
      for (const json of [
        '{"a": 1, "a": 2}',
        '{"a": 1, "a": 1}',
        '{"a": 1, "a": 2, "id": 1706616477123456789}',
        '{"x": {"b": 1, "b": 2}}',
        '{"x": [{"b": 1, "b": 2}]}',
      ]) {
        expect(parked(json).reason, json).to.equal("duplicate-key");
      }
      expect(parked('{"x": [{"b": 1, "b": 2}]}').detail).to.equal('payload: the object at x.0 holds the key "b" twice');
    });
  });

  describe("text", () => {
    it("keeps any Unicode, NUL and control characters, and a leading byte order mark inside a value", () => {
      const value = "\u0000\u0001\t\u001f Zoë 東京 🚀 \ufeff";
      expect(item(JSON.stringify({ s: value })).s).to.deep.equal({ S: value });
    });

    it("parks a string holding a lone surrogate escape, which is not Unicode text and DynamoDB would store as U+FFFD", () => {
      expect(parked('{"s": "a\\ud800b"}')).to.include({
        reason: "invalid-string",
        detail: "payload.s holds a lone UTF-16 surrogate (an escape such as \\ud800), which is not Unicode text",
      });
    });

    it("parks a payload starting with a byte order mark: that is not JSON text", () => {
      expect(parked('\ufeff{"a": 1}').reason).to.equal("not-json");
    });
  });

  it("parks a document nested deeper than DynamoDB's 32 levels", () => {
    const deep = `{"a": ${"[".repeat(32)}1${"]".repeat(32)}}`;
    expect(parked(deep).reason).to.equal("nested-too-deep");
    expect(item(`{"a": ${"[".repeat(31)}1${"]".repeat(31)}}`)).to.have.property("a");
    const mapsDeep = (levels: number) => `{"a": ${'{"b": '.repeat(levels)}1${"}".repeat(levels)}}`;
    expect(parked(mapsDeep(32))).to.include({ reason: "nested-too-deep", detail: `payload.a${".b".repeat(31)} is nested deeper than DynamoDB's 32 levels` });
    expect(item(mapsDeep(31))).to.have.property("a");
  });

  it("parks a nested field with an empty name or a lone surrogate in its name, naming where", () => {
    expect(parked('{"a": {"": 1}}')).to.include({
      reason: "invalid-attribute-name",
      detail: "payload.a has a field with an empty name, which DynamoDB refuses",
    });
    expect(parked('{"a": [{"\\udc00": 1}]}')).to.include({
      reason: "invalid-string",
      detail: "a key in payload.a[0] holds a lone UTF-16 surrogate, which is not Unicode text",
    });
  });

  describe("field names at every depth (Why: a top-level name with a lone surrogate reached MySQL, the same name nested was parked)", () => {
    /** A lone surrogate put somewhere into a name; next to the name's own characters it never makes a pair, as they hold none alone. */
    const loneSurrogateName = fc
      .tuple(fc.oneof(anyKey, fc.constant("")), fc.integer({ min: 0xd800, max: 0xdfff }), fc.oneof(anyKey, fc.constant("")))
      .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`);
    const name = fc.oneof(anyKey, fc.constant(""), loneSurrogateName);
    /** The containers from the payload down to the object holding the name: `field` an object's field `f`, `item` an array's first element (never the payload's own). */
    const path = fc.array(fc.constantFrom("field", "item"), { maxLength: 6 }).map((steps) => (steps.length ? ["field", ...steps.slice(1)] : []));
    /** Does UTF-8 keep the text? A lone surrogate is the one thing it cannot (it becomes U+FFFD): an oracle apart from the code's own check. */
    const isUnicode = (text: string) => Buffer.from(text, "utf8").toString("utf8") === text;

    it("parks a name with a lone surrogate as invalid-string and an empty name as invalid-attribute-name, at the top as nested, and keeps every other name", () => {
      fc.assert(
        fc.property(name, path, (key, steps) => {
          let value: unknown = { [key]: 7 };
          for (const step of [...steps].reverse()) value = step === "field" ? { f: value } : [value];
          const where = `payload${steps.map((step) => (step === "field" ? ".f" : "[0]")).join("")}`;
          // JSON.stringify writes a lone surrogate as its \u escape, as a producer's JSON would.
          const outcome = decodeRecord(kinesisRecord(JSON.stringify({ top: 1, ...(value as object) }), sequenceNumber(3)));
          if (!isUnicode(key)) {
            expect(outcome).to.include({
              ok: false,
              reason: "invalid-string",
              detail: `a key in ${where} holds a lone UTF-16 surrogate, which is not Unicode text`,
            });
          } else if (key === "") {
            expect(outcome).to.include({
              ok: false,
              reason: "invalid-attribute-name",
              detail: `${where} has a field with an empty name, which DynamoDB refuses`,
            });
          } else {
            if (!outcome.ok) throw new Error(`parked as ${outcome.reason}: ${outcome.detail}`);
            let stored: AttributeValue = { M: outcome.item };
            for (const step of steps) stored = step === "field" ? stored.M!.f : stored.L![0];
            expect(stored.M![key]).to.deep.equal({ N: "7" });
          }
        }),
        propertySettings(500),
      );
    });
  });

  it("shows a number it parks whole up to 40 characters, and its first 37 then … beyond", () => {
    const forty = "1".repeat(40);
    expect(parked(`{"n": ${forty}}`).detail).to.equal(`payload.n = ${forty} has 40 significant digits; DynamoDB keeps 38`);
    expect(parked(`{"n": ${forty}1}`).detail).to.equal(`payload.n = ${"1".repeat(37)}… has 41 significant digits; DynamoDB keeps 38`);
  });
});
