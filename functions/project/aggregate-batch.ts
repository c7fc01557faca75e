import {
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type Put,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { isRejectedAsInvalid } from "../shared/aws-errors";
import { backoffDelay, sleep, type RetryOptions } from "../shared/retry";
import { deltaProblem, mergeDeltas } from "./aggregate-core";
import { CONTENDED, groupUpdate, type AggregateTables } from "./apply";
import { encodeCounted, planItem, type Assumed, type ItemChange, type ItemPlan } from "./item-state";
import { COUNTED, EXPIRES_AT, LEDGER_KEY, SOURCE_SEQUENCE } from "./spec";
import { TRANSACTION_LIMITS, TRANSACTIONS_IN_FLIGHT } from "./write-limits";

/** How a record ends: applied (and changing a group, or not), already applied, or parked with why. */
/** `skip`: a record that changes nothing, with why (logged). */
export type BatchVerdict = "written" | "skipped" | "replayed" | { skip: string } | { park: string };

export interface BatchOutcome {
  verdicts: Map<DynamoDBRecord, BatchVerdict>;
  /** When a write failed: the records it left unapplied (with those of every write after it), and why. */
  failed?: { records: DynamoDBRecord[]; error: unknown };
}

/** One item's changes in the batch, oldest first, and what its ledger entry is taken to hold. */
interface Work {
  item: string;
  changes: ItemChange[];
  assumed: Assumed;
}

type Dynamo = Pick<DynamoDBClient, "send">;

interface Context {
  dynamodb: Dynamo;
  tables: AggregateTables;
  retry: RetryOptions;
  verdicts: Map<DynamoDBRecord, BatchVerdict>;
}

/** The condition that the entry holds what the plan assumed. */
function assumption(assumed: Assumed, plan: ItemPlan): Pick<Put, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> {
  const names = { "#seq": SOURCE_SEQUENCE, "#counted": COUNTED };
  if (assumed.kind === "absent") return { ConditionExpression: "attribute_not_exists(#id)", ExpressionAttributeNames: { "#id": LEDGER_KEY } };
  if (assumed.kind === "entry")
    return {
      ConditionExpression: "#seq = :seq AND #counted = :counted",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ":seq": { S: assumed.sequence }, ":counted": { S: assumed.counted } },
    };
  // A guess: every change of the batch is newer than the entry, which holds what the oldest one's old image adds, or is absent when that is nothing.
  const values = { ":first": { S: plan.applied[0].sequence }, ":counted": { S: encodeCounted(assumed.counted) } };
  if (assumed.counted)
    return { ConditionExpression: "#seq < :first AND #counted = :counted", ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  return {
    ConditionExpression: "attribute_not_exists(#id) OR (#seq < :first AND #counted = :counted)",
    ExpressionAttributeNames: { ...names, "#id": LEDGER_KEY },
    ExpressionAttributeValues: values,
  };
}

/** The entry's put, conditional on the entry holding what the plan assumed; when it does not, DynamoDB returns what it holds. An entry of an item that adds nothing expires, and so does every entry when the table's items expire. */
function entryPut(tables: AggregateTables, work: Work, plan: ItemPlan): TransactWriteItem {
  const { sequence, counted, changedAt } = plan.entry!;
  const item: Record<string, AttributeValue> = { [LEDGER_KEY]: { S: work.item }, [SOURCE_SEQUENCE]: { S: sequence }, [COUNTED]: { S: counted } };
  if (tables.countedEntriesExpire || counted === encodeCounted(undefined))
    item[EXPIRES_AT] = { N: String(Math.floor(changedAt ?? Date.now() / 1000) + tables.ledgerTtlDays * 86_400) };
  return { Put: { TableName: tables.ledger, Item: item, ...assumption(work.assumed, plan), ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
}

/** What the entry holds, as DynamoDB returned it with a failed condition (no item: there is none). */
function assumedFrom(item: Record<string, AttributeValue> | undefined): Assumed {
  if (!item || Object.keys(item).length === 0) return { kind: "absent" };
  const sequence = item[SOURCE_SEQUENCE]?.S;
  const counted = item[COUNTED]?.S;
  if (sequence === undefined || counted === undefined)
    throw new Error(`the ledger entry ${item[LEDGER_KEY]?.S} has no ${SOURCE_SEQUENCE} or ${COUNTED}: it was not written by this projection`);
  return { kind: "entry", sequence, counted };
}

function settle(ctx: Context, plan: ItemPlan): void {
  for (const change of plan.replayed) ctx.verdicts.set(change.record, "replayed");
  for (const change of plan.applied) ctx.verdicts.set(change.record, plan.deltas.length > 0 ? "written" : "skipped");
}

/**
 * More than the bytes an item's actions add to a transaction: its entry's texts, each group's key,
 * values and sums (three bytes a UTF-16 unit at most in UTF-8), and room for names and numbers.
 */
function itemBytes(work: Work, plan: ItemPlan): number {
  const text = (t: string) => 3 * t.length;
  let bytes = plan.entry ? text(work.item) + text(plan.entry.counted) + 100 : 0;
  for (const delta of plan.deltas)
    bytes += 2 * text(delta.group) + Object.entries({ ...delta.values, ...delta.sums }).reduce((sum, [name, value]) => sum + text(name) + text(value), 0) + 100;
  return bytes;
}

/** A transaction's items, and the groups their first plans update. */
interface Transaction {
  works: Work[];
  groups: Set<string>;
}

/** Items cut into transactions of up to 100 actions, in the order given; an item's entry and its groups' updates always go together. */
function cut(works: readonly Work[]): Transaction[] {
  const transactions: Transaction[] = [];
  let current: Transaction | undefined;
  let entries = 0;
  for (const work of works) {
    const plan = planItem(work.changes, work.assumed);
    const own = plan.deltas.map((d) => d.group).filter((g) => !current?.groups.has(g));
    if (!current || entries + 1 + current.groups.size + own.length > TRANSACTION_LIMITS.actions) {
      current = { works: [], groups: new Set() };
      transactions.push(current);
      entries = 0;
    }
    current.works.push(work);
    entries += plan.entry ? 1 : 0;
    for (const delta of plan.deltas) current.groups.add(delta.group);
  }
  return transactions;
}

/**
 * Transactions in waves that run at once: in order, each joining the current wave unless it
 * updates a group a transaction of that wave updates (or the wave is full), so that a batch's own
 * transactions do not conflict and a group's updates keep their order.
 */
function waves(transactions: readonly Transaction[]): Transaction[][] {
  const result: Transaction[][] = [];
  let wave: Transaction[] | undefined;
  const shared = (t: Transaction, among: Transaction[]) => among.some((other) => [...t.groups].some((g) => other.groups.has(g)));
  for (const transaction of transactions) {
    if (!wave || wave.length >= TRANSACTIONS_IN_FLIGHT || shared(transaction, wave)) {
      wave = [];
      result.push(wave);
    }
    wave.push(transaction);
  }
  return result;
}

/** Applies one transaction's items: learns what their entries hold when a guess was wrong, retries contention with backoff, splits or parks what DynamoDB refuses. */
async function transact(ctx: Context, works: Work[]): Promise<void> {
  for (let contention = 0; ;) {
    const plans = works.map((work) => ({ work, plan: planItem(work.changes, work.assumed) }));
    const writing = plans.filter((p) => p.plan.entry);
    const deltas = mergeDeltas(writing.flatMap((p) => p.plan.deltas));
    const actions = [...writing.map((p) => entryPut(ctx.tables, p.work, p.plan)), ...deltas.map((d) => groupUpdate(ctx.tables.target, d))];
    // Halved when over the limits: items of (rare) large texts, or groups that what DynamoDB said an entry holds added.
    const bytes = plans.reduce((sum, p) => sum + itemBytes(p.work, p.plan), 0);
    if (works.length > 1 && (actions.length > TRANSACTION_LIMITS.actions || bytes > TRANSACTION_LIMITS.bytes)) return halves(ctx, works);
    const tooBig = deltaProblem(deltas);
    if (tooBig) return refused(ctx, works, tooBig);
    if (writing.length === 0) return plans.forEach((p) => settle(ctx, p.plan));
    try {
      await ctx.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: actions }));
      return plans.forEach((p) => settle(ctx, p.plan));
    } catch (error) {
      if (isRejectedAsInvalid(error)) return refused(ctx, works, `rejected by DynamoDB: ${(error as Error).message}`);
      // One reason per action, in the request's order (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html): the entries come first.
      // Stryker disable next-line ArrayDeclaration: equivalent, reasons that are not there name no code
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : undefined;
      if (!reasons) throw error;
      const invalid = reasons.find((r) => r.Code === "ValidationError");
      if (invalid) return refused(ctx, works, `rejected by DynamoDB: ${invalid.Message ?? (error as Error).message}`);
      let learned = false;
      let changedMeanwhile = false;
      writing.forEach(({ work }, i) => {
        if (reasons[i]?.Code !== "ConditionalCheckFailed") return;
        // A wrong guess is learned at no cost; an entry that changed since it was read means another writer got there first.
        if (work.assumed.kind !== "guess") changedMeanwhile = true;
        work.assumed = assumedFrom(reasons[i].Item);
        learned = true;
      });
      const contended = changedMeanwhile || reasons.some((r) => CONTENDED.has(r.Code));
      if (!learned && !contended) throw error;
      if (contended) {
        if (++contention >= ctx.retry.maxAttempts) throw error;
        await (ctx.retry.wait ?? sleep)(backoffDelay(contention - 1, ctx.retry));
      }
    }
  }
}

