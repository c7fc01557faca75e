import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { isRejectedAsInvalid } from "../shared/aws-errors";
import { mapWithConcurrency } from "../shared/retry";
import { type BatchOutcome, type BatchVerdict } from "./aggregate-batch";
import { deleteIfNewer, putIfNewer } from "./apply";
import { keyOf, type IndexChange } from "./index-core";
import { sortableSequence, type IndexSpec } from "./spec";
import { type Item } from "./stream-image";
import { INDEX_WRITE_CONCURRENCY } from "./write-limits";

type Write = { kind: "put"; item: Item; sequence: string; record: DynamoDBRecord } | { kind: "delete"; key: Item; sequence: string; record: DynamoDBRecord };
type KeyOutcome = "written" | "stale" | { error: unknown };

const keyText = (key: Item): string => JSON.stringify(key);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Applies a batch's index changes: per index key only the newest write (by stream sequence) is
 * made, each conditional on the index holding nothing newer, all keys at once up to
 * INDEX_WRITE_CONCURRENCY. A write DynamoDB refuses as invalid parks its record and the key's next
 * newest write is made instead. A record's verdict is its key's: written, or "replayed" when the
 * index already held something newer; it is left unapplied when any of its keys' writes failed.
 */
export async function applyIndexBatch(
  dynamodb: Pick<DynamoDBClient, "send">,
  table: string,
  spec: IndexSpec,
  changes: readonly { record: DynamoDBRecord; change: Extract<IndexChange, { kind: "put" | "delete" }> }[],
): Promise<BatchOutcome> {
  const byKey = new Map<string, Write[]>();
  const keysOf = new Map<DynamoDBRecord, string[]>();
  const add = (key: Item, write: Write) => {
    const text = keyText(key);
    byKey.set(text, [...(byKey.get(text) ?? []), write]);
    keysOf.set(write.record, [...(keysOf.get(write.record) ?? []), text]);
  };
  for (const { record, change } of changes) {
    if (change.kind === "delete") {
      add(change.key, { kind: "delete", key: change.key, sequence: change.sequence, record });
      continue;
    }
    // The first key a record has is the one its verdict follows: where its new image goes.
    add(keyOf(change.item, spec)!, { kind: "put", item: change.item, sequence: change.sequence, record });
    if (change.replaces) add(change.replaces, { kind: "delete", key: change.replaces, sequence: change.sequence, record });
  }

  const parked = new Map<DynamoDBRecord, string>();
  const outcomes = new Map<string, KeyOutcome>();
  await mapWithConcurrency([...byKey], INDEX_WRITE_CONCURRENCY, async ([key, writes]) => {
    const newestFirst = [...writes].sort((a, b) => compare(sortableSequence(b.sequence), sortableSequence(a.sequence)));
    for (const write of newestFirst) {
      try {
        outcomes.set(
          key,
          write.kind === "put"
            ? await putIfNewer(dynamodb, table, write.item, write.sequence)
            : await deleteIfNewer(dynamodb, table, write.key, write.sequence),
        );
        return;
      } catch (error) {
        if (!isRejectedAsInvalid(error)) return void outcomes.set(key, { error });
        parked.set(write.record, `rejected by DynamoDB: ${(error as Error).message}`);
      }
    }
  });

  const verdicts = new Map<DynamoDBRecord, BatchVerdict>();
  const unapplied: DynamoDBRecord[] = [];
  let firstError: unknown;
  for (const [record, keys] of keysOf) {
    const reason = parked.get(record);
    if (reason) {
      verdicts.set(record, { park: reason });
      continue;
    }
    const failure = keys.map((k) => outcomes.get(k)).find((o): o is { error: unknown } => typeof o === "object");
    if (failure) {
      unapplied.push(record);
      firstError ??= failure.error;
      continue;
    }
    verdicts.set(record, outcomes.get(keys[0]) === "written" ? "written" : "replayed");
  }
  return unapplied.length > 0 ? { verdicts, failed: { records: unapplied, error: firstError } } : { verdicts };
}
