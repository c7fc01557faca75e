import { isLosslessNumber, stringify } from "lossless-json";
import { decimalParts, fractionDigits, integerValue, plainDecimal, type DecimalText } from "./decimal-text";

/**
 * The SQL column types the archive's rows may load into, and what each holds exactly. MySQL in
 * strict mode refuses a value that does not fit its column, or rounds it with a note
 * (https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict); the transform refuses
 * such a value first, with its reason, so that a record the transform accepts always loads.
 */
export type SqlType =
  | { kind: "integer"; name: string; min: bigint; max: bigint }
  | { kind: "decimal"; name: string; precision: number; scale: number }
  | { kind: "double"; name: string }
  | { kind: "boolean"; name: string }
  | { kind: "text"; name: string; maxBytes: number }
  | { kind: "varchar"; name: string; maxChars: number }
  | { kind: "date"; name: string }
  | { kind: "datetime"; name: string; fsp: number }
  | { kind: "json"; name: string };

/** Column types a user may choose: plain MySQL types, nothing that could carry other SQL. */
export const COLUMN_TYPE =
  /^(TEXT|MEDIUMTEXT|VARCHAR\(\d{1,5}\)|TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d{1,2},\d{1,2}\)|DOUBLE|BOOLEAN|DATE|DATETIME(\(\d\))?|JSON)$/i;

const INTEGERS: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
};

/** The longest VARCHAR of utf8mb4 a row can hold (65,535 bytes, 4 per character). */
export const MAX_VARCHAR = 16_383;

/** A column type's meaning, or why it is not one the loader accepts. */
export function parseSqlType(text: string): SqlType | string {
  if (!COLUMN_TYPE.test(text))
    return `"${text}" is not a type the loader accepts (TEXT, MEDIUMTEXT, VARCHAR(n), TINYINT, SMALLINT, INT, BIGINT, DECIMAL(p,s), DOUBLE, BOOLEAN, DATE, DATETIME(fsp), JSON)`;
  const name = text.toUpperCase();
  const size = /\((\d+)(?:,(\d+))?\)/.exec(name);
  if (INTEGERS[name]) return { kind: "integer", name, min: INTEGERS[name][0], max: INTEGERS[name][1] };
  if (name.startsWith("DECIMAL")) {
    const [precision, scale] = [Number(size![1]), Number(size![2])];
    if (precision < 1 || precision > 65 || scale > 30 || scale > precision) return `"${text}": DECIMAL(p,s) needs 1 ≤ p ≤ 65 and s ≤ 30, s ≤ p`;
    return { kind: "decimal", name, precision, scale };
  }
  if (name.startsWith("VARCHAR")) {
    const maxChars = Number(size![1]);
    if (maxChars < 1 || maxChars > MAX_VARCHAR) return `"${text}": VARCHAR(n) of utf8mb4 needs 1 ≤ n ≤ ${MAX_VARCHAR}`;
    return { kind: "varchar", name, maxChars };
  }
  if (name.startsWith("DATETIME")) {
    const fsp = size ? Number(size[1]) : 0;
    if (fsp > 6) return `"${text}": DATETIME(fsp) needs fsp ≤ 6`;
    return { kind: "datetime", name, fsp };
  }
  if (name === "TEXT") return { kind: "text", name, maxBytes: 65_535 };
  if (name === "MEDIUMTEXT") return { kind: "text", name, maxBytes: 16_777_215 };
  if (name === "DOUBLE") return { kind: "double", name };
  if (name === "BOOLEAN") return { kind: "boolean", name };
  if (name === "DATE") return { kind: "date", name };
  return { kind: "json", name };
}

export const TEXT_COLUMN = parseSqlType("TEXT") as SqlType;

/**
 * The fixed columns' types. The dedup key is the primary key: 191 characters of utf8mb4 is the
 * longest key every InnoDB row format can index; stream sequence numbers have at most 40 digits.
 */
export const FIXED_COLUMN_SQL = { dedup_key: "VARCHAR(191)", change: "VARCHAR(8)", changed_at: "VARCHAR(32)", stream_sequence: "VARCHAR(64)" } as const;
export const FIXED_COLUMN_TYPES = Object.fromEntries(Object.entries(FIXED_COLUMN_SQL).map(([name, type]) => [name, parseSqlType(type) as SqlType])) as Record<
  keyof typeof FIXED_COLUMN_SQL,
  SqlType
>;

/** Why a value does not fit its column. */
export class Unfit {
  constructor(readonly why: string) {}
}

/** A field for the CSV: its text (undefined for SQL NULL), or why the value does not fit the column (the only object). */
export type SqlField = string | undefined | Unfit;

