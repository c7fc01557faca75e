const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * The dedup keys (first fields) of the whole lines at the start of an object's text, as far as a
 * cheap reading tells: a quoted field is read to its closing quote, a line that a quoted line
 * break cut in two gives a field that is no key. Only a guess at which keys the object holds, for
 * deciding how to load it; what is loaded never depends on it.
 */
export function headKeys(head: Buffer): string[] {
  const keys = new Set<string>();
  for (let start = 0, end = head.indexOf(LF); end >= 0; start = end + 1, end = head.indexOf(LF, start)) {
    const key = firstField(head.subarray(start, end));
    if (key) keys.add(key);
  }
  return [...keys];
}

function firstField(line: Buffer): string {
  if (line[0] !== QUOTE) {
    const comma = line.indexOf(COMMA);
    return line.subarray(0, comma < 0 ? line.length : comma).toString("utf8");
  }
  let field = "";
  for (let from = 1; ;) {
    const quote = line.indexOf(QUOTE, from);
    if (quote < 0) return field + line.subarray(from).toString("utf8");
    field += line.subarray(from, quote).toString("utf8");
    if (line[quote + 1] !== QUOTE) return field;
    field += '"';
    from = quote + 2;
  }
}
