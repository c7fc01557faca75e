/** Strict base64 (RFC 4648, padded): what Kinesis and Firehose send; `Buffer.from(…, "base64")` would skip junk silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The bytes of strict base64 text, or undefined when the text is not base64. Text that is its
 * own bytes' canonical encoding (what every encoder writes) is strict base64 without the regular
 * expression, which costs ten times the decoding; only other text is matched against it.
 */
export function decodeBase64(text: unknown): Buffer | undefined {
  if (typeof text !== "string") return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text || BASE64.test(text) ? bytes : undefined;
}

/**
 * The text of UTF-8 bytes, or undefined when they are not UTF-8 (instead of U+FFFD in their place).
 * A leading byte order mark is kept as U+FEFF: it is part of the data as sent.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether a JavaScript string is Unicode text: no UTF-16 surrogate without its pair (JSON's `\ud800` escape makes one). */
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);
