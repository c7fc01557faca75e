/**
 * Exact sums of DynamoDB numbers (up to 38 significant digits, which a double cannot hold):
 * decimal strings are scaled to integers, added as BigInt, and scaled back.
 */
function parse(text: string): { units: bigint; scale: number } {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) throw new Error(`"${text}" is not a number`);
  const [, sign, whole, fraction = "", exponent] = match;
  let digits = `${whole}${fraction}`;
  let scale = fraction.length - (exponent ? Number(exponent) : 0);
  // Stryker disable next-line EqualityOperator: equivalent, at scale 0 the block appends no zeros
  if (scale < 0) {
    digits += "0".repeat(-scale);
    scale = 0;
  }
  return { units: BigInt(`${sign}${digits}`), scale };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  let text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  if (scale > 0) text = text.replace(/\.?0+$/, "");
  return negative ? `-${text}` : text;
}

export function addDecimals(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const units = x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale);
  return format(units, scale);
}

export function negateDecimal(a: string): string {
  const x = parse(a);
  return format(-x.units, x.scale);
}

export const isZeroDecimal = (a: string): boolean => parse(a).units === 0n;

/** The one text of a number's value: `1.50`, `1.5` and `15E-1` all give `1.5`, `-0` gives `0`. */
export function canonicalDecimal(a: string): string {
  const x = parse(a);
  return format(x.units, x.scale);
}
