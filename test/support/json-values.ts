import * as fc from "fast-check";
import { isLosslessNumber, LosslessNumber, parse } from "lossless-json";

/**
 * A JSON value as a producer wrote it: numbers as their exact text, objects as key/value pairs in
 * order (a key may repeat, as JSON text allows), so a test says precisely what went in.
 */
export type Written = { number: string } | string | boolean | null | Written[] | { pairs: [string, Written][] };

export const isNumber = (value: Written): value is { number: string } => value !== null && typeof value === "object" && "number" in value;
export const isObject = (value: Written): value is { pairs: [string, Written][] } => value !== null && typeof value === "object" && "pairs" in value;

/** JSON text of a written value, with the given whitespace between tokens. */
export function write(value: Written, space = ""): string {
  if (isNumber(value)) return value.number;
  if (Array.isArray(value)) return `[${space}${value.map((v) => write(v, space)).join(`${space},${space}`)}${space}]`;
  if (isObject(value)) return `{${space}${value.pairs.map(([k, v]) => `${JSON.stringify(k)}${space}:${space}${write(v, space)}`).join(",")}${space}}`;
  return JSON.stringify(value);
}

/** A code point that is Unicode text (no UTF-16 surrogate halves), control characters and NUL included. */
export const codePoint = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff }));

/** Strings a producer may send, hostile ones first: empty, the word NULL, CSV and SQL syntax, CR/LF, NUL, BOM, any Unicode. */
export const anyString = (maxLength = 12): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      "",
      "NULL",
      "null",
      "\\N",
      "a,b",
      'say "hi"',
      "line\nbreak",
      "ends in CR\r",
      "\r\n",
      "\u0000",
      "\u0001\u001f\u007f",
      "\ufeffbom",
      "Zoë 東京 🚀",
      " lead",
      "trail ",
      "=1+1",
      "\\",
      "'; DROP TABLE x; --",
      "__proto__",
    ),
    fc.array(codePoint, { maxLength }).map((points) => String.fromCodePoint(...points)),
  );

/** Keys a producer may use, JavaScript's internals among them. */
export const anyKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "a.b", "Zoë", "🚀", "NULL"),
  fc.array(codePoint, { minLength: 1, maxLength: 6 }).map((p) => String.fromCodePoint(...p)),
);

/** Digits as text, with at most `max` of them. */
const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(""));

/**
 * Number texts DynamoDB stores exactly (at most 38 significant digits, magnitude 1E-130 to
 * 9.99…E+125), written in every JSON way: plain, with trailing zeros, with an exponent, negative zero.
 */
export const dynamoNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc
    .tuple(fc.boolean(), fc.integer({ min: 1, max: 9 }), digits(0, 37), fc.integer({ min: -129, max: 88 }), fc.constantFrom("e", "E", "E+"))
    .map(([negative, lead, rest, exponent, e]) => `${negative ? "-" : ""}${lead}${rest ? `.${rest}` : ""}${e}${exponent}`.replace("E+-", "E-")),
  fc.tuple(digits(1, 19), digits(0, 19)).map(([whole, fraction]) => `${whole.replace(/^0+(?=\d)/, "")}${fraction ? `.${fraction}` : ""}`),
  fc.constantFrom(
    "0",
    "-0",
    "0.0",
    "1.50",
    "1E+125",
    "1e21",
    "1E-130",
    "-9.9999999999999999999999999999999999999E+125",
    "12345678901234567890123456789012345678",
  ),
);

/** A value of any kind; `number` picks the number texts. Objects never repeat a key. */
export function anyValue(number: fc.Arbitrary<string> = dynamoNumberText, depth = 2): fc.Arbitrary<Written> {
  const scalar = fc.oneof(
    number.map((n) => ({ number: n })),
    anyString(),
    fc.boolean(),
    fc.constant(null),
  );
  if (depth === 0) return scalar;
  const inner = anyValue(number, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.uniqueArray(fc.tuple(anyKey, inner), { maxLength: 3, selector: ([k]) => k }).map((pairs) => ({ pairs })) },
  );
}

/** Text parsed back with every number as its text, for comparing with what was written. */
export const parseLossless = (text: string): unknown => parse(text);

/** Whether two decimal texts are the same number. */
export function sameNumber(a: string, b: string): boolean {
  const norm = (text: string) => {
    const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!match) return `not a number: ${text}`;
    const all = `${match[2]}${match[3] ?? ""}`;
    const lead = all.length - all.replace(/^0+/, "").length;
    const significant = all.slice(lead).replace(/0+$/, "");
    if (significant === "") return "0";
    const point = match[2].length - lead + Number(match[4] ?? 0);
    return `${match[1]}${significant}e${point}`;
  };
  return norm(a) === norm(b);
}

/** Whether a value read back (parsed with lossless-json) is what was written: numbers equal as numbers, objects equal whatever their key order. */
export function sameJson(read: unknown, written: Written): boolean {
  if (isNumber(written)) return isLosslessNumber(read) && sameNumber((read as LosslessNumber).value, written.number);
  if (Array.isArray(written)) return Array.isArray(read) && read.length === written.length && written.every((w, i) => sameJson(read[i], w));
  if (isObject(written)) {
    if (read === null || typeof read !== "object" || Array.isArray(read)) return false;
    const keys = Object.keys(read);
    return (
      keys.length === written.pairs.length &&
      written.pairs.every(([k, w]) => Object.prototype.hasOwnProperty.call(read, k) && sameJson((read as Record<string, unknown>)[k], w))
    );
  }
  return read === written;
}
