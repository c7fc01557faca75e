import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { decimalParts } from "../shared/decimal-text";
import { isJsonNumber, numberText } from "../shared/exact-json";
import { isWellFormedText } from "../shared/text";

/**
 * DynamoDB's limits on values ("Supported data types and naming rules", Amazon DynamoDB developer
 * guide, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html):
 * numbers hold up to 38 significant digits, magnitudes from 1E-130 to 9.99…E+125 (DynamoDB trims
 * leading and trailing zeros, so only significant digits count); documents nest at most 32 levels
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). Empty
 * strings and NULL are allowed for every attribute that is not a key of the table or of an index
 * (https://aws.amazon.com/about-aws/whats-new/2020/05/amazon-dynamodb-now-supports-empty-values-for-non-key-string-and-binary-attributes-in-dynamodb-tables/).
 */
export const DYNAMODB_LIMITS = { significantDigits: 38, maxPoint: 126, minPoint: -129, nesting: 32 } as const;

export type AttributeReason = "number-out-of-range" | "number-too-precise" | "invalid-string" | "invalid-attribute-name" | "nested-too-deep";

/** A value DynamoDB cannot hold as it was sent: which reason, and where. */
export class UnstorableValue extends Error {
  constructor(
    readonly reason: AttributeReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why DynamoDB cannot store this number exactly, or undefined when it can. DynamoDB stores the
 * value, not the text: `1.50` comes back as `1.5` and `1E+2` as `100`, numerically equal.
 */
export function dynamoNumberProblem(text: string): { reason: AttributeReason; why: string } | undefined {
  const d = decimalParts(text)!;
  if (d.digits.length > DYNAMODB_LIMITS.significantDigits) return { reason: "number-too-precise", why: `has ${d.digits.length} significant digits; DynamoDB keeps 38` };
  if (d.digits !== "" && d.point > DYNAMODB_LIMITS.maxPoint) return { reason: "number-out-of-range", why: "is above DynamoDB's largest magnitude, 9.99…E+125" };
  if (d.digits !== "" && d.point < DYNAMODB_LIMITS.minPoint) return { reason: "number-out-of-range", why: "is below DynamoDB's smallest magnitude, 1E-130" };
  return undefined;
}

const describe = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}…` : text);

/**
 * A JSON value (as `parseExactJson` gives it) as a DynamoDB attribute value, kept exactly: `""`
 * and null stay, numbers keep their digits, and maps are null-prototype objects, so a key such as
 * `__proto__` is a key like any other (the SDK writes own keys of such objects as they are).
 */
export function toAttributeValue(value: unknown, path: string, depth = 0): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "boolean") return { BOOL: value };
  if (typeof value === "string") {
    if (!isWellFormedText(value)) throw new UnstorableValue("invalid-string", `${path} holds a lone UTF-16 surrogate (an escape such as \\ud800), which is not Unicode text`);
    return { S: value };
  }
  if (isJsonNumber(value)) {
    const text = numberText(value);
    const problem = dynamoNumberProblem(text);
    if (problem) throw new UnstorableValue(problem.reason, `${path} = ${describe(text)} ${problem.why}`);
    return { N: text };
  }
  if (depth >= DYNAMODB_LIMITS.nesting) throw new UnstorableValue("nested-too-deep", `${path} is nested deeper than DynamoDB's ${DYNAMODB_LIMITS.nesting} levels`);
  if (Array.isArray(value)) return { L: value.map((element, i) => toAttributeValue(element, `${path}[${i}]`, depth + 1)) };
  const map: Record<string, AttributeValue> = Object.create(null);
  for (const key of Object.keys(value as object)) {
    if (key === "") throw new UnstorableValue("invalid-attribute-name", `${path} has a field with an empty name, which DynamoDB refuses`);
    if (!isWellFormedText(key)) throw new UnstorableValue("invalid-string", `a key in ${path} holds a lone UTF-16 surrogate, which is not Unicode text`);
    map[key] = toAttributeValue((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
  }
  return { M: map };
}
