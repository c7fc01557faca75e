import Ajv, { type AnySchema } from "ajv";
import addFormats from "ajv-formats";
import { parseExactJson } from "../shared/exact-json";
import { type JsonDataReason, type Refusal } from "../shared/record-outcomes";
import { FIXED_COLUMN_TYPES, parseSqlType, sqlField, TEXT_COLUMN, type SqlType } from "../shared/sql-columns";
import { decodeUtf8 } from "../shared/text";
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

/**
 * Why the transform refuses a record; its detail names the field or column, in the words of the
 * record's log line. `not-base64` is Firehose's envelope (see transform-batch.ts), the others the
 * archive record.
 */
export type TransformReason = JsonDataReason | "not-an-archive-record" | "schema-violation" | "does-not-fit-column";

/** A refused record names its dedup key when it has one: the correlation field of the log line. */
export type TransformResult = { ok: true; line: string } | ({ ok: false; key?: string } & Refusal<TransformReason>);

const CHANGES = new Set(["INSERT", "MODIFY", "REMOVE"]);
/** DynamoDB Streams sequence numbers are 21 to 40 digits (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html). */
const SEQUENCE = /^\d{1,40}$/;

/** The value at a dotted path, through own keys only: a path step such as `constructor` never reaches JavaScript's internals. */
function valueAt(item: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const step of path) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** Compiles a JSON Schema (draft-07, with the standard formats); throws on a schema that is not valid. */
export function compileSchema(schema: AnySchema) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return { ajv, validate: ajv.compile(schema) };
}

/** Each column's SQL type (TEXT where none is given); throws on a type the loader does not accept. */
export function columnSqlTypes(columns: readonly ArchiveColumn[], columnTypes: Record<string, string> = {}): SqlType[] {
  return columns.map((column) => {
    const type = columnTypes[column.name] === undefined ? TEXT_COLUMN : parseSqlType(columnTypes[column.name]);
    if (typeof type === "string") throw new Error(`column ${column.name}: ${type}`);
    return type;
  });
}

/**
 * Compiles the schema once, and returns the transform for one Firehose record: an archive record
 * (see functions/forward) in, one CSV line out, or the reason it cannot be archived. Values keep
 * their exact text; a record whose value would not fit its SQL column is refused, naming the
 * column, so a record the transform accepts always loads.
 */
export function createTransformer(
  schema: AnySchema,
  columns: readonly ArchiveColumn[],
  columnTypes: Record<string, string> = {},
): (data: Buffer) => TransformResult {
  const { ajv, validate } = compileSchema(schema);
  const paths = columns.map((column) => column.path.split("."));
  const types = columnSqlTypes(columns, columnTypes);

  return (data) => {
    const text = decodeUtf8(data);
    if (text === undefined) return { ok: false, reason: "not-utf8", detail: "not UTF-8 text" };
    const parsed = parseExactJson(text);
    if (!parsed.ok)
      return { ok: false, reason: parsed.reason, detail: parsed.reason === "not-json" ? `not JSON: ${parsed.detail}` : `duplicate key: ${parsed.detail}` };
    const record = parsed.value as Record<string, unknown> | null;
    if (record === null || typeof record !== "object" || Array.isArray(record))
      return { ok: false, reason: "not-an-archive-record", detail: "not an archive record: not a JSON object" };
    const { key, change, changedAt, sequence, item } = record;
    if (typeof key !== "string" || key === "") return { ok: false, reason: "not-an-archive-record", detail: 'not an archive record: no "key"' };
    if (typeof change !== "string" || !CHANGES.has(change))
      return { ok: false, reason: "not-an-archive-record", detail: `not an archive record: "change" is ${JSON.stringify(change)}`, key };
    if (change !== "REMOVE" && (item === null || typeof item !== "object" || Array.isArray(item)))
      return { ok: false, reason: "not-an-archive-record", detail: 'not an archive record: "item" is not an object', key };
    if (typeof sequence !== "string" || !SEQUENCE.test(sequence))
      return {
        ok: false,
        reason: "not-an-archive-record",
        detail: `not an archive record: "sequence" is ${JSON.stringify(sequence)}, not a stream sequence number`,
        key,
      };
    if (changedAt !== undefined && typeof changedAt !== "string")
      return { ok: false, reason: "not-an-archive-record", detail: `not an archive record: "changedAt" is ${JSON.stringify(changedAt)}`, key };

    // `change` and `sequence` are checked above and always fit their columns.
    const keyField = sqlField(key, FIXED_COLUMN_TYPES.dedup_key);
    if (typeof keyField === "object") return { ok: false, reason: "does-not-fit-column", detail: `column dedup_key: the value ${keyField.why}`, key };
    const timeField = sqlField(changedAt || undefined, FIXED_COLUMN_TYPES.changed_at);
    if (typeof timeField === "object") return { ok: false, reason: "does-not-fit-column", detail: `column changed_at: the value ${timeField.why}`, key };
    const fields: (string | undefined)[] = [key, change, changedAt || undefined, sequence];
    if (change === "REMOVE") return { ok: true, line: csvLine([...fields, ...columns.map(() => undefined)]) };

    // The schema sees ordinary numbers (JSON.parse's); the columns get every digit.
    if (!validate(parsed.plain ? item : (JSON.parse(text) as Record<string, unknown>).item)) {
      return { ok: false, reason: "schema-violation", detail: `schema: ${ajv.errorsText(validate.errors, { dataVar: "item" })}`, key };
    }
    for (let i = 0; i < paths.length; i++) {
      const field = sqlField(valueAt(item as Record<string, unknown>, paths[i]), types[i]);
      if (typeof field === "object")
        return { ok: false, reason: "does-not-fit-column", detail: `column ${columns[i].name} (${types[i].name}): item.${columns[i].path} ${field.why}`, key };
      fields.push(field);
    }
    return { ok: true, line: csvLine(fields) };
  };
}
