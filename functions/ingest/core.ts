import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, NumberValueImpl as NumberValue } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { isSafeNumber, parse as parseLossless } from "lossless-json";
import { itemSizeBytes } from "./item-size";

/** The dedup table's key schema (seed 000): hash and range attribute names. */
export const HASH_KEY = "seqNumbershardIdHash";
export const RANGE_KEY = "sequenceNumber";
/** Attributes the ingest function writes itself; a payload may not carry them. */
export const RESERVED_ATTRIBUTES = [HASH_KEY, RANGE_KEY, "shardId", "approximateArrivalTimestamp"] as const;
/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB numbers hold magnitudes from 1E-130 to 9.99…E+125. */
const MAX_NUMBER_MAGNITUDE = 9.9999999999999999e125;
const MIN_NUMBER_MAGNITUDE = 1e-130;

export type PoisonReason =
  | "bad-envelope"
  | "not-base64"
  | "not-utf8"
  | "not-json"
  | "not-an-object"
  | "reserved-attribute"
  | "invalid-attribute-name"
  | "number-out-of-range"
  | "item-too-large"
  | "invalid-attribute-value"
  | "rejected-by-dynamodb";

export type DynamoItem = Record<string, AttributeValue>;

export interface DecodedRecord {
  ok: true;
  record: KinesisStreamRecord;
  /** `hash|range`: identifies the item, so a batch never sends one key twice. */
  itemKey: string;
  item: DynamoItem;
}

export interface PoisonRecord {
  ok: false;
  record: KinesisStreamRecord;
  reason: PoisonReason;
  detail: string;
}

export type RecordOutcome = DecodedRecord | PoisonRecord;

/** `shardId-000000000006:4959…` → `shardId-000000000006`. */
export function shardIdFromEventId(eventID: string): string {
  const shardId = eventID.split(":")[0];
  if (!/^shardId-\d+$/.test(shardId)) throw new Error(`eventID "${eventID}" does not start with a shard id`);
  return shardId;
}

/** Seed 000's hash key: the sequence number's characters at -3 and -2, then `_`, then the shard id. */
export function dedupHashKey(sequenceNumber: string, shardId: string): string {
  if (!/^\d{3,}$/.test(sequenceNumber)) throw new Error(`sequence number "${sequenceNumber}" is not a Kinesis sequence number`);
  return `${sequenceNumber.slice(-3, -1)}_${shardId}`;
}

export function itemKeyOf(item: DynamoItem): string {
  return `${item[HASH_KEY]?.S}|${item[RANGE_KEY]?.S}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function poison(record: KinesisStreamRecord, reason: PoisonReason, detail: string): PoisonRecord {
  return { ok: false, record, reason, detail };
}

/** Integers past 2^53 (nanosecond timestamps, 64-bit ids) lose digits in JSON.parse; only such text pays for a lossless parse. */
const LONG_NUMBER = /\d{16,}/;

function parsePayload(text: string): unknown {
  if (!LONG_NUMBER.test(text)) return JSON.parse(text);
  return parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : new NumberValue(digits)));
}

/** Finds the first number DynamoDB cannot store, with its path. */
function outOfRangeNumber(value: unknown, path: string): string | undefined {
  if (typeof value === "number" || value instanceof NumberValue) {
    const literal = value instanceof NumberValue ? value.value : String(value);
    const magnitude = Math.abs(Number(literal));
    if (magnitude !== 0 && (magnitude > MAX_NUMBER_MAGNITUDE || magnitude < MIN_NUMBER_MAGNITUDE)) return `${path} = ${literal}`;
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const found = outOfRangeNumber(child, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Turns one Kinesis record into the dedup table's item, or says why it never can be.
 * Pure: the same record always gives the same item, which is what makes replays idempotent.
 */
export function decodeRecord(record: KinesisStreamRecord): RecordOutcome {
  const { data, sequenceNumber, approximateArrivalTimestamp } = record.kinesis;
  let shardId: string;
  let hashKey: string;
  try {
    shardId = shardIdFromEventId(record.eventID);
    hashKey = dedupHashKey(sequenceNumber, shardId);
  } catch (error) {
    return poison(record, "bad-envelope", (error as Error).message);
  }

  if (typeof data !== "string" || !BASE64.test(data)) return poison(record, "not-base64", "kinesis.data is not base64");
  let text: string;
  try {
    text = utf8.decode(Buffer.from(data, "base64"));
  } catch {
    return poison(record, "not-utf8", "kinesis.data is not UTF-8 text");
  }
  let payload: unknown;
  try {
    payload = parsePayload(text);
  } catch (error) {
    return poison(record, "not-json", `kinesis.data is not JSON: ${(error as Error).message}`);
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    const kind = payload === null ? "null" : Array.isArray(payload) ? "an array" : typeof payload;
    return poison(record, "not-an-object", `payload is ${kind}, not a JSON object`);
  }

  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if ((RESERVED_ATTRIBUTES as readonly string[]).includes(name)) {
      return poison(record, "reserved-attribute", `payload field "${name}" collides with an attribute the ingest function writes`);
    }
    if (name === "") return poison(record, "invalid-attribute-name", "payload has a field with an empty name");
    if (value !== null && value !== "") attributes[name] = value;
  }
  const badNumber = outOfRangeNumber(attributes, "payload");
  if (badNumber) return poison(record, "number-out-of-range", `${badNumber} is outside DynamoDB's number range`);

  let marshalled: DynamoItem;
  try {
    marshalled = marshall(attributes, { removeUndefinedValues: true });
  } catch (error) {
    return poison(record, "invalid-attribute-value", (error as Error).message);
  }
  const item: DynamoItem = {
    ...marshalled,
    [RANGE_KEY]: { S: sequenceNumber },
    shardId: { S: shardId },
    [HASH_KEY]: { S: hashKey },
    approximateArrivalTimestamp: { N: String(approximateArrivalTimestamp) },
  };
  const size = itemSizeBytes(item);
  if (size > MAX_ITEM_BYTES) {
    return poison(record, "item-too-large", `item is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit`);
  }
  return { ok: true, record, itemKey: itemKeyOf(item), item };
}
