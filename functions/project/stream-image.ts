import type { AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb";
import type { AttributeValue } from "aws-lambda";

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
