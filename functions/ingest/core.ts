import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { EXPIRES_AT, HASH_KEY, RANGE_KEY } from "../shared/dedup-key";
import { isJsonNumber, parseExactJson } from "../shared/exact-json";
import { type JsonDataReason } from "../shared/record-outcomes";
import { decodeBase64, decodeUtf8 } from "../shared/text";
import { AttributeConverter, UnstorableValue, type AttributeReason } from "./attribute-values";
import { numberSize, textSize } from "./item-size";

export { HASH_KEY, RANGE_KEY };
/** Attributes the ingest function writes itself; a payload may not carry them (the expiry either, whether items expire or not). */
export const RESERVED_ATTRIBUTES = [HASH_KEY, RANGE_KEY, "shardId", "approximateArrivalTimestamp", EXPIRES_AT] as const;
/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
export type PoisonReason =
  "bad-envelope" | JsonDataReason | "not-an-object" | "reserved-attribute" | AttributeReason | "item-too-large" | "rejected-by-dynamodb";

export type DynamoItem = Record<string, AttributeValue>;

export interface DecodedRecord {
  ok: true;
  record: KinesisStreamRecord;
  /** `hash|range`: identifies the item, so a batch never sends one key twice. */
  itemKey: string;
  item: DynamoItem;
  /** The item's size as DynamoDB counts it (`itemSizeBytes`). */
  bytes: number;
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

/** The cross-account replication design's hash key: the sequence number's characters at -3 and -2, then `_`, then the shard id. */
export function dedupHashKey(sequenceNumber: string, shardId: string): string {
  if (!/^\d{3,}$/.test(sequenceNumber)) throw new Error(`sequence number "${sequenceNumber}" is not a Kinesis sequence number`);
  return `${sequenceNumber.slice(-3, -1)}_${shardId}`;
}

export function itemKeyOf(item: DynamoItem): string {
  return `${item[HASH_KEY].S}|${item[RANGE_KEY].S}`;
}

function poison(record: KinesisStreamRecord, reason: PoisonReason, detail: string): PoisonRecord {
  return { ok: false, record, reason, detail };
}

export interface DecodeOptions {
  /** Seconds after its record's arrival in Kinesis an item expires (its `dedupExpiresAt`); none when items never do. */
  expireAfterSeconds?: number;
}

/**
 * When DynamoDB may delete the item: epoch seconds, a Number, as TTL requires
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
 * From the record's arrival, which Lambda gives in seconds with a fraction
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), so a redelivery gives the same expiry.
 */
const expiresAt = (approximateArrivalTimestamp: number, expireAfterSeconds: number): number => Math.floor(approximateArrivalTimestamp) + expireAfterSeconds;

/**
 * Turns one Kinesis record into the dedup table's item, or says why it never can be.
 * Pure: the same record always gives the same item, which is what makes replays idempotent.
 */
export function decodeRecord(record: KinesisStreamRecord, options: DecodeOptions = {}): RecordOutcome {
  const { data, sequenceNumber, approximateArrivalTimestamp } = record.kinesis;
  let shardId: string;
  let hashKey: string;
  try {
    shardId = shardIdFromEventId(record.eventID);
    hashKey = dedupHashKey(sequenceNumber, shardId);
  } catch (error) {
    return poison(record, "bad-envelope", (error as Error).message);
  }
  if (typeof approximateArrivalTimestamp !== "number" || !Number.isFinite(approximateArrivalTimestamp)) {
    return poison(
      record,
      "bad-envelope",
      `kinesis.approximateArrivalTimestamp ${JSON.stringify(approximateArrivalTimestamp) ?? "(none)"} is not epoch seconds`,
    );
  }

  const bytes = decodeBase64(data);
  if (!bytes) return poison(record, "not-base64", "kinesis.data is not base64");
  const text = decodeUtf8(bytes);
  if (text === undefined) return poison(record, "not-utf8", "kinesis.data is not UTF-8 text");
  const parsed = parseExactJson(text);
  if (!parsed.ok)
    return poison(record, parsed.reason, parsed.reason === "not-json" ? `kinesis.data is not JSON: ${parsed.detail}` : `payload: ${parsed.detail}`);
  const payload = parsed.value as Record<string, unknown>;
  const kind =
    payload === null
      ? "null"
      : Array.isArray(payload)
        ? "an array"
        : isJsonNumber(payload)
          ? "a number"
          : typeof payload !== "object"
            ? `a ${typeof payload}`
            : undefined;
  if (kind) return poison(record, "not-an-object", `payload is ${kind}, not a JSON object`);

  // Every field is kept as sent, "" and null included, at every depth; an attribute named
  // `__proto__` or `constructor` is data (the maps have no prototype). Text that decoded to as many
  // characters as it has bytes is ASCII, and without `\u` escapes so is every string parsed from it.
  const converter = new AttributeConverter(bytes.length === text.length && !text.includes("\\u"));
  const attributes: DynamoItem = Object.create(null);
  for (const name of Object.keys(payload)) {
    if ((RESERVED_ATTRIBUTES as readonly string[]).includes(name)) {
      return poison(record, "reserved-attribute", `payload field "${name}" collides with an attribute the ingest function writes`);
    }
    try {
      attributes[name] = converter.attribute(name, payload[name]);
    } catch (error) {
      // Anything else is a bug of this function: it fails the batch rather than parking good data.
      if (error instanceof UnstorableValue) return poison(record, error.reason, error.message);
      throw error;
    }
  }

  const arrivalTimestamp = String(approximateArrivalTimestamp);
  attributes[RANGE_KEY] = { S: sequenceNumber };
  attributes.shardId = { S: shardId };
  attributes[HASH_KEY] = { S: hashKey };
  attributes.approximateArrivalTimestamp = { N: arrivalTimestamp };
  // The key attributes passed the envelope checks above: ASCII names and values.
  let size =
    converter.bytes +
    textSize(RANGE_KEY + sequenceNumber + "shardId" + shardId + HASH_KEY + hashKey + "approximateArrivalTimestamp", true) +
    numberSize(arrivalTimestamp);
  if (options.expireAfterSeconds !== undefined) {
    const expiry = String(expiresAt(approximateArrivalTimestamp, options.expireAfterSeconds));
    attributes[EXPIRES_AT] = { N: expiry };
    size += textSize(EXPIRES_AT, true) + numberSize(expiry);
  }
  if (size > MAX_ITEM_BYTES) {
    return poison(record, "item-too-large", `item is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit`);
  }
  return { ok: true, record, itemKey: `${hashKey}|${sequenceNumber}`, item: attributes, bytes: size };
}
