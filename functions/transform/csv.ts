/**
 * One CSV field as RFC 4180 writes it: quoted when it holds a comma, a double quote, a carriage
 * return or a line feed, with each double quote doubled. Everything else, non-ASCII included,
 * goes out as it is (the file is UTF-8).
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record, newline-terminated, so Firehose can concatenate records into a file. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\n`;
}
