import { LosslessNumber } from "lossless-json";

/**
 * JSON parsed without losing anything: every number keeps its exact text, an object key is data
 * whatever its name (`__proto__`, `constructor`), and an object that holds a key twice is refused
 * at any depth, whatever else the text holds. Values are what `JSON.parse` gives, except numbers,
 * which are `number` only where that number prints back as the very text that was sent, and
 * `LosslessNumber` (its text) otherwise.
 */
export type ExactJsonResult =
  /** `plain`: every number is a `number` (JSON.parse's own result), so the value can go where ordinary JSON goes. */
  { ok: true; value: unknown; plain: boolean } | { ok: false; reason: "not-json" | "duplicate-key"; detail: string };

/** The text of a number, from either form `parseExactJson` gives (a LosslessNumber prints as its text). */
export const numberText = (value: number | LosslessNumber): string => String(value);

export const isJsonNumber = (value: unknown): value is number | LosslessNumber => typeof value === "number" || value instanceof LosslessNumber;

/**
 * The length of `value` written as compact JSON (no whitespace, no escapes) with each number in
 * its shortest form, or NaN when some number has another form at most as long (see
 * `shortestLength`). Objects are read with for…in, whose keyed reads stay fast whatever the
 * record's shape; it also lists inherited enumerable keys, so `compactAndExact` first makes sure
 * that Object.prototype has none.
 */
function compactLength(value: unknown): number {
  if (typeof value === "string") return value.length + 2;
  if (typeof value === "number") return shortestLength(value);
  if (value === null) return 4;
  if (typeof value === "boolean") return value ? 4 : 5;
  // Brackets and commas: 2 for no members, members + 1 otherwise; each key adds its quotes and colon.
  if (Array.isArray(value)) {
    let length = Math.max(2, value.length + 1);
    for (let i = 0; i < value.length; i++) length += compactLength(value[i]);
    return length;
  }
  let members = 0;
  let length = 0;
  for (const key in value as object) {
    members += 1;
    length += key.length + 3 + compactLength((value as Record<string, unknown>)[key]);
  }
  return length + Math.max(2, members + 1);
}

/**
 * The length of `String(n)` when every other JSON number token that parses to `n` is longer, else
 * NaN. That holds for
 * - an integer of at most 15 digits with at most one trailing zero: a token for another decimal
 *   that rounds to it needs a fraction of many digits (below 1e15, neighbouring doubles are at
 *   most 1/8 apart), and one for the same value adds a fraction or an exponent (`1e2` is as short
 *   as `100`, hence the trailing zeros);
 * - a fraction of at least 0.1 in magnitude with at most 15 significant digits (no exponent, no
 *   leading zeros after the point): any two decimals of at most 15 significant digits are
 *   different doubles (DBL_DIG), so a token for another decimal has 16 digits or more, and one for
 *   the same decimal adds zeros or an exponent (`5e-1` is longer than `0.5`; `5e-2` is as long as
 *   `0.05`, hence the 0.1).
 */
function shortestLength(n: number): number {
  const magnitude = Math.abs(n);
  if (Number.isInteger(n)) {
    // 0 ends in zeros but has no shorter token; -0 prints as 0, but each token for it carries a sign, so it is never proven.
    if (magnitude > 999_999_999_999_999 || (n % 100 === 0 && n !== 0)) return Number.NaN;
    let digits = 1;
    for (let power = 10; power <= magnitude; power *= 10) digits += 1;
    return n < 0 ? digits + 1 : digits;
  }
  // Also refuses Infinity, which a token past a double's range such as 1e400 parses to.
  if (magnitude < 0.1 || !Number.isFinite(n)) return Number.NaN;
  const text = String(n);
  const sign = text[0] === "-" ? 1 : 0;
  // Every character but the sign, the point, and the 0 before the point below 1.
  const significant = text.length - sign - (text[sign] === "0" ? 2 : 1);
  return significant <= 15 ? text.length : Number.NaN;
}

/** The length of a text without the whitespace after its JSON value. */
function trimmedLength(text: string): number {
  let end = text.length;
  for (let c = text.charCodeAt(end - 1); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(--end - 1));
  return end;
}

/**
 * Whether `JSON.parse(text)` gave the exact value, proven by length alone. Every part of a JSON
 * text is at least as long as its part of the compact form of what it parses to, and only its
 * compact self is exactly as long: whitespace and escapes add characters, a key given twice adds
 * its key and value to the text but not to the parsed value, and each number has its one shortest
 * token (`shortestLength`). So a text exactly as long as the compact form of its parsed value
 * holds no duplicate key and no number but its exact shortest form. This covers compact JSON
 * without escapes (what the forward function writes for its records) without reading the text at
 * all. Sound only when `parsed` is `JSON.parse(text)`: it measures plain JSON values, nothing else.
 * Exported for tests, as is `parsedExactly`.
 */
export function compactAndExact(text: string, parsed: unknown): boolean {
  if (Object.keys(Object.prototype).length > 0) return false;
  return compactLength(parsed) === trimmedLength(text);
}

/**
 * Whether `JSON.parse(text)` gave the exact value: a scan of the (valid) text outside its strings
 * counts the object keys (one `:` each) and checks that every number token prints back as its own
 * text. Strings are skipped with `indexOf`. It costs about half the parse, so it only runs where
 * the length proof cannot vouch for the text (whitespace, escapes, numbers such as `100`).
 */