async function halves(ctx: Context, works: Work[]): Promise<void> {
  const middle = Math.ceil(works.length / 2);
  await transact(ctx, works.slice(0, middle));
  await transact(ctx, works.slice(middle));
}

/**
 * DynamoDB refused a transaction's writes as invalid (or a sum would pass 38 digits): halved until
 * one item is left, whose newest change is then parked with the reason and the item applied
 * again without it, so that one bad change never holds back the others.
 */
async function refused(ctx: Context, works: Work[], reason: string): Promise<void> {
  if (works.length > 1) return halves(ctx, works);
  const [work] = works;
  const { applied } = planItem(work.changes, work.assumed);
  const newest = applied[applied.length - 1];
  ctx.verdicts.set(newest.record, { park: reason });
  work.changes = work.changes.filter((c) => c !== newest);
  return transact(ctx, works);
}

/**
 * Applies a batch's keyed changes to an aggregate: per item, the newest change (by stream
 * sequence) sets what the item adds, and the difference from what its ledger entry says it added
 * goes to the groups; per transaction, each group's differences are summed and it is updated
 * once, together with the entries of its items. Transactions that share no group run at once
 * (`waves`); after a wave in which one failed the batch stops, naming what it left unapplied.
 */
export async function applyAggregateBatch(
  dynamodb: Dynamo,
  tables: AggregateTables,
  changes: readonly ItemChange[],
  retry: RetryOptions,
): Promise<BatchOutcome> {
  const ctx: Context = { dynamodb, tables, retry, verdicts: new Map() };
  const byItem = new Map<string, ItemChange[]>();
  for (const change of changes) {
    if (!byItem.has(change.item)) byItem.set(change.item, []);
    byItem.get(change.item)!.push(change);
  }
  const works: Work[] = [];
  for (const [item, list] of byItem) {
    const sorted = [...list].sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
    // The same record twice in one batch counts once.
    const unique = sorted.filter((c, i) => i === 0 || c.sequence !== sorted[i - 1].sequence);
    for (const twice of sorted.filter((c) => !unique.includes(c))) ctx.verdicts.set(twice.record, "replayed");
    works.push({ item, changes: unique, assumed: { kind: "guess", counted: unique[0].before } });
  }
  const planned = waves(cut(works));
  for (const wave of planned) {
    const settled = await Promise.allSettled(wave.map((t) => transact(ctx, t.works)));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) {
      const left = planned
        .flat()
        .flatMap((t) => t.works)
        .flatMap((w) => w.changes.map((c) => c.record))
        .filter((r) => !ctx.verdicts.has(r));
      return { verdicts: ctx.verdicts, failed: { records: left, error: failure.reason } };
    }
  }
  return { verdicts: ctx.verdicts };
}
