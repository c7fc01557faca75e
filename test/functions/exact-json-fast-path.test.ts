import { expect } from "chai";
import * as fc from "fast-check";
import { LosslessNumber } from "lossless-json";
import { compactAndExact, numberText, parseExactJson, parsedExactly } from "../../functions/shared/exact-json";
import { propertySettings } from "../support/property";

/**
 * The fast path of exact JSON parsing keeps JSON.parse's value only when one of two proofs says it
 * is exact: the text is exactly as long as the compact form of what it parsed to, or a scan of the
 * text finds one key per `:` and only number tokens that print back as themselves. Each proof is
 * compared here with the truth about generated hostile texts: duplicate keys hidden behind escapes
 * and whitespace, `":` inside strings, number tokens of every form, deep nesting.
 */

/** A string and which of its UTF-16 units are written as escapes (bit i % 30 of `escapes`). */
type HostileString = { text: string; escapes: number; upper: boolean };
/** A JSON text in the making: what is written, and the whitespace written around it. */
type Hostile =
  | { number: string }
  | { string: HostileString }
  | boolean
  | null
  | { elements: Hostile[]; space: string }
  | { members: { key: HostileString; value: Hostile; before: string; after: string }[]; space: string };

const SPACE = fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom(" ", "\n", "\t", "\r\n  ") });
/** Mostly none, so that many texts are compact and reach the length proof. */
const ESCAPES = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 30 - 1 }) });
const hostileString = (text: fc.Arbitrary<string>): fc.Arbitrary<HostileString> => fc.record({ text, escapes: ESCAPES, upper: fc.boolean() });

/** Few keys, so that objects often hold one twice, and written with escapes that hide it. */
const KEY = hostileString(
  fc.oneof(fc.constantFrom("a", "b", "1", "__proto__", "constructor", "", '":', '"', "\\", ":", "é", "🚀"), fc.string({ unit: "binary", maxLength: 4 })),
);
const STRING = hostileString(
  fc.oneof(fc.constantFrom('":', '","a":1', '\\"', "1e2", "-0", "{}", "\u0000", "\u2028"), fc.string({ unit: "binary", maxLength: 8 })),
);

/** Number tokens of every form: tokens that print back as themselves and tokens that do not, side by side. */
const NUMBER = fc.oneof(
  fc.constantFrom(
    ...["0", "-0", "0.0", "7", "-7", "10", "100", "-100", "1e2", "1E2", "1e+2", "12e1", "1000", "1e3", "0.5", "-0.5", "5e-1", "0.1", "0.10", "0.05", "5e-2"],
    ...["1.50", "1.5", "1E-7", "1e-7", "1e21", "1e+21", "1e20", "100000000000000000000", "1e400", "-1e400", "1e-400", "1E999"],
    ...["123456789012345", "-123456789012345", "1234567890123456", "999999999999999", "1000000000000000", "9007199254740993", "1706616000.001"],
    ...["1706616000.0010", "0.30000000000000004", "0.30000000000000003", "0.123456789012345", "0.1234567890123456", "12345678901234.5", "123456789012345.6"],
    // 16 significant digits where two decimals of that length are one double: each of these prints as its neighbour.
    ...["9.000000000000001", "-9.000000000000001", "0.9000000000000003", "-0.9000000000000003"],
  ),
  fc.stringMatching(/^-?(0|[1-9]\d{0,22})(\.\d{1,20})?([eE][+-]?\d{1,3})?$/),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
);

const hostile: fc.Arbitrary<Hostile> = fc.letrec<{ value: Hostile }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    NUMBER.map((number) => ({ number })),
    STRING.map((string) => ({ string })),
    fc.boolean(),
    fc.constant(null),
    fc.record({ elements: fc.array(tie("value"), { maxLength: 4 }), space: SPACE }),
    fc.record({ members: fc.array(fc.record({ key: KEY, value: tie("value"), before: SPACE, after: SPACE }), { maxLength: 5 }), space: SPACE }),
  ),
})).value;

/** A root that parseExactJson hands to the proofs: an object or an array. */
const hostileRoot = fc.oneof(
  fc.record({ members: fc.array(fc.record({ key: KEY, value: hostile, before: SPACE, after: SPACE }), { minLength: 1, maxLength: 5 }), space: SPACE }),
  fc.record({ elements: fc.array(hostile, { minLength: 1, maxLength: 4 }), space: SPACE }),
);

