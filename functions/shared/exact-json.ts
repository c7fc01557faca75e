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
  | { ok: true; value: unknown; plain: boolean }
  | { ok: false; reason: "not-json" | "duplicate-key"; detail: string };

/** The text of a number, from either form `parseExactJson` gives. */
export const numberText = (value: number | LosslessNumber): string => (typeof value === "number" ? String(value) : value.value);

export const isJsonNumber = (value: unknown): value is number | LosslessNumber => typeof value === "number" || value instanceof LosslessNumber;

/**
 * Whether `JSON.parse(text)` gave the exact value: a scan of the (valid) text outside its strings
 * counts the object keys (one `:` each) and checks that every number token prints back as its own
 * text. Strings are skipped with `indexOf`, so the scan is cheap next to the parse itself.
 */
function parsedExactly(text: string, parsed: unknown): boolean {
  let colons = 0;
  for (let i = 0; i < text.length; ) {
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
      for (let d = text.charCodeAt(end); (d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d; d = text.charCodeAt(++end));
      // Valid JSON has no leading zeros: a short integer token other than -0 prints back as itself.
      const token = text.slice(i, end);
      if ((end - i > 15 || /[.eE]|^-0$/.test(token)) && String(Number(token)) !== token) return false;
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
  for (const child of values) if (child !== null && typeof child === "object") count += keyCount(child);
  return count;
}

/**
 * The fast path is `JSON.parse`, taken only when it provably gives the exact result: every number
 * token prints back as its own text, and the text holds no more keys than the parsed value (so no
 * key was given twice). Anything else takes the exact parser.
 */
export function parseExactJson(text: string): ExactJsonResult {
  let fast: unknown;
  try {
    fast = JSON.parse(text);
  } catch {
    return exactParse(text);
  }
  if (fast === null || typeof fast !== "object") return exactParse(text);
  let exact: boolean;
  try {
    exact = parsedExactly(text, fast);
  } catch {
    return { ok: false, reason: "not-json", detail: "nested too deeply to parse" };
  }
  return exact ? { ok: true, value: fast, plain: true } : exactParse(text);
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
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
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
    if (text.charCodeAt(i) === 0x7d) return (i += 1), result;
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
      if (next !== 0x2c) (i -= 1), fail('expected "," or "}"');
    }
  };
  const array = (): unknown[] => {
    const result: unknown[] = [];
    i += 1;
    skipWhitespace();
    if (text.charCodeAt(i) === 0x5d) return (i += 1), result;
    for (;;) {
      path.push(String(result.length));
      result.push(value());
      path.pop();
      skipWhitespace();
      const next = text.charCodeAt(i);
      i += 1;
      if (next === 0x5d) return result;
      if (next !== 0x2c) (i -= 1), fail('expected "," or "]"');
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