const fits = (text: string | undefined): SqlField => text;
const refuse = (why: string): SqlField => new Unfit(why);
const isNumber = (value: unknown): value is number | { value: string } => typeof value === "number" || isLosslessNumber(value);
const shown = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}…` : text);

function kindOf(value: unknown): string {
  if (isNumber(value)) return "a number";
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** As text, for a text column: strings as they are, numbers with DynamoDB's digits, booleans as words, nested values as JSON. */
function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (isNumber(value) || typeof value === "boolean") return String(value);
  return stringify(value)!;
}

/** UTF-8 bytes, computed only when the string could be over the limit (a UTF-16 unit is at most 3 bytes). */
const utf8Over = (text: string, maxBytes: number) => text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes;

/** Whether a double holds the number exactly as written: its shortest text is the same decimal. */
function exactInDouble(d: DecimalText, text: string): boolean {
  const back = decimalParts(String(Number(text)))!;
  return back.digits === d.digits && back.point === d.point && back.negative === d.negative;
}

/** MySQL's JSON type keeps integers as 64-bit and every other number as a double (https://dev.mysql.com/doc/refman/8.0/en/json.html). */
function jsonNumberProblem(value: unknown): string | undefined {
  if (isNumber(value)) {
    const text = String(value);
    const d = decimalParts(text)!;
    if (fractionDigits(d) === 0 && d.point <= 20) {
      const n = integerValue(d);
      if (n >= -(2n ** 63n) && n < 2n ** 64n) return undefined;
    }
    return exactInDouble(d, text) ? undefined : `${shown(text)} has more digits than MySQL's JSON keeps (64-bit integers, doubles)`;
  }
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) {
      const problem = jsonNumberProblem(child);
      if (problem) return problem;
    }
  }
  return undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?|T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z)$/;

function validDate(year: string, month: string, day: string): boolean {
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  return y >= 1000 && m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The CSV text of a value for a column of this type, exactly as the column will hold it, or why
 * it cannot be held without change. Absent and null are SQL NULL, except in a JSON column, where
 * null is JSON's null.
 */
export function sqlField(value: unknown, type: SqlType): SqlField {
  if (value === undefined) return fits(undefined);
  if (value === null && type.kind !== "json") return fits(undefined);
  switch (type.kind) {
    case "text": {
      const text = asText(value);
      return utf8Over(text, type.maxBytes) ? refuse(`is ${Buffer.byteLength(text)} bytes of UTF-8; ${type.name} holds ${type.maxBytes}`) : fits(text);
    }
    case "varchar": {
      const text = asText(value);
      const chars = text.length > type.maxChars ? [...text].length : text.length;
      return chars > type.maxChars ? refuse(`is ${chars} characters; ${type.name} holds ${type.maxChars}`) : fits(text);
    }
    case "json": {
      const problem = jsonNumberProblem(value);
      return problem ? refuse(problem) : fits(stringify(value)!);
    }
    case "boolean":
      return typeof value === "boolean" ? fits(value ? "1" : "0") : refuse(`is ${kindOf(value)}; ${type.name} holds true or false`);
    case "date":
    case "datetime": {
      if (typeof value !== "string") return refuse(`is ${kindOf(value)}; ${type.name} holds a date${type.kind === "datetime" ? " and time" : ""} as text`);
      if (type.kind === "date") {
        const m = DATE.exec(value);
        return m && validDate(m[1], m[2], m[3]) ? fits(value) : refuse(`"${shown(value)}" is not a date YYYY-MM-DD from 1000-01-01 to 9999-12-31`);
      }
      const m = DATETIME.exec(value);
      const [hh, mm, ss, fraction = ""] = m ? (m[4] !== undefined ? m.slice(4, 8) : m.slice(8, 12)) : [];
      if (!m || !validDate(m[1], m[2], m[3]) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) {
        return refuse(`"${shown(value)}" is not a UTC time "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" or "YYYY-MM-DD HH:MM:SS[.ffffff]"`);
      }
      if (fraction.length > type.fsp) return refuse(`"${shown(value)}" has ${fraction.length} fractional digits; ${type.name} keeps ${type.fsp}`);
      return fits(`${m[1]}-${m[2]}-${m[3]} ${hh}:${mm}:${ss}${fraction ? `.${fraction}` : ""}`);
    }
    default: {
      // The common case, cheaply: a JavaScript number that is a safe integer prints as its exact digits.
      if (type.kind === "integer" && Number.isSafeInteger(value) && (value as number) >= Number(type.min) && (value as number) <= Number(type.max))
        return fits(String(value));
      if (!isNumber(value)) return refuse(`is ${kindOf(value)}; ${type.name} holds numbers`);
      const text = String(value);
      const d = decimalParts(text)!;
      if (type.kind === "double") return exactInDouble(d, text) ? fits(text) : refuse(`${shown(text)} has more digits than ${type.name} holds`);
      if (type.kind === "decimal") {
        if (fractionDigits(d) > type.scale) return refuse(`${shown(text)} has ${fractionDigits(d)} decimals; ${type.name} keeps ${type.scale}`);
        if (Math.max(0, d.point) > type.precision - type.scale) return refuse(`${shown(text)} has more integer digits than ${type.name} holds`);
        return fits(plainDecimal(d));
      }
      if (fractionDigits(d) > 0) return refuse(`${shown(text)} is not an integer; ${type.name} holds integers`);
      const n = d.point > 20 ? undefined : integerValue(d);
      if (n === undefined || n < type.min || n > type.max) return refuse(`${shown(text)} is outside ${type.name}'s range ${type.min}..${type.max}`);
      return fits(plainDecimal(d));
    }
  }
}