const isNumber = (value: Hostile): value is { number: string } => value !== null && typeof value === "object" && "number" in value;
const isString = (value: Hostile): value is { string: HostileString } => value !== null && typeof value === "object" && "string" in value;
const isArray = (value: Hostile): value is { elements: Hostile[]; space: string } => value !== null && typeof value === "object" && "elements" in value;
const isObject = (value: Hostile): value is { members: { key: HostileString; value: Hostile; before: string; after: string }[]; space: string } =>
  value !== null && typeof value === "object" && "members" in value;

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/** A string literal: each unit raw, or escaped where JSON needs it or the escape bits ask for it. */
function writeString({ text, escapes, upper }: HostileString): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text[i];
    const code = text.charCodeAt(i);
    const wanted = ((escapes >>> (i % 30)) & 1) === 1;
    const hex = `\\u${code.toString(16).padStart(4, "0")}`;
    if (unit === '"' || unit === "\\" || code < 0x20)
      out += wanted || !SHORT_ESCAPES[unit] ? (upper ? hex.toUpperCase().replace("\\U", "\\u") : hex) : SHORT_ESCAPES[unit];
    else if (wanted) out += unit === "/" && upper ? "\\/" : upper ? hex.toUpperCase().replace("\\U", "\\u") : hex;
    else out += unit;
  }
  return `${out}"`;
}

function write(value: Hostile): string {
  if (isNumber(value)) return value.number;
  if (isString(value)) return writeString(value.string);
  if (isArray(value)) return `[${value.space}${value.elements.map(write).join(`,${value.space}`)}]`;
  if (isObject(value))
    return `{${value.space}${value.members.map((m) => `${writeString(m.key)}${m.before}:${m.after}${write(m.value)}`).join(`${value.space},`)}}`;
  return JSON.stringify(value);
}

/** The truth about a text: whether some object holds a key twice (as decoded), and its number tokens that do not print back as themselves. */
function truth(value: Hostile): { duplicate: boolean; inexact: string[] } {
  const result = { duplicate: false, inexact: [] as string[] };
  const visit = (v: Hostile) => {
    if (isNumber(v) && String(Number(v.number)) !== v.number) result.inexact.push(v.number);
    if (isArray(v)) v.elements.forEach(visit);
    if (isObject(v)) {
      const keys = v.members.map((m) => m.key.text);
      if (new Set(keys).size < keys.length) result.duplicate = true;
      v.members.forEach((m) => visit(m.value));
    }
  };
  visit(value);
  return result;
}

const exact = (t: { duplicate: boolean; inexact: string[] }) => !t.duplicate && t.inexact.length === 0;

/**
 * The compact length the proof compares with, computed plainly (every number as `String(n)`, no
 * escapes), whatever the number: padding a text with spaces up to it gives the proof the length it
 * expects, so only its rules about numbers, escapes and repeated keys can refuse the text.
 */
function plainCompactLength(value: unknown): number {
  if (typeof value === "string") return value.length + 2;
  if (typeof value === "number") return String(value).length;
  if (Array.isArray(value)) return Math.max(2, value.length + 1) + value.reduce((sum: number, v) => sum + plainCompactLength(v), 0);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    return Math.max(2, keys.length + 1) + keys.reduce((sum, k) => sum + k.length + 3 + plainCompactLength((value as Record<string, unknown>)[k]), 0);
  }
  return JSON.stringify(value).length;
}

/** What a parsed value says, numbers as their text: comparable with what was written. */
function view(value: unknown): unknown {
  if (typeof value === "number" || value instanceof LosslessNumber) return { number: numberText(value) };
  if (Array.isArray(value)) return value.map(view);
  if (value !== null && typeof value === "object") return { object: Object.keys(value).map((k) => [k, view((value as Record<string, unknown>)[k])]) };
  return value;
}

/** What parsing should give: the object JavaScript builds from the decoded pairs (integer-like keys first), numbers as written. */
function expected(value: Hostile): unknown {
  if (isNumber(value)) return { number: value.number };
  if (isString(value)) return value.string.text;
  if (isArray(value)) return value.elements.map(expected);
  if (isObject(value)) {
    const object = {};
    for (const m of value.members)
      Object.defineProperty(object, m.key.text, { value: expected(m.value), enumerable: true, writable: true, configurable: true });
    return { object: Object.keys(object).map((k) => [k, (object as Record<string, unknown>)[k]]) };
  }
  return value;
}

