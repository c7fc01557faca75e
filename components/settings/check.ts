import { closest, distance } from "fastest-levenshtein";
import { parseArn } from "../../functions/shared/arn";
import { IAM_ROLE_ARN, LOG_RETENTION_DAYS } from "../internal/aws-rules";

/**
 * The argument problems a settings model finds, each naming its argument's path
 * (`table.capacity.read`). Pulumi-free: the component turns them into one error at preview, a test
 * reads them directly. Checks look only at values known now: an output or a promise (an ARN another
 * resource gives, a secret) is left for the resource it reaches.
 */
export class SettingsCheck {
  readonly problems: string[] = [];

  fail(problem: string): void {
    this.problems.push(problem);
  }

  /** An optional integer within [min, max]. */
  integer(path: string, value: unknown, min: number, max: number): void {
    if (value === undefined) return;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      this.fail(`${path} must be an integer from ${min} to ${max}, got ${show(value)}`);
  }

  /** An optional value from a fixed list. */
  oneOf<T>(path: string, value: unknown, allowed: readonly T[]): void {
    if (value !== undefined && !allowed.includes(value as T)) this.fail(`${path} must be one of ${allowed.map(show).join(", ")}, got ${show(value)}`);
  }

  /** An optional boolean. */
  boolean(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== "boolean") this.fail(`${path} must be true or false, got ${show(value)}`);
  }

  /** A required argument: absent (or null) is a problem, whatever its type. */
  required(path: string, value: unknown, what: string): void {
    if (value === undefined || value === null) this.fail(`${path} is required: ${what}`);
  }

  /** An optional string that, when known, matches `pattern`. */
  matches(path: string, value: unknown, pattern: RegExp, rule: string): void {
    if (value === undefined || isPending(value)) return;
    if (typeof value !== "string" || !pattern.test(value)) this.fail(`${path} must be ${rule}, got ${show(value)}`);
  }

  /** An optional IAM role ARN (`arn:aws:iam::<account>:role/<name>`), as a principal or a trusted role. */
  roleArn(path: string, value: unknown): void {
    this.matches(path, value, IAM_ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
  }

  /**
   * An optional ARN of one service and resource type, such as `kinesis` and `stream/`, when known:
   * a name or an ARN of the wrong kind fails here rather than in the deployment.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
   */
  arn(path: string, value: unknown, kind: ArnKind): void {
    if (value === undefined || isPending(value)) return;
    const parsed = typeof value === "string" ? parseArn(value) : undefined;
    if (!parsed || parsed.service !== kind.service || !kind.resource.test(parsed.resource)) {
      this.fail(`${path} must be an ARN like ${kind.example}, got ${show(value)}`);
    }
  }

  /** An optional log retention CloudWatch Logs accepts (components/internal/aws-rules.ts). */
  logRetention(path: string, value: unknown): void {
    if (value !== undefined && !(LOG_RETENTION_DAYS as readonly unknown[]).includes(value)) {
      this.fail(`${path} must be a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")}), got ${show(value)}`);
    }
  }

  /**
   * Keys of `value` that its type does not have, each named with the closest known key: a misspelt
   * argument (`pul` for `pull`) would otherwise be dropped without a word by a caller without the
   * type checker (JavaScript, another language, `as any`). Returns whether `value` is an object.
   */
  knownKeys(path: string, value: unknown, known: readonly string[]): boolean {
    if (value === undefined || isPending(value)) return false;
    if (!isPlainObject(value)) {
      this.fail(`${path || "the arguments"} must be an object, got ${show(value)}`);
      return false;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const near = closest(key, known as string[]);
      const hint =
        near !== undefined && distance(key, near) <= Math.max(2, Math.floor(near.length / 3)) ? `: did you mean ${near}?` : `; known: ${known.join(", ")}`;
      this.fail(`${path ? `${path}.` : ""}${key} is not an argument${path ? ` of ${path}` : ""}${hint}`);
    }
    return true;
  }

  /**
   * An optional `attributeTypes`: a DynamoDB type for some of `keys`. A name that is no key would be
   * dropped without a word (its key staying a string), and DynamoDB refuses any type but S, N or B.
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeDefinition.html
   */
  attributeTypes(path: string, value: unknown, keys: readonly string[]): void {
    if (value === undefined || isPending(value)) return;
    if (!isPlainObject(value)) return this.fail(`${path} must be an object of key names to S, N or B, got ${show(value)}`);
    for (const [key, type] of Object.entries(value)) {
      if (!keys.includes(key)) this.fail(`${path}.${key} names no key of this table (${keys.length > 0 ? `its keys: ${keys.join(", ")}` : "it takes none"})`);
      this.oneOf(`${path}.${key}`, type, Object.values(KeyAttributeType));
    }
  }

  /** Each element of an optional array, with its index in the path; anything else is a problem. */
  each<T>(path: string, value: readonly T[] | undefined, check: (element: T, elementPath: string) => void): void {
    if (value === undefined || isPending(value)) return;
    if (!Array.isArray(value)) {
      this.fail(`${path} must be a list, got ${show(value)}`);
      return;
    }
    value.forEach((element, i) => check(element, `${path}[${i}]`));
  }
}

