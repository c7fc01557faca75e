import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { isRejectedAsInvalid } from "../shared/aws-errors";
import { mapWithConcurrency } from "../shared/retry";
import { type BatchOutcome, type BatchVerdict } from "./aggregate-batch";
import { deleteIfNewer, putIfNewer, type IndexTable } from "./apply";
import { keyOf, type IndexChange } from "./index-core";
import { sortableSequence, type IndexSpec } from "./spec";
import { type Item } from "./stream-image";
import { INDEX_WRITE_CONCURRENCY } from "./write-limits";

type Write = ({ kind: "put"; item: Item } | { kind: "delete"; key: Item }) & { sequence: string; owner: string; record: DynamoDBRecord };
/**
 * What one item's writes to one index key came to: the outcome of its newest write, the one made;
 * for `heldBy`, also the key's text, that write's kind and its record (`made`).
 */
type GroupOutcome = { result: "written" | "stale" } | { heldBy: string; by: Write["kind"]; key: string; made: DynamoDBRecord } | { error: unknown };

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (writes: readonly Write[]): Write[] => [...writes].sort((a, b) => compare(sortableSequence(b.sequence), sortableSequence(a.sequence)));
const groupId = (key: string, owner: string): string => JSON.stringify([key, owner]);

/** When an item's claim on a key began: its first put there after its last delete there. */
function claimedAt(writes: readonly Write[]): string {
  const oldestFirst = newestFirst(writes).reverse();
  const lastDelete = oldestFirst.map((w) => w.kind).lastIndexOf("delete");
  return sortableSequence(oldestFirst[lastDelete + 1].sequence);
}

/**
 * An index key's items in the order their writes are made, as the stream made their changes:
 * those whose newest write deletes first, so an item taking a key another item left in the same
 * batch finds it free; then those that put, in the order their claims began, so the first to
 * claim the key keeps it.
 */
function inKeyOrder(owners: ReadonlyMap<string, Write[]>): Write[][] {
  const leaving = (writes: Write[]) => newestFirst(writes)[0].kind === "delete";
  const groups = [...owners.values()];
  return [...groups.filter(leaving), ...groups.filter((w) => !leaving(w)).sort((a, b) => compare(claimedAt(a), claimedAt(b)))];
}

/**
 * A record's verdict by its first key's outcome. Where another item's copy holds the key, the put
 * that was made is parked; the item's older changes there and its removals are skipped.
 */
function verdictOf(outcome: Exclude<GroupOutcome, { error: unknown }>, record: DynamoDBRecord, kind: Write["kind"]): BatchVerdict {
  if ("result" in outcome) return outcome.result === "written" ? "written" : "replayed";
  const held = `the index item under ${outcome.key} copies another item of the table (${outcome.heldBy})`;
  if (outcome.by === "put" && record === outcome.made) return { park: `${held}: an index holds one item per key, so choose index keys that identify one item` };
  return { skip: kind === "put" && outcome.by === "put" ? `${held}; this item's newest change to it is parked` : `${held}, not this one` };
}

/**
 * Applies a batch's index changes: per index key and table item only the newest write (by stream
 * sequence) is made, each conditional on the index holding nothing newer of that item and no other
 * item's copy under the key (`putIfNewer`); index keys at once up to INDEX_WRITE_CONCURRENCY, one
 * key's items one after another (`inKeyOrder`). A write DynamoDB refuses as invalid parks its
 * record and the item's next newest write is made instead. A record's verdict is its first key's:
 * written; "replayed" when the index already held something newer; where another item's copy
 * holds the key, parked when its put was the one made, else skipped (`verdictOf`). It is left
 * unapplied when any of its writes failed.
 */
export async function applyIndexBatch(
  dynamodb: Pick<DynamoDBClient, "send">,
  table: string,
  spec: IndexSpec,
  changes: readonly { record: DynamoDBRecord; change: Extract<IndexChange, { kind: "put" | "delete" }> }[],
): Promise<BatchOutcome> {
  const byKey = new Map<string, Map<string, Write[]>>();
  const groupsOf = new Map<DynamoDBRecord, string[]>();
  const add = (key: Item, write: Write) => {
    const text = JSON.stringify(key);
    const owners = byKey.get(text) ?? new Map<string, Write[]>();
    byKey.set(text, owners.set(write.owner, [...(owners.get(write.owner) ?? []), write]));
    groupsOf.set(write.record, [...(groupsOf.get(write.record) ?? []), groupId(text, write.owner)]);
  };
  for (const { record, change } of changes) {
    const { sequence, owner } = change;
    if (change.kind === "delete") {
      add(change.key, { kind: "delete", key: change.key, sequence, owner, record });
      continue;
    }
    // The first key a record has is the one its verdict follows: where its new image goes.
    add(keyOf(change.item, spec)!, { kind: "put", item: change.item, sequence, owner, record });
    if (change.replaces) add(change.replaces, { kind: "delete", key: change.replaces, sequence, owner, record });
  }

  const index: IndexTable = { name: table, expires: spec.ttlDays !== undefined };
  const parked = new Map<DynamoDBRecord, string>();
  const outcomes = new Map<string, GroupOutcome>();
  const applyNewest = async (key: string, writes: Write[]): Promise<GroupOutcome | undefined> => {
    for (const write of newestFirst(writes)) {
      try {
        const outcome = write.kind === "put" ? await putIfNewer(dynamodb, index, write.item, write) : await deleteIfNewer(dynamodb, index, write.key, write);
        return typeof outcome === "string" ? { result: outcome } : { ...outcome, by: write.kind, key, made: write.record };
      } catch (error) {
        if (!isRejectedAsInvalid(error)) return { error };
        parked.set(write.record, `rejected by DynamoDB: ${(error as Error).message}`);
      }
    }
    return undefined;
  };
  await mapWithConcurrency([...byKey], INDEX_WRITE_CONCURRENCY, async ([key, owners]) => {
    let failed: { error: unknown } | undefined;
    for (const writes of inKeyOrder(owners)) {
      // After a failed write the key's other items wait for the retry: the order between them decides who keeps the key.
      const outcome = failed ?? (await applyNewest(key, writes));
      if (outcome) outcomes.set(groupId(key, writes[0].owner), outcome);
      if (outcome && "error" in outcome) failed = outcome;
    }
  });

  const verdicts = new Map<DynamoDBRecord, BatchVerdict>();
  const unapplied: DynamoDBRecord[] = [];
  let firstError: unknown;
  for (const { record, change } of changes) {
    const groups = groupsOf.get(record)!;
    const reason = parked.get(record);
    if (reason) {
      verdicts.set(record, { park: reason });
      continue;
    }
    const failure = groups.map((g) => outcomes.get(g)).find((o): o is { error: unknown } => o !== undefined && "error" in o);
    if (failure) {
      unapplied.push(record);
      firstError ??= failure.error;
      continue;
    }
    verdicts.set(record, verdictOf(outcomes.get(groups[0]) as Exclude<GroupOutcome, { error: unknown }>, record, change.kind));
  }
  return unapplied.length > 0 ? { verdicts, failed: { records: unapplied, error: firstError } } : { verdicts };
}
