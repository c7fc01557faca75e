import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { decimalParts } from "../shared/decimal-text";

/**
 * Size of an item as DynamoDB counts it against the 400 KB limit
 * ("Item sizes and formats" in the DynamoDB developer guide): names and strings in UTF-8 bytes,
 * numbers about one byte per two significant digits plus one, 3 bytes of overhead per list or
 * map and 1 per element in it. It errs on the large side; BatchWriteItem's own check is the backstop.
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

/** One byte per two significant digits (leading and trailing zeros trimmed; zero has one), plus one. */
function numberSize(n: string): number {
  return Math.ceil(Math.max(decimalParts(n)!.digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueSize(v), 0);
  }
  return 0;
}
