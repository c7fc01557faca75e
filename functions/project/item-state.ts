import type { DynamoDBRecord } from "aws-lambda";
import { contributionOf, difference, eventProblem, type Contribution, type Delta } from "./aggregate-core";
import { canonicalDecimal } from "./decimal";
import { BACKFILL_SEQUENCE, sortableSequence, type AggregateSpec } from "./spec";
import { itemKeyText } from "./stream-image";

/**
 * An aggregate keeps, in its ledger, one entry per item it counts: what the item adds to the
 * aggregates now and the stream sequence number of the change that says so. A change is applied
 * as the difference between the entry and the item's new state, in one transaction with the
 * entry's update, conditional on the entry being what the difference assumed. So each change
 * counts once however often it is delivered (one not newer than the entry is a replay), the
 * newest change wins, and an item `npm run backfill` read at any moment counts once: the live
 * stream's changes move it from whatever state the backfill counted.
 */

/** One keyed record's change to its item, decided by pure code. */
export interface ItemChange {
  record: DynamoDBRecord;
  /** The item's ledger entry (`itemLedgerKey`). */
  item: string;
  /** The record's stream sequence number, sortable (`sortableSequence`). */
  sequence: string;
  /** What the item adds after the change: undefined when nothing (removed, or no group-by value). */
  after: Contribution | undefined;
  /** What it added before, by the record's old image: only a first guess at the entry, which the write checks. */
  before: Contribution | undefined;
}

/** The ledger entry of the item a record changes: `item:` and the item's key (`itemKeyText`). Undefined for a record without keys. */
export function itemLedgerKey(record: DynamoDBRecord): string | undefined {
  const key = itemKeyText(record);
  return key === undefined ? undefined : `item:${key}`;
}

/** An entry's `counted` text: the group, its values and the amounts as one canonical text, `none` when the item adds nothing. */
export function encodeCounted(contribution: Contribution | undefined): string {
  if (!contribution) return "none";
  const sums = Object.fromEntries(Object.entries(contribution.sums).map(([name, amount]) => [name, canonicalDecimal(amount)]));
  return JSON.stringify([contribution.group, contribution.values, sums]);
}

export function decodeCounted(text: string): Contribution | undefined {
  if (text === "none") return undefined;
  const [group, values, sums] = JSON.parse(text) as [string, Record<string, string>, Record<string, string>];
  return { group, values, sums };
}

/**
 * What a keyed record does to its item, or why it cannot be aggregated: its new image's
 * contribution (a REMOVE's is none). The old image only seeds a guess, so a MODIFY or REMOVE
 * without one, or with an old image that could not be placed, is still applied.
 */
export function itemChange(record: DynamoDBRecord, item: string, spec: AggregateSpec): ItemChange | { problem: string } {
  const invalid = eventProblem(record);
  if (invalid) return { problem: invalid };
  const sequence = record.dynamodb?.SequenceNumber;
  if (!sequence) return { problem: "the record has no SequenceNumber" };
  const after = record.eventName === "REMOVE" ? undefined : contributionOf(record.dynamodb!.NewImage!, spec);
  if (after && "problem" in after) return { problem: after.problem };
  const old = record.eventName === "INSERT" || !record.dynamodb?.OldImage ? undefined : contributionOf(record.dynamodb.OldImage, spec);
  return { record, item, sequence: sortableSequence(sequence), after, before: old && "problem" in old ? undefined : old };
}

/** What the transaction assumes the item's entry holds: a guess from the oldest change's old image, or what DynamoDB said it holds. */
export type Assumed = { kind: "guess"; counted: Contribution | undefined } | { kind: "absent" } | { kind: "entry"; sequence: string; counted: string };

/** What one item's changes do, given what its entry is assumed to hold. */
export interface ItemPlan {
  /** Changes not newer than the entry: already in the aggregates. */
  replayed: ItemChange[];
  /** Changes this write applies, oldest first; the newest sets the item's state. */
  applied: ItemChange[];
  deltas: Delta[];
  /** The entry's new value, or undefined when nothing needs writing. */
  entry?: { sequence: string; counted: string; changedAt: number | undefined };
}

const BACKFILLED = sortableSequence(BACKFILL_SEQUENCE);

/** The plan for an item's changes (sorted oldest first, each sequence once) against what its entry is assumed to hold. */
export function planItem(changes: readonly ItemChange[], assumed: Assumed): ItemPlan {
  const applied = assumed.kind === "entry" ? changes.filter((c) => c.sequence > assumed.sequence) : [...changes];
  const replayed = changes.filter((c) => !applied.includes(c));
  if (applied.length === 0) return { replayed, applied, deltas: [] };
  const from = assumed.kind === "absent" ? undefined : assumed.kind === "guess" ? assumed.counted : decodeCounted(assumed.counted);
  const newest = applied[applied.length - 1];
  const deltas = difference(from, newest.after);
  // A backfilled item that adds nothing to an item counted as nothing needs no entry: any live change is newer anyway.
  if (!from && !newest.after && applied.every((c) => c.sequence === BACKFILLED)) return { replayed, applied, deltas };
  return {
    replayed,
    applied,
    deltas,
    entry: { sequence: newest.sequence, counted: encodeCounted(newest.after), changedAt: newest.record.dynamodb?.ApproximateCreationDateTime },
  };
}
