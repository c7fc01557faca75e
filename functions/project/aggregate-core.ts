import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { dynamoNumberProblem } from "../shared/dynamodb-number";
import { addDecimals, isZeroDecimal, negateDecimal } from "./decimal";
import { groupByName, type AggregateSpec, type GroupBy } from "./spec";

/** What one record adds to one group: a count of -1, 0 or +1, and an exact amount per sum. */
export interface Delta {
  group: string;
  /** The group's values, by group-by name, set on the aggregate item for queries. */
  values: Record<string, string>;
  count: number;
  sums: Record<string, string>;
}

export type AggregateChange = { kind: "apply"; deltas: Delta[] } | { kind: "poison"; reason: string };

/** JavaScript's Date holds ±8.64e15 ms around 1970 (ECMA-262, "Time Values and Time Range"). */
const MAX_TIME_MS = 8.64e15;

/** A timestamp's hour, day or month; a problem when the value is there but is no time a Date can hold. */
function periodOf(name: string, value: AttributeValue, period: "hour" | "day" | "month"): string | { problem: string } {
  let time: number;
  if (value.S !== undefined) time = Date.parse(value.S);
  else if (value.N !== undefined) time = Number(value.N) < 1e11 ? Number(value.N) * 1000 : Number(value.N);
  else return { problem: `${name} is not a string or number timestamp` };
  const shown = (value.S ?? value.N)!.slice(0, 40);
  if (!Number.isFinite(time) || Math.abs(time) > MAX_TIME_MS)
    return { problem: `${name} = ${JSON.stringify(shown)} is not a time between the years -271821 and 275760` };
  const iso = new Date(time).toISOString();
  // Cut relative to the "T": years past 9999 are written with a sign and six digits (+275760-09-13T…).
  const t = iso.indexOf("T");
  return period === "hour" ? iso.slice(0, t + 3) : period === "day" ? iso.slice(0, t) : iso.slice(0, t - 3);
}

function groupValue(image: Record<string, AttributeValue>, entry: GroupBy): string | undefined | { problem: string } {
  const attribute = typeof entry === "string" ? entry : entry.attribute;
  const value = image[attribute];
  if (!value) return undefined;
  if (typeof entry !== "string") return periodOf(attribute, value, entry.period);
  return value.S ?? value.N;
}

/** The group key: the values joined by "|", with "|" and "\" in a value escaped. */
export function groupKey(values: readonly string[]): string {
  return values.map((v) => v.replace(/[\\|]/g, (c) => `\\${c}`)).join("|");
}

/** What one item adds to its group: a count of one, and an amount per sum (as the image writes it). */
export interface Contribution {
  group: string;
  values: Record<string, string>;
  sums: Record<string, string>;
}

/** An image's contribution to its group, undefined when it lacks a group-by value, or why it cannot have one. */
export function contributionOf(image: Record<string, AttributeValue>, spec: AggregateSpec): Contribution | undefined | { problem: string } {
  const values: Record<string, string> = {};
  for (const entry of spec.groupBy) {
    const value = groupValue(image, entry);
    if (value === undefined || typeof value === "object") return value;
    values[groupByName(entry)] = value;
  }
  const sums: Record<string, string> = {};
  for (const { name, attribute } of spec.sums ?? []) {
    // Absent and NULL add nothing; any other value that is not a number is no amount at all.
    const value = image[attribute];
    if (value && value.N === undefined && value.NULL === undefined) return { problem: `${attribute} is not a number, so it cannot be summed into ${name}` };
    sums[name] = value?.N ?? "0";
  }
  return { group: groupKey(Object.values(values)), values, sums };
}

const signed = (c: Contribution, sign: 1 | -1): Delta => ({
  group: c.group,
  values: c.values,
  count: sign,
  sums: Object.fromEntries(Object.entries(c.sums).map(([name, amount]) => [name, sign === 1 ? amount : negateDecimal(amount)])),
});

/** Deltas summed per group, in the order groups first appear; those that cancel out are dropped. */
export function mergeDeltas(parts: readonly Delta[]): Delta[] {
  const byGroup = new Map<string, Delta>();
  for (const part of parts) {
    const existing = byGroup.get(part.group);
    if (!existing) {
      byGroup.set(part.group, { ...part, sums: { ...part.sums } });
      continue;
    }
    existing.count += part.count;
    for (const [sum, amount] of Object.entries(part.sums))
      existing.sums[sum] = existing.sums[sum] === undefined ? amount : addDecimals(existing.sums[sum], amount);
  }
  return [...byGroup.values()].filter((d) => d.count !== 0 || Object.values(d.sums).some((amount) => !isZeroDecimal(amount)));
}

/** What moving an item from one contribution to another changes: the new one added, the old one taken away. */
export const difference = (from: Contribution | undefined, to: Contribution | undefined): Delta[] =>
  mergeDeltas([...(to ? [signed(to, 1)] : []), ...(from ? [signed(from, -1)] : [])]);

/** Why DynamoDB's ADD cannot take one of these changes (it takes up to 38 significant digits), or undefined. */
export function deltaProblem(deltas: readonly Delta[]): string | undefined {
  for (const delta of deltas) {
    for (const [sum, amount] of Object.entries(delta.sums)) {
      const tooBig = dynamoNumberProblem(amount);
      if (tooBig) return `the change to sum ${sum} of group ${JSON.stringify(delta.group)}, ${amount.slice(0, 45)}, ${tooBig.why}`;
    }
  }
  return undefined;
}

/** Why a record cannot be aggregated whatever its old image: an unknown event, or no new image where one must be. */
export function eventProblem(record: DynamoDBRecord): string | undefined {
  const name = record.eventName;
  if (name !== "INSERT" && name !== "MODIFY" && name !== "REMOVE") return `eventName "${name}" is not INSERT, MODIFY or REMOVE`;
  if (name !== "REMOVE" && !record.dynamodb?.NewImage) return `${name} without NewImage: the table's stream view type must include new images`;
  return undefined;
}

/**
 * What one stream record changes in the aggregates: INSERT adds the new image, REMOVE takes the
 * old one away, MODIFY does both (the difference, which needs the old image). Deltas that cancel
 * out are dropped.
 */
export function aggregateChange(record: DynamoDBRecord, spec: AggregateSpec): AggregateChange {
  const stream = record.dynamodb ?? {};
  const name = record.eventName;
  const invalid = eventProblem(record);
  if (invalid) return { kind: "poison", reason: invalid };
  if (name !== "INSERT" && !stream.OldImage) {
    return { kind: "poison", reason: `${name} without OldImage: aggregates need the stream view type NEW_AND_OLD_IMAGES to take the old values away` };
  }
  // The checks above make sure the images these read are there.
  const after = name !== "REMOVE" ? contributionOf(stream.NewImage!, spec) : undefined;
  const before = name !== "INSERT" ? contributionOf(stream.OldImage!, spec) : undefined;
  const problem = [after, before].find((c): c is { problem: string } => c !== undefined && "problem" in c);
  if (problem) return { kind: "poison", reason: problem.problem };
  const deltas = difference(before as Contribution | undefined, after as Contribution | undefined);
  // DynamoDB's ADD takes a number of up to 38 significant digits; a larger change is parked, never rounded.
  const tooBig = deltaProblem(deltas);
  return tooBig ? { kind: "poison", reason: tooBig } : { kind: "apply", deltas };
}
