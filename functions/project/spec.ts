/** A projection of a table's stream into another table, as the StreamProjection component configures it. */
export type ProjectionSpec = IndexSpec | AggregateSpec;

/** A copy of each item, keyed by other attributes (for example hash `useremail`, range `nanotimestamp`). */
export interface IndexSpec {
  kind: "index";
  hashKey: string;
  rangeKey?: string;
  /** Attributes copied besides the keys. Default: all. */
  attributes?: string[];
  /** Days after the change an index item expires (TTL attribute `expiresAt`). Default: never. */
  ttlDays?: number;
}

/** A group-by attribute, or a timestamp attribute cut to its hour, day or month. */
export type GroupBy = string | { attribute: string; period: "hour" | "day" | "month" };

/** Counters and sums per group (for example hits per `page_id` per day, or the game-scores tutorial's score per user). */
export interface AggregateSpec {
  kind: "aggregate";
  groupBy: GroupBy[];
  /** Numeric attributes summed per group, each under its own name. Default: none (the count only). */
  sums?: { name: string; attribute: string }[];
}

/** The index item's attribute holding the source stream sequence number it reflects. */
export const SOURCE_SEQUENCE = "sourceSequence";
/**
 * The index item's attribute holding the key of the table item it copies (`itemKeyText`): only
 * that item's changes may overwrite or delete it.
 */
export const SOURCE_ITEM = "sourceItem";
/**
 * A stream sequence number as text that sorts like the number: up to 40 digits, more than a
 * DynamoDB number holds, zero-padded. How SOURCE_SEQUENCE holds it, for the index and the aggregates' ledger.
 */
export const sortableSequence = (sequence: string): string => sequence.padStart(40, "0");
/** The TTL attribute of index items and ledger entries. */
export const EXPIRES_AT = "expiresAt";
/** The attributes an index item sets itself, over any of the source item's of that name: `expiresAt` only with `ttlDays`. */
export const indexItemOwn = (spec: Pick<IndexSpec, "ttlDays">): string[] =>
  spec.ttlDays === undefined ? [SOURCE_SEQUENCE, SOURCE_ITEM] : [SOURCE_SEQUENCE, SOURCE_ITEM, EXPIRES_AT];
/** The aggregate table's key: the group's values, joined by "|". */
export const GROUP_KEY = "group";
/** The aggregate item's record counter. */
export const COUNT = "count";
/**
 * The ledger table's key: `item:` and an item's key for the entry that says what the item adds to
 * the aggregates; a stream record's eventID for a record without keys, applied on its own.
 */
export const LEDGER_KEY = "eventId";
/** An item's ledger entry's attribute holding what the item adds to the aggregates now (`encodeCounted`). */
export const COUNTED = "counted";
/**
 * The sequence number `npm run backfill` gives the INSERT it makes of each item it reads: older
 * than any the stream gives, so a backfilled item never overrides what the live stream wrote.
 */
export const BACKFILL_SEQUENCE = "0";

/** The name a group-by entry takes as an attribute of the aggregate item. */
export function groupByName(entry: GroupBy): string {
  return typeof entry === "string" ? entry : `${entry.attribute}_${entry.period}`;
}
