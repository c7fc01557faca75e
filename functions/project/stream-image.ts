import type { AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";

export type Item = Record<string, SdkAttributeValue>;

/**
 * An image from a stream event as the SDK writes it: Lambda's JSON carries binary values as
 * base64 text, which the SDK would otherwise store as the bytes of that text.
 */
export function toSdkItem(image: Record<string, AttributeValue>): Item {
  // A null-prototype map: a `__proto__` attribute is an attribute like any other.
  const item: Item = Object.create(null);
  for (const name of Object.keys(image)) item[name] = toSdkValue(image[name]);
  return item;
}

function toSdkValue(value: AttributeValue): SdkAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B, "base64") };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b, "base64")) };
  if (value.M !== undefined) return { M: toSdkItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toSdkValue) };
  return value as SdkAttributeValue;
}

/** A key value as the same text whether the stream (binary as base64) or the SDK (binary as bytes) gives it. */
function keyValue(value: AttributeValue): unknown {
  const bytes: unknown = value.B;
  return bytes instanceof Uint8Array ? { B: Buffer.from(bytes).toString("base64") } : value;
}

/**
 * The key of the table item a record changes, as one text: its key attributes by name, the same
 * whether the live stream or a backfill (which scans the table) brings the item. Undefined for a
 * record without keys.
 */
export function itemKeyText(record: DynamoDBRecord): string | undefined {
  const keys = record.dynamodb?.Keys;
  if (!keys || Object.keys(keys).length === 0) return undefined;
  return JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keyValue(keys[name])]),
  );
}