export function parsedExactly(text: string, parsed: unknown): boolean {
  let colons = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end + 1;
    } else if (c === 0x3a) {
      colons += 1;
      i += 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      for (
        let d = text.charCodeAt(end);
        (d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d;
        d = text.charCodeAt(++end)
      );
      const token = text.slice(i, end);
      if (String(Number(token)) !== token) return false;
      i = end;
    } else {
      i += 1;
    }
  }
  return colons === keyCount(parsed);
}

/** Counts the keys of every object in a parsed value. */
function keyCount(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const element of value) count += keyCount(element);
    return count;
  }
  // Object.values reads any object's own values alike, where a keyed read slows down as record shapes vary.
  const values = Object.values(value);
  count += values.length;
  for (const child of values) count += keyCount(child);
  return count;
}

/**
 * The fast path is `JSON.parse`, taken only when it provably gives the exact result: the text is
 * the compact form of the parsed value, or a scan shows that every number token prints back as
 * its own text and the text holds no more keys than the parsed value (so no key was given twice).
 * Anything else takes the exact parser.
 */
export function parseExactJson(text: string): ExactJsonResult {
  let fast: unknown;
  try {
    fast = JSON.parse(text);
  } catch {
    return exactParse(text);
  }
  try {
    if (compactAndExact(text, fast) || parsedExactly(text, fast)) return { ok: true, value: fast, plain: true };
  } catch {
    // Nested too deeply to walk: the exact parser, which goes no deeper, says so.
  }
  return exactParse(text);
}

class JsonError extends Error {
  constructor(
    readonly reason: "not-json" | "duplicate-key",
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A string needs decoding when it holds an escape or a control character (which JSON refuses unescaped).
// eslint-disable-next-line no-control-regex
const NEEDS_DECODING = /[\\\u0000-\u001f]/;

/** Sets a key as an own data property, as JSON.parse does, so `__proto__` stays a key. */
function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A recursive-descent parser of RFC 8259 JSON that keeps number text and refuses duplicate keys. */
function exactParse(text: string): ExactJsonResult {
  let i = 0;
  const path: string[] = [];
  const fail = (message: string): never => {
    throw new JsonError("not-json", `${message} at position ${i}`);
  };
  const skipWhitespace = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    const start = i;
    let end = text.indexOf('"', i + 1);
    for (;;) {
      if (end < 0) fail("unterminated string");
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes += 1;
      if (backslashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    i = end + 1;
    const raw = text.slice(start, i);
    if (!NEEDS_DECODING.test(raw)) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      i = start;
      return fail("invalid string (a bad escape or an unescaped control character)");
    }
  };
  const value = (): unknown => {
    skipWhitespace();
    const c = text.charCodeAt(i);
    if (c === 0x22) return string();
    if (c === 0x7b) return object();
    if (c === 0x5b) return array();
    if (text.startsWith("true", i)) return ((i += 4), true);
    if (text.startsWith("false", i)) return ((i += 5), false);
    if (text.startsWith("null", i)) return ((i += 4), null);
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match) return fail(i < text.length ? `unexpected "${text[i]}"` : "unexpected end of text");
    i = NUMBER.lastIndex;
    return new LosslessNumber(match[0]);
  };
  const object = (): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    i += 1;
    skipWhitespace();
    if (text.charCodeAt(i) === 0x7d) return ((i += 1), result);
    for (;;) {
      skipWhitespace();
      if (text.charCodeAt(i) !== 0x22) fail("expected a quoted key");
      const key = string();
      if (Object.prototype.hasOwnProperty.call(result, key)) {
        const where = path.length ? `the object at ${path.join(".")}` : "the top-level object";
        throw new JsonError("duplicate-key", `${where} holds the key ${JSON.stringify(key)} twice`);
      }
      skipWhitespace();
      if (text.charCodeAt(i) !== 0x3a) fail('expected ":"');
      i += 1;
      path.push(key);
      setKey(result, key, value());
      path.pop();
      skipWhitespace();
      const next = text.charCodeAt(i);
      i += 1;
      if (next === 0x7d) return result;
      if (next !== 0x2c) {
        i -= 1;
        fail('expected "," or "}"');
      }
    }
  };
  const array = (): unknown[] => {
    const result: unknown[] = [];
    i += 1;
    skipWhitespace();
    if (text.charCodeAt(i) === 0x5d) return ((i += 1), result);
    for (;;) {
      path.push(String(result.length));
      result.push(value());
      path.pop();
      skipWhitespace();
      const next = text.charCodeAt(i);
      i += 1;
      if (next === 0x5d) return result;
      if (next !== 0x2c) {
        i -= 1;
        fail('expected "," or "]"');
      }
    }
  };
  try {
    const parsed = value();
    skipWhitespace();
    if (i < text.length) fail("unexpected text after the value");
    return { ok: true, value: parsed, plain: false };
  } catch (error) {
    if (error instanceof JsonError) return { ok: false, reason: error.reason, detail: error.message };
    if (error instanceof RangeError) return { ok: false, reason: "not-json", detail: "nested too deeply to parse" };
    throw error;
  }
}