describe("exact JSON parsing: the proofs that JSON.parse was exact", () => {
  it("the length proof accepts no text with a repeated key or a number that does not print back, even padded to the length it expects", () => {
    fc.assert(
      fc.property(hostileRoot, (root) => {
        const text = write(root);
        const parsed: unknown = JSON.parse(text);
        const shortBy = plainCompactLength(parsed) - text.length;
        const padded = shortBy > 0 ? `${text[0]}${" ".repeat(shortBy)}${text.slice(1)}` : text;
        for (const candidate of [text, padded, `${text}\n`]) {
          if (compactAndExact(candidate, JSON.parse(candidate))) expect(truth(root), candidate).to.deep.equal({ duplicate: false, inexact: [] });
        }
      }),
      propertySettings(3000),
    );
  });

  it("the scan accepts exactly the texts without a repeated key whose numbers all print back as themselves", () => {
    fc.assert(
      fc.property(hostileRoot, (root) => {
        const text = write(root);
        expect(parsedExactly(text, JSON.parse(text)), text).to.equal(exact(truth(root)));
      }),
      propertySettings(3000),
    );
  });

  it("parseExactJson gives what was written, the repeated key refused, and JSON.parse's own value exactly when that is exact", () => {
    fc.assert(
      fc.property(hostileRoot, (root) => {
        const text = write(root);
        const parsed = parseExactJson(text);
        const t = truth(root);
        if (t.duplicate) {
          expect(parsed, text).to.deep.include({ ok: false, reason: "duplicate-key" });
          return;
        }
        if (!parsed.ok) expect.fail(`${text}: ${parsed.detail}`);
        expect(view(parsed.value), text).to.deep.equal(expected(root));
        expect(parsed.plain, text).to.equal(t.inexact.length === 0);
      }),
      propertySettings(2000),
    );
  });

  it("proves compact JSON exact by its length: JSON.stringify's output of short integers, decimals and any text that needs no escape", () => {
    const text = fc.string({
      unit: fc
        .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xd7ff }))
        .filter((c) => c !== 0x22 && c !== 0x5c)
        .map((c) => String.fromCharCode(c)),
      maxLength: 12,
    });
    const integer = fc.integer({ min: -1e9, max: 1e9 }).filter((n) => n % 100 !== 0);
    const decimal = fc
      .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 999 }))
      .map(([whole, fraction]) => Number(`${whole}.${String(fraction).padStart(3, "0")}`))
      .filter((n) => Math.abs(n) >= 0.1);
    const record = fc.dictionary(
      text,
      fc.oneof(
        text,
        integer,
        decimal,
        fc.boolean(),
        fc.constant(null),
        fc.constant(0),
        fc.array(integer, { maxLength: 3 }),
        fc.dictionary(text, text, { maxKeys: 3 }),
      ),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(record, (value) => {
        const written = JSON.stringify(value);
        expect(compactAndExact(written, JSON.parse(written)), written).to.equal(true);
        expect(compactAndExact(`${written}\r\n \t`, JSON.parse(written)), written).to.equal(true);
      }),
      propertySettings(500),
    );
  });

  it("holds a number to the length proof only where no other token for it is as short", () => {
    // Each token alone in an array: whether the length proof takes it, and what parsing gives.
    const cases: [token: string, proven: boolean, plain: boolean][] = [
      ["0", true, true],
      ["-0", false, false],
      ["7", true, true],
      ["-7", true, true],
      ["10", true, true],
      ["-90", true, true],
      ["100", false, true], // 1e2 is as short
      ["1e2", false, false],
      ["123456789012345", true, true],
      ["-123456789012345", true, true],
      ["999999999999999", true, true],
      ["1000000000000001", false, true], // 16 digits: past the proof, the scan takes it
      ["9007199254740993", false, false],
      ["0.5", true, true],
      ["-0.5", true, true],
      ["0.1", true, true],
      ["0.09", false, true], // 9e-2 is as short
      ["1.5", true, true],
      ["1.50", false, false],
      ["1706616000.001", true, true],
      ["0.123456789012345", true, true],
      ["-0.123456789012345", true, true],
      ["12345678901234.5", true, true],
      ["0.30000000000000004", false, true], // 17 digits: past the proof, the scan takes it
      ["0.30000000000000003", false, false],
      ["1e-7", false, true],
      ["1E-7", false, false],
      ["1e400", false, false],
      ["1e21", false, false],
    ];
    for (const [token, proven, plain] of cases) {
      const text = `[${token}]`;
      expect(compactAndExact(text, JSON.parse(text)), `${token} proven by length`).to.equal(proven);
      const parsed = parseExactJson(text);
      expect(parsed, token).to.deep.include({ ok: true, plain });
      expect(view(parsed.ok && parsed.value), token).to.deep.equal([{ number: token }]);
    }
  });

  it("counts what surrounds the values: brackets, commas, keys and their quotes, literals, whitespace only after the value", () => {
    for (const text of [
      "{}",
      "[]",
      '{"":""}',
      "[[],{}]",
      '{"a":[true,false,null]}',
      '{"__proto__":{"constructor":1}}',
      '["é🚀",{"k":"v","l":[1,0.5]}]',
      '{"a":1}\n',
      "[1] \t\r\n",
    ]) {
      expect(compactAndExact(text, JSON.parse(text)), text).to.equal(true);
    }
    for (const text of [" {}", "[ ]", '{"a" :1}', '{"a": 1}', "[1 ,2]", '{"\\u0061":1}', '["\\/"]', '{"a":1,"a":1}', "[1,1e2]"]) {
      expect(compactAndExact(text, JSON.parse(text)), text).to.equal(false);
    }
  });

  it("keeps the proofs on each object's own keys while Object.prototype has enumerable ones", () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.injected = 1;
    try {
      expect(compactAndExact('{"a":1}', JSON.parse('{"a":1}'))).to.equal(false);
      expect(parseExactJson('{"a":{"b":1}}')).to.deep.include({ ok: true, plain: true });
      expect(parseExactJson('{"a":{"b":1,"b":2}}')).to.deep.include({ ok: false, reason: "duplicate-key" });
      // The repeated pair is as long as the inherited one (',"injected":1'): counting inherited keys would hide it.
      expect(parseExactJson('{"bbbbbbbb":1,"bbbbbbbb":1}')).to.deep.include({ ok: false, reason: "duplicate-key" });
    } finally {
      delete prototype.injected;
    }
  });

  it("proves deeply nested values, and refuses a repeated key or an inexact number at the bottom", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 400 }),
        fc.constantFrom('{"x":1}', '{"x":1,"x":1}', '{"x":1e2}', '{"x":0.5}'),
        (levels, leaf) => {
          const text = levels.reduce<string>((inner, inArray) => (inArray ? `[${inner}]` : `{"k":${inner}}`), leaf);
          const parsed = parseExactJson(text);
          if (leaf.includes('"x":1,')) expect(parsed).to.deep.include({ ok: false, reason: "duplicate-key" });
          else expect(parsed).to.deep.include({ ok: true, plain: !leaf.includes("e") });
          expect(compactAndExact(text, JSON.parse(text))).to.equal(leaf === '{"x":1}' || leaf === '{"x":0.5}');
        },
      ),
      propertySettings(100),
    );
  });

  it("names where and why a text is not JSON", () => {
    const cases: [text: string, detail: string][] = [
      ["", "unexpected end of text at position 0"],
      ["[", "unexpected end of text at position 1"],
      ["[x]", 'unexpected "x" at position 1'],
      ['{"a', "unterminated string at position 1"],
      ['["x', "unterminated string at position 1"],
      ["{1:2}", "expected a quoted key at position 1"],
      ['{"a" 1}', 'expected ":" at position 5'],
      ['{"a":1 "b":2}', 'expected "," or "}" at position 7'],
      ["[1 2]", 'expected "," or "]" at position 3'],
      ["[1,]", 'unexpected "]" at position 3'],
      ['{"a":"\\x"}', "invalid string (a bad escape or an unescaped control character) at position 5"],
      ["[1] x", "unexpected text after the value at position 4"],
      ["tru", 'unexpected "t" at position 0'],
    ];
    for (const [text, detail] of cases) expect(parseExactJson(text), text).to.deep.equal({ ok: false, reason: "not-json", detail });
  });

  it("refuses a value nested too deeply to walk, with the reason", () => {
    for (const text of [`${"[".repeat(200_000)}${"]".repeat(200_000)}`, `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`]) {
      expect(parseExactJson(text)).to.deep.equal({ ok: false, reason: "not-json", detail: "nested too deeply to parse" });
    }
  });

  it("gives numbers at the top level as JSON.parse does where they print back, else as their text", () => {
    expect(parseExactJson("5")).to.deep.equal({ ok: true, value: 5, plain: true });
    expect(parseExactJson(" null ")).to.deep.equal({ ok: true, value: null, plain: true });
    expect(parseExactJson('"a\\"b"')).to.deep.equal({ ok: true, value: 'a"b', plain: true });
    expect(parseExactJson("1.50")).to.deep.equal({ ok: true, value: new LosslessNumber("1.50"), plain: false });
    expect(parseExactJson("1e400")).to.deep.equal({ ok: true, value: new LosslessNumber("1e400"), plain: false });
  });

  it("builds objects whose keys are ordinary data, as JSON.parse's are: a caller may change or delete any of them", () => {
    const parsed = parseExactJson('{"__proto__":{"x":1.50},"a":1.50}');
    if (!parsed.ok) expect.fail(parsed.detail);
    expect(parsed.plain).to.equal(false);
    const value = parsed.value as Record<string, unknown>;
    for (const object of [value, value.__proto__ as object]) {
      for (const key of Object.keys(object))
        expect(Object.getOwnPropertyDescriptor(object, key), key).to.include({ writable: true, enumerable: true, configurable: true });
    }
    expect(Object.getPrototypeOf(value)).to.equal(Object.prototype);
  });
});
