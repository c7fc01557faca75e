import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * Size of an item as DynamoDB counts it against the 400 KB limit
 * ("Item sizes and formats" in the DynamoDB developer guide): names and strings in UTF-8 bytes,
 * numbers about one byte per two significant digits plus one, 3 bytes of overhead per list or
 * map and 1 per element in it. It errs on the large side; BatchWriteItem's own check is the backstop.
 * `decodeRecord` counts the same sizes while it builds the item (`AttributeConverter`), from the
 * rules below.
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += textSize(name) + valueSize(value);
  return size;
}

/** A name or string: its UTF-8 bytes. Text known to be ASCII is one byte a character, without asking Buffer. */
export const textSize = (text: string, ascii = false): number => (ascii ? text.length : Buffer.byteLength(text));

/** A boolean or null. */
export const FLAG_SIZE = 1;
/** Every list or map, besides its elements. */
export const CONTAINER_SIZE = 3;
/** Every element of a list or map, besides its value (and a map element's name). */
export const ELEMENT_SIZE = 1;

export function numberSize(n: string): number {
  const digits = n.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return textSize(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return FLAG_SIZE;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + textSize(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return CONTAINER_SIZE + value.L.reduce((sum, v) => sum + ELEMENT_SIZE + valueSize(v), 0);
  if (value.M !== undefined) {
    return CONTAINER_SIZE + Object.entries(value.M).reduce((sum, [name, v]) => sum + ELEMENT_SIZE + textSize(name) + valueSize(v), 0);
  }
  return 0;
}
