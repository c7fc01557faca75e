import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DYNAMODB_LIMITS, dynamoNumberProblem, type NumberReason } from "../shared/dynamodb-number";
import { isJsonNumber, numberText } from "../shared/exact-json";
import { isWellFormedText } from "../shared/text";

export type AttributeReason = NumberReason | "invalid-string" | "invalid-attribute-name" | "nested-too-deep";

/** A value DynamoDB cannot hold as it was sent: which reason, and where. */
export class UnstorableValue extends Error {
  constructor(
    readonly reason: AttributeReason,
    message: string,
  ) {
    super(message);
  }
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
