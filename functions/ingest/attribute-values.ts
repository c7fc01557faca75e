import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DYNAMODB_LIMITS, dynamoNumberProblem, type NumberReason } from "../shared/dynamodb-number";
import { isJsonNumber, numberText } from "../shared/exact-json";
import { isWellFormedText } from "../shared/text";
import { CONTAINER_SIZE, ELEMENT_SIZE, FLAG_SIZE, numberSize, textSize } from "./item-size";

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
 * Turns the fields of one JSON payload (as `parseExactJson` gives it) into DynamoDB attribute
 * values, kept exactly: `""` and null stay, numbers keep their digits, and maps are
 * null-prototype objects, so a key such as `__proto__` is a key like any other (the SDK writes own
 * keys of such objects as they are). It counts the item's size as it goes (`bytes`, by the rules
 * of `itemSizeBytes`), so the item is walked once.
 */
export class AttributeConverter {
  /** Size of the attributes converted so far, as DynamoDB counts it. */
  bytes = 0;
  /** Where the value being converted is: field names and list indexes, for messages only. */
  private readonly path: (string | number)[] = [];

  /**
   * @param ascii the payload's text is ASCII and escapes no character (`\u`), so every string
   *   and name in it is ASCII: one byte a character, and no lone surrogate can hide in it.
   */
  constructor(private readonly ascii: boolean) {}

  /** A top-level attribute: its name and value both count towards the item's size. */
  attribute(name: string, value: unknown): AttributeValue {
    this.checkName(name);
    this.bytes += textSize(name, this.ascii);
    this.path.push(name);
    const converted = this.convert(value, 1);
    this.path.pop();
    return converted;
  }

  /** A field name DynamoDB can keep as it was sent, at any depth: not empty, and Unicode text. */
  private checkName(name: string): void {
    if (name === "") throw new UnstorableValue("invalid-attribute-name", `${this.where()} has a field with an empty name, which DynamoDB refuses`);
    if (!this.ascii && !isWellFormedText(name))
      throw new UnstorableValue("invalid-string", `a key in ${this.where()} holds a lone UTF-16 surrogate, which is not Unicode text`);
  }

  private where(): string {
    let text = "payload";
    for (const step of this.path) text += typeof step === "number" ? `[${step}]` : `.${step}`;
    return text;
  }

  private convert(value: unknown, depth: number): AttributeValue {
    if (value === null) return ((this.bytes += FLAG_SIZE), { NULL: true });
    if (typeof value === "boolean") return ((this.bytes += FLAG_SIZE), { BOOL: value });
    if (typeof value === "string") {
      if (!this.ascii && !isWellFormedText(value))
        throw new UnstorableValue("invalid-string", `${this.where()} holds a lone UTF-16 surrogate (an escape such as \\ud800), which is not Unicode text`);
      this.bytes += textSize(value, this.ascii);
      return { S: value };
    }
    if (isJsonNumber(value)) {
      const text = numberText(value);
      // A safe integer has at most 16 digits and is far inside DynamoDB's range.
      const problem = Number.isSafeInteger(value) ? undefined : dynamoNumberProblem(text);
      if (problem) throw new UnstorableValue(problem.reason, `${this.where()} = ${describe(text)} ${problem.why}`);
      this.bytes += numberSize(text);
      return { N: text };
    }
    if (depth >= DYNAMODB_LIMITS.nesting)
      throw new UnstorableValue("nested-too-deep", `${this.where()} is nested deeper than DynamoDB's ${DYNAMODB_LIMITS.nesting} levels`);
    this.bytes += CONTAINER_SIZE;
    if (Array.isArray(value)) {
      const list: AttributeValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        this.bytes += ELEMENT_SIZE;
        this.path.push(i);
        list[i] = this.convert(value[i], depth + 1);
        this.path.pop();
      }
      return { L: list };
    }
    const map: Record<string, AttributeValue> = Object.create(null);
    for (const key of Object.keys(value as object)) {
      this.checkName(key);
      this.bytes += ELEMENT_SIZE + textSize(key, this.ascii);
      this.path.push(key);
      map[key] = this.convert((value as Record<string, unknown>)[key], depth + 1);
      this.path.pop();
    }
    return { M: map };
  }
}
