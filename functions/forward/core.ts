import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { LosslessNumber, stringify } from "lossless-json";
import { FIREHOSE_LIMITS } from "../shared/firehose-sender";
import { isExpiry } from "../shared/table-stream";

export type Change = "INSERT" | "MODIFY" | "REMOVE";

/**
 * One line of the archive's input, as the transform reads it: the dedup key, what happened and
 * when (the stream's own timestamp), and the item as plain JSON (`null` for a delete marker).
 */
export interface ArchiveRecord {
  key: string;
  change: Change;
  /** ISO 8601, from the stream record's ApproximateCreationDateTime; "" when the record has none. */
  changedAt: string;
  /** The stream record's sequence number: which version of the item this is. */
  sequence: string;
  item: Record<string, unknown> | null;
}

/** What REMOVE events become: a delete marker (`item: null`) in the archive, or nothing. */
export type RemoveMode = "marker" | "skip";

export interface ForwardOptions {
  /** The table's key attributes, hash first; their values, joined by "|", are the dedup key. */
  keyAttributes: readonly string[];
  removeMode: RemoveMode;
}

export type ForwardReason = "unknown-event" | "missing-key" | "no-image" | "unreadable-image" | "record-too-large";

export type ForwardDecision =
  | { kind: "send"; record: DynamoDBRecord; data: Buffer }
  | { kind: "skip"; record: DynamoDBRecord }
  /** A TTL expiry: the table forgetting an item, never archived (not even as a delete marker). */
  | { kind: "expired"; record: DynamoDBRecord }
  | { kind: "poison"; record: DynamoDBRecord; reason: ForwardReason; detail: string };

const CHANGES: readonly string[] = ["INSERT", "MODIFY", "REMOVE"];

/**
 * A stream image's value as plain JSON, exactly: numbers keep DynamoDB's text (every digit), sets
 * become arrays, binary stays base64 (as Lambda's event carries it), NULL is null, and a map's
 * keys are data whatever their names (`__proto__` is an own key, never the prototype). Hand
 * written because `unmarshall` of @aws-sdk/util-dynamodb turns a `__proto__` key into the
 * prototype and rounds numbers unless wrapped.
 */
export function toJsonValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return new LosslessNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return value.B;
  if (value.M !== undefined) return plainImage(value.M);
  if (value.L !== undefined) return value.L.map(toJsonValue);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map((n) => new LosslessNumber(n));
  if (value.BS !== undefined) return [...value.BS];
  throw new Error(`an attribute value of no known type: ${JSON.stringify(value).slice(0, 100)}`);
}

export function plainImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  const plain: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(image)) plain[name] = toJsonValue(image[name]);
  return plain;
}

/** The dedup key of a stream record: its key attributes' values, in table order, joined by "|". */
export function dedupKeyOf(keys: Record<string, AttributeValue> | undefined, keyAttributes: readonly string[]): string {
  return keyAttributes
    .map((name) => {
      if (!keys || !Object.prototype.hasOwnProperty.call(keys, name)) throw new Error(`the record's keys have no "${name}"`);
      return String(toJsonValue(keys[name]));
    })
    .join("|");
}

/** Decides what one DynamoDB stream record becomes in the archive. */
export function forwardDecision(record: DynamoDBRecord, options: ForwardOptions): ForwardDecision {
  if (isExpiry(record)) return { kind: "expired", record };
  const change = record.eventName ?? "";
  if (!CHANGES.includes(change)) return { kind: "poison", record, reason: "unknown-event", detail: `eventName "${change}" is not INSERT, MODIFY or REMOVE` };
  if (change === "REMOVE" && options.removeMode === "skip") return { kind: "skip", record };
  const stream = record.dynamodb ?? {};
  let key: string;
  try {
    key = dedupKeyOf(stream.Keys, options.keyAttributes);
  } catch (error) {
    return { kind: "poison", record, reason: "missing-key", detail: (error as Error).message };
  }
  let item: Record<string, unknown> | null = null;
  if (change !== "REMOVE") {
    if (!stream.NewImage) {
      return { kind: "poison", record, reason: "no-image", detail: `${change} has no NewImage: the table's stream view type must include new images` };
    }
    try {
      item = plainImage(stream.NewImage);
    } catch (error) {
      return { kind: "poison", record, reason: "unreadable-image", detail: (error as Error).message };
    }
  }
  const seconds = stream.ApproximateCreationDateTime;
  const archived: ArchiveRecord = {
    key,
    change: change as Change,
    changedAt: seconds === undefined ? "" : new Date(seconds * 1000).toISOString(),
    sequence: stream.SequenceNumber ?? "",
    item,
  };
  const data = Buffer.from(`${stringify(archived)}\n`);
  if (data.byteLength > FIREHOSE_LIMITS.bytesPerRecord) {
    return {
      kind: "poison",
      record,
      reason: "record-too-large",
      detail: `archive record is ${data.byteLength} bytes, over Firehose's ${FIREHOSE_LIMITS.bytesPerRecord}-byte limit`,
    };
  }
  return { kind: "send", record, data };
}