/** A table's key attribute names: its hash key and, when it has one, its range key. */
export const tableKeys = (hashKey: string | undefined, rangeKey: string | undefined): string[] => [hashKey, rangeKey].filter((k): k is string => Boolean(k));

/** A key attribute's DynamoDB type: string, number or binary. */
export const KeyAttributeType = { S: "S", N: "N", B: "B" } as const;
export type KeyAttributeType = (typeof KeyAttributeType)[keyof typeof KeyAttributeType];

/** An ARN's service and the shape of its whole resource part, and an example for messages. */
export interface ArnKind {
  service: string;
  resource: RegExp;
  example: string;
}

/**
 * The ARNs the components take, each resource in full: a table's ARN where its stream's belongs,
 * or a stream's where a consumer's belongs, is refused here, not by Lambda at deploy (or read
 * through shared throughput instead of the consumer's own).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesis.html (stream, consumer)
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html (stream)
 */
export const ARN = {
  kinesisStream: { service: "kinesis", resource: /^stream\/[\w.-]+$/, example: "arn:aws:kinesis:<region>:<account>:stream/<name>" },
  kinesisConsumer: {
    service: "kinesis",
    resource: /^stream\/[\w.-]+\/consumer\/[\w.-]+:\d+$/,
    example: "arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<created>",
  },
  kmsKey: { service: "kms", resource: /^key\/[^/]+$/, example: "arn:aws:kms:<region>:<account>:key/<id>" },
  tableStream: { service: "dynamodb", resource: /^table\/[\w.-]+\/stream\/[^/]+$/, example: "arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>" },
  // A bucket, not an object (no "/"); as wide as the legacy names us-east-1 still holds (uppercase, "_", 255 characters).
  bucket: { service: "s3", resource: /^[\w.-]{3,255}$/, example: "arn:aws:s3:::<bucket>" },
  topic: { service: "sns", resource: /^[\w-]+(\.fifo)?$/, example: "arn:aws:sns:<region>:<account>:<topic>" },
} as const satisfies Record<string, ArnKind>;

/**
 * The keys of `T`, checked by the compiler to be every key and only keys of `T`: the list the
 * unknown-key check reads, which cannot drift from the interface.
 */
export function keysOf<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : ["missing keys", Exclude<keyof T, K[number]>])
  ): K => keys;
}

/** A value not known yet: a Pulumi output or a promise (an object with `apply` or `then`). */
export function isPending(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (typeof (value as { apply?: unknown }).apply === "function" || typeof (value as { then?: unknown }).then === "function")
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : typeof value;
}

/**
 * The given settings over their defaults, leaving out what the caller left unset (undefined or
 * null, as `??` would), as AWS Solutions Constructs' consolidateProps merges defaults with props.
 * Only the keys of `defaults` are taken: a setting without a default is the caller's to read.
 */
export function withDefaults<D extends object>(defaults: D, given: { [K in keyof D]?: Widen<D[K]> | null } | undefined): Widened<D> {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const key of Object.keys(defaults)) {
    const value = (given as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined && value !== null) merged[key] = value;
  }
  return merged as Widened<D>;
}

/** A defaults object's shape with its literal types widened: a default of `5` types a setting as `number`. */
export type Widened<D> = { -readonly [K in keyof D]: Widen<D[K]> };
type Widen<T> = T extends number ? number : T extends string ? string : T extends boolean ? boolean : T;
