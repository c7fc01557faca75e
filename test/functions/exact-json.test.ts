import { expect } from "chai";
import * as fc from "fast-check";
import { LosslessNumber } from "lossless-json";
import { isJsonNumber, numberText, parseExactJson } from "../../functions/shared/exact-json";
import { isNumber, isObject, write, type Written } from "../support/json-values";
import { propertySettings } from "../support/property";

const KEYS = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "", "a", "a.b", 'q"uote', "\\", "é", "🚀", "\u0000"),
  fc.string({ maxLength: 6 }),
);
const NUMBER_TEXT = fc.stringMatching(/^-?(0|[1-9]\d{0,45})(\.\d{1,45})?([eE][+-]?\d{1,3})?$/);
const SPACE = fc.constantFrom("", " ", "\n", "\t ", "\r\n");

const written: fc.Arbitrary<Written> = fc.letrec<{ value: Written }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    NUMBER_TEXT.map((number) => ({ number })),
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(KEYS, tie("value")), { maxLength: 4, selector: ([key]) => key }).map((pairs) => ({ pairs })),
  ),
})).value;

/** The object JavaScript builds from what was written (integer-like keys come first, as in any object). */
function build(value: Written): unknown {
  if (isNumber(value)) return new LosslessNumber(value.number);
  if (Array.isArray(value)) return value.map(build);
  if (isObject(value)) {
    const object = {};
    for (const [k, v] of value.pairs) Object.defineProperty(object, k, { value: build(v), enumerable: true, writable: true, configurable: true });
    return object;
  }
  return value;
}

/** What a parsed value says, numbers as text: comparable with what was written. */
function view(value: unknown): unknown {
  if (isJsonNumber(value)) return { number: numberText(value) };
  if (Array.isArray(value)) return value.map(view);
  if (value !== null && typeof value === "object") return { pairs: Object.keys(value).map((k) => [k, view((value as Record<string, unknown>)[k])]) };
  return value;
}

describe("exact JSON parsing", () => {
  it("gives back every value as written: number text, key order, __proto__ and constructor as keys, whatever the whitespace", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(KEYS, written), { minLength: 0, maxLength: 5, selector: ([k]) => k }), SPACE, (pairs, space) => {
        const root: Written = { pairs };
        const parsed = parseExactJson(write(root, space));
        expect(parsed.ok).to.equal(true);
        expect(view(parsed.ok && parsed.value)).to.deep.equal(view(build(root)));
      }),
      propertySettings(300),
    );
  });

  it("refuses a key given twice in any object, at any depth, whatever else the text holds", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(KEYS, written), { minLength: 1, maxLength: 4, selector: ([k]) => k }), fc.nat(), written, (pairs, at, again) => {
        const [key] = pairs[at % pairs.length];
        const root: Written = { pairs: [...pairs, [key, again]] };
        const nested: Written = { pairs: [["outer", [1, root].map((v) => (typeof v === "number" ? { number: "1" } : v))]] };
        for (const text of [write(root, ""), write(nested, " ")]) {
          const parsed = parseExactJson(text);
          expect(parsed, text).to.deep.include({ ok: false, reason: "duplicate-key" });
        }
      }),
      propertySettings(300),
    );
  });

  it("accepts exactly the texts JSON.parse accepts (duplicate keys aside)", () => {
    const jsonish = fc.string({
      unit: fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "u", "0", "1", "-", "e", ".", " ", "a", "n", "t", "r", "l", "f", "s"),
      maxLength: 20,
    });
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const parsed = parseExactJson(text);
        if (!valid) expect(parsed, text).to.deep.include({ ok: false, reason: "not-json" });
        else expect(parsed.ok || (!parsed.ok && parsed.reason === "duplicate-key"), text).to.equal(true);
      }),
      propertySettings(2000),
    );
  });

  it("names where the text stops being JSON", () => {
    expect(parseExactJson('{"a": 01}')).to.deep.equal({ ok: false, reason: "not-json", detail: 'expected "," or "}" at position 7' });
    expect(parseExactJson('{"a": "x\u0001"}')).to.deep.include({ ok: false, reason: "not-json" });
    expect(parseExactJson(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)).to.deep.include({ ok: false });
  });
});
