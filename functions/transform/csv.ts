/** An absent value: the unquoted word MySQL's `LOAD DATA … OPTIONALLY ENCLOSED BY '"'` reads as NULL. */
export const NULL_FIELD = "NULL";

/**
 * One CSV field as RFC 4180 writes it: quoted when it holds a comma, a double quote, a carriage
 * return or a line feed, with each double quote doubled; also quoted when empty or the word NULL,
 * so neither reads as an absent value. Everything else, non-ASCII included, goes out as it is
 * (the file is UTF-8). `undefined` is an absent value.
 */
export function csvField(value: string | undefined): string {
  if (value === undefined) return NULL_FIELD;
  return value === "" || value === NULL_FIELD || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record, newline-terminated, so Firehose can concatenate records into a file. */
export function csvLine(fields: readonly (string | undefined)[]): string {
  return `${fields.map(csvField).join(",")}\n`;
}
