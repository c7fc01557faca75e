import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { NumberValueImpl, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { LosslessNumber, stringify } from "lossless-json";
import { FIREHOSE_LIMITS } from "../shared/firehose-sender";

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
  | { kind: "poison"; record: DynamoDBRecord; reason: ForwardReason; detail: string };

const CHANGES: readonly string[] = ["INSERT", "MODIFY", "REMOVE"];

/** Plain JSON from unmarshalled values: numbers keep every digit, sets become arrays, binary becomes base64. */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof NumberValueImpl) return new LosslessNumber(value.toString());
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Set) return [...value].map(toJsonValue);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}

function plainImage(image: Record<string, unknown>): Record<string, unknown> {
  return toJsonValue(unmarshall(image as Record<string, AttributeValue>, { wrapNumbers: true })) as Record<string, unknown>;
}

/** The dedup key of a stream record: its key attributes' values, in table order, joined by "|". */
export function dedupKeyOf(keys: Record<string, unknown> | undefined, keyAttributes: readonly string[]): string {
  const plain = keys ? plainImage(keys) : {};
  return keyAttributes
    .map((name) => {
      const value = plain[name];
      if (value === undefined) throw new Error(`the record's keys have no "${name}"`);
      return String(value);
    })
    .join("|");
}

/** Decides what one DynamoDB stream record becomes in the archive. */
export function forwardDecision(record: DynamoDBRecord, options: ForwardOptions): ForwardDecision {
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
  const data = Buffer.from(`${stringify(archived)}\n`, "utf8");
  if (data.byteLength > FIREHOSE_LIMITS.bytesPerRecord) {
    return { kind: "poison", record, reason: "record-too-large", detail: `archive record is ${data.byteLength} bytes, over Firehose's ${FIREHOSE_LIMITS.bytesPerRecord}-byte limit` };
  }
  return { kind: "send", record, data };
}
