import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { KEY_ATTRIBUTES, type ArchiveAttribute, type NeededAttribute } from "../components/settings/projection-archive";
import { AttributeConverter } from "../functions/ingest/attribute-values";
import { isJsonNumber, parseExactJson } from "../functions/shared/exact-json";
import { FIXED_COLUMNS } from "../functions/transform/core";

/** One row of an archive object: its fields as the CSV holds them, an unquoted NULL as undefined. */
export interface ArchiveRow {
  /** `s3://bucket/key` */
  object: string;
  /** The row's number in the object, from 1. */
  row: number;
  fields: (string | undefined)[];
}

/** What turns the rows of one archive into one projection's stream records. */
export interface RowReading {
  /** The dedup table's key attributes in table order (the order of the dedup key's parts), and their types. */
  keys: readonly { name: string; type: "S" | "N" | "B" }[];
  tableArn: string;
  /** The attributes the projection reads, each with the column that holds it (none: no column does). */
  needed: readonly { attribute: NeededAttribute; held?: ArchiveAttribute }[];
  /**
   * The record's ApproximateCreationDateTime: the row's `changed_at` ("row"), which dates an index
   * item's expiry as the live stream did; or these epoch seconds, the backfill's time, which date
   * an aggregate's ledger entries, so that they outlast the run.
   */
  changedAt: "row" | number;
  /** How many fields a row may have: the newest schema version's columns and the fixed ones. */
  fieldCount: number;
}

export type RowOutcome = { record: DynamoDBRecord; dedupKey: string } | { problem: string };

const CHANGES = ["INSERT", "MODIFY", "REMOVE"] as const;
/** DynamoDB Streams sequence numbers are 21 to 40 digits (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html). */
const SEQUENCE = /^\d{1,40}$/;
/** A number as DynamoDB gives one back, and as the transform writes it. */
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const shown = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}…` : text);

/**
 * What else than a string a text column's field may have been: the transform writes a number's
 * text, `true`/`false`, an object's or a list's JSON (a null is NULL, never the text `null`).
 */
function otherThanString(text: string): string | undefined {
  const parsed = parseExactJson(text);
  if (!parsed.ok || parsed.value === null || typeof parsed.value === "string") return undefined;
  if (isJsonNumber(parsed.value)) return "a number";
  if (typeof parsed.value === "boolean") return "a boolean";
  return Array.isArray(parsed.value) ? "a list" : "a map";
}

/** The attribute a field gives back, exactly as the table's item held it, or why the field cannot say. */
function attributeOf(held: ArchiveAttribute, field: string): AttributeValue | { problem: string } {
  const column = `column ${held.column}`;
  switch (held.reading) {
    case "string":
      return { S: field };
    case "number":
      return NUMBER.test(field) ? { N: field } : { problem: `${column} holds ${shown(field)}, not a number` };
    case "boolean-word":
    case "boolean-bit": {
      const [yes, no] = held.reading === "boolean-word" ? ["true", "false"] : ["1", "0"];
      return field === yes || field === no ? { BOOL: field === yes } : { problem: `${column} holds ${shown(field)}, not ${yes} or ${no}` };
    }
    case "json": {
      const parsed = parseExactJson(field);
      if (!parsed.ok) return { problem: `${column} holds ${shown(field)}, which is not JSON: ${parsed.detail}` };
      try {
        // As the ingest function wrote the attribute from the same JSON value. The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
        return new AttributeConverter(false).attribute(held.name, parsed.value) as unknown as AttributeValue;
      } catch (error) {
        return { problem: `${column}: ${(error as Error).message}` };
      }
    }
    case "untyped": {
      const kind = otherThanString(field);
      if (kind === undefined) return { S: field };
      return {
        problem: `${column} holds ${shown(field)}, which the item held as a string or as ${kind}: the archive's schema gives item.${held.name} no type`,
      };
    }
    case "rewritten":
      return { problem: `${column} holds MySQL's form of the time, ${shown(field)}, not the text the item held` };
  }
}

/**
 * The stream record an archive row was, as far as the projection reads it: INSERT or MODIFY with
 * the item's key attributes (from the dedup key) and every attribute the projection reads (from
 * their columns, typed as the item held them), or REMOVE (a delete marker) with the key alone;
 * the row's own stream sequence number, so the projection's newest-wins rules order it among the
 * live stream's changes and the table scan's. Or why the row cannot be one: a malformed row, or an
 * attribute the projection reads that the row cannot give exactly. A NULL field is an absent
 * attribute (the archive does not tell a null from an absent value).
 */
export function archiveRecord(row: ArchiveRow, reading: RowReading): RowOutcome {
  const { fields } = row;
  if (fields.length < FIXED_COLUMNS.length || fields.length > reading.fieldCount)
    return { problem: `the row has ${fields.length} fields; the archive's rows have ${FIXED_COLUMNS.length} to ${reading.fieldCount}` };
  const [dedupKey, change, changedAt, sequence] = fields;
  if (!CHANGES.includes(change as (typeof CHANGES)[number])) return { problem: `change is ${shown(change ?? "NULL")}, not INSERT, MODIFY or REMOVE` };
  if (!sequence || !SEQUENCE.test(sequence)) return { problem: `stream_sequence is ${shown(sequence ?? "NULL")}, not a stream sequence number` };
  const parts = (dedupKey ?? "").split("|");
  if (!dedupKey || parts.length !== reading.keys.length)
    return { problem: `dedup_key ${shown(dedupKey ?? "NULL")} is not the table's ${reading.keys.length} key values joined by "|"` };
  const keys: Record<string, AttributeValue> = {};
  reading.keys.forEach(({ name, type }, i) => (keys[name] = type === "S" ? { S: parts[i] } : type === "N" ? { N: parts[i] } : { B: parts[i] }));
  let seconds = reading.changedAt === "row" ? undefined : reading.changedAt;
  if (reading.changedAt === "row" && changedAt) {
    const time = Date.parse(changedAt);
    if (Number.isNaN(time)) return { problem: `changed_at ${shown(changedAt)} is not a time` };
    seconds = Math.floor(time / 1000);
  }

  const record: DynamoDBRecord = {
    eventID: `archive-${sequence}`,
    eventName: change as (typeof CHANGES)[number],
    eventSource: "aws:dynamodb",
    eventSourceARN: `${reading.tableArn}/stream/archive`,
    dynamodb: {
      Keys: keys,
      SequenceNumber: sequence,
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ...(seconds !== undefined && { ApproximateCreationDateTime: seconds }),
    },
  };
  if (change === "REMOVE") return { record, dedupKey };
  const image: Record<string, AttributeValue> = { ...keys };
  for (const { attribute, held } of reading.needed) {
    if (KEY_ATTRIBUTES.includes(attribute.name)) continue;
    const about = `${attribute.argument} reads ${attribute.name}`;
    if (!held) return { problem: `${about}, which no column of the archive holds` };
    if (held.field >= fields.length)
      return { problem: `${about}, whose column ${held.column} this row lacks: it was written before schema version ${held.since} added the column` };
    const field = fields[held.field];
    if (field === undefined) continue;
    const value = attributeOf(held, field);
    if ("problem" in value) return { problem: `${about}: ${value.problem}` };
    image[attribute.name] = value;
  }
  record.dynamodb!.NewImage = image;
  return { record, dedupKey };
}
