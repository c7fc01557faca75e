import { decimalParts } from "./decimal-text";

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

export type NumberReason = "number-out-of-range" | "number-too-precise";

/**
 * Why DynamoDB cannot store this number exactly, or undefined when it can. DynamoDB stores the
 * value, not the text: `1.50` comes back as `1.5` and `1E+2` as `100`, numerically equal.
 */
export function dynamoNumberProblem(text: string): { reason: NumberReason; why: string } | undefined {
  const d = decimalParts(text)!;
  if (d.digits.length > DYNAMODB_LIMITS.significantDigits)
    return { reason: "number-too-precise", why: `has ${d.digits.length} significant digits; DynamoDB keeps 38` };
  // Zero has point 0, inside both limits.
  if (d.point > DYNAMODB_LIMITS.maxPoint) return { reason: "number-out-of-range", why: "is above DynamoDB's largest magnitude, 9.99…E+125" };
  if (d.point < DYNAMODB_LIMITS.minPoint) return { reason: "number-out-of-range", why: "is below DynamoDB's smallest magnitude, 1E-130" };
  return undefined;
}
