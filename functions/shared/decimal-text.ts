/**
 * A decimal number's text taken apart, exactly: its value is `±0.<digits> × 10^point`, with
 * `digits` the significant digits (no leading or trailing zeros; "" for zero). `1.50` is
 * `{digits: "15", point: 1}`, `-0.025` is `{negative, digits: "25", point: -1}`, `1E+125` is
 * `{digits: "1", point: 126}`.
 */
export interface DecimalText {
  negative: boolean;
  digits: string;
  point: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Takes a number's text apart; undefined when it is not a decimal number. */
export function decimalParts(text: string): DecimalText | undefined {
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === "" && !match[3])) return undefined;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  const all = whole + fraction;
  const leading = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(leading).replace(/0+$/, "");
  // Number() of a huge exponent is ±Infinity, which still orders correctly against any limit.
  const point = digits === "" ? 0 : whole.length - leading + Number(exponent);
  return { negative: sign === "-" && digits !== "", digits, point };
}

/** Digits after the decimal point the value needs: 0 for an integer. */
export const fractionDigits = (d: DecimalText): number => Math.max(0, d.digits.length - d.point);

/** The value as plain decimal text, without exponent, leading or trailing zeros: `1.5`, `-0.025`, `150`. */
export function plainDecimal(d: DecimalText): string {
  if (d.digits === "") return "0";
  let text: string;
  if (d.point <= 0) text = `0.${"0".repeat(-d.point)}${d.digits}`;
  else if (d.point >= d.digits.length) text = d.digits + "0".repeat(d.point - d.digits.length);
  else text = `${d.digits.slice(0, d.point)}.${d.digits.slice(d.point)}`;
  return d.negative ? `-${text}` : text;
}

/** The value of an integral decimal as a BigInt (callers check `fractionDigits` is 0 and the size is sane first). */
export function integerValue(d: DecimalText): bigint {
  if (d.digits === "") return 0n;
  const magnitude = BigInt(d.digits + "0".repeat(d.point - d.digits.length));
  return d.negative ? -magnitude : magnitude;
}
