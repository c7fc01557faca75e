import Ajv, { type AnySchema } from "ajv";
import addFormats from "ajv-formats";
import { isLosslessNumber, LosslessNumber, parse, stringify } from "lossless-json";
import { csvLine } from "./csv";

/** A CSV column after the fixed ones: its name, and where its value is in the item (dotted path). */
export interface ArchiveColumn {
  name: string;
  path: string;
}

/**
 * Every row starts with these: the dedup key (which item), INSERT/MODIFY/REMOVE, the stream's
 * change time, and the stream sequence number (which version of the item).
 */
export const FIXED_COLUMNS = ["dedup_key", "change", "changed_at", "stream_sequence"] as const;

/** A refused record names its dedup key when it has one: the correlation field of the log line. */
export type TransformResult = { ok: true; line: string } | { ok: false; reason: string; key?: string };

/**
 * A number token JSON.parse would round (16 or more digits) or print differently (an exponent, or
 * a fraction below 1e-6): such a record is parsed losslessly, so the CSV keeps the number's text.
 */
const REWRITTEN_NUMBER = /[:,[]\s*-?(?:[\d.]{16,}|[\d.]+[eE]|0\.0{5,})/;

const CHANGES = new Set(["INSERT", "MODIFY", "REMOVE"]);

function parseRecord(text: string): { exact: unknown; plain: unknown } {
  if (!REWRITTEN_NUMBER.test(text)) {
    const value = JSON.parse(text);
    return { exact: value, plain: value };
  }
  const exact = parse(text, undefined, (digits) => (String(Number(digits)) === digits ? Number(digits) : new LosslessNumber(digits)));
  // The schema sees ordinary numbers; the CSV gets every digit.
  return { exact, plain: JSON.parse(text) };
}

function valueAt(item: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const step of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function fieldText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || isLosslessNumber(value)) return String(value);
  return stringify(value);
}

/**
 * Compiles the schema once, and returns the transform for one Firehose record: an archive record
 * (see functions/forward) in, one CSV line out, or the reason it cannot be archived.
 */
/** Compiles a JSON Schema (draft-07, with the standard formats); throws on a schema that is not valid. */
export function compileSchema(schema: AnySchema) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return { ajv, validate: ajv.compile(schema) };
}

export function createTransformer(schema: AnySchema, columns: readonly ArchiveColumn[]): (data: Buffer) => TransformResult {
  const { ajv, validate } = compileSchema(schema);
  const paths = columns.map((column) => column.path.split("."));

  return (data) => {
    let parsed: { exact: unknown; plain: unknown };
    try {
      parsed = parseRecord(data.toString("utf8"));
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
    const record = parsed.exact as Record<string, unknown> | null;
    if (record === null || typeof record !== "object" || Array.isArray(record)) return { ok: false, reason: "not an archive record: not a JSON object" };
    const { key, change, changedAt, sequence, item } = record;
    if (typeof key !== "string" || key === "") return { ok: false, reason: 'not an archive record: no "key"' };
    if (typeof change !== "string" || !CHANGES.has(change)) return { ok: false, reason: `not an archive record: "change" is ${JSON.stringify(change)}` };
    const fixed = [key, change, typeof changedAt === "string" && changedAt ? changedAt : undefined, typeof sequence === "string" ? sequence : undefined];
    if (change === "REMOVE") return { ok: true, line: csvLine([...fixed, ...columns.map(() => undefined)]) };

    if (item === null || typeof item !== "object" || Array.isArray(item)) return { ok: false, reason: 'not an archive record: "item" is not an object', key };
    if (!validate((parsed.plain as Record<string, unknown>).item)) {
      return { ok: false, reason: `schema: ${ajv.errorsText(validate.errors, { dataVar: "item" })}`, key };
    }
    return { ok: true, line: csvLine([...fixed, ...paths.map((path) => fieldText(valueAt(item as Record<string, unknown>, path)))]) };
  };
}
