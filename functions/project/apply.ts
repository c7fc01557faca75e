import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { backoffDelay, sleep, type BackoffOptions } from "../shared/retry";
import { type Delta } from "./aggregate-core";
import { type IndexChange } from "./index-core";
import { COUNT, EXPIRES_AT, GROUP_KEY, LEDGER_KEY, sortableSequence, SOURCE_SEQUENCE } from "./spec";
import { type Item } from "./stream-image";

type Dynamo = Pick<DynamoDBClient, "send">;

/** Only if the index item reflects an older source change, or none: a replayed record never overwrites a newer one. */
const NEWER_ONLY = {
  ConditionExpression: "attribute_not_exists(#seq) OR #seq < :seq",
  ExpressionAttributeNames: { "#seq": SOURCE_SEQUENCE },
};

async function conditional(write: () => Promise<unknown>): Promise<"written" | "stale"> {
  try {
    await write();
    return "written";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return "stale";
    throw error;
  }
}

/** Writes one index change; "stale" when the index already holds a newer change of that item. */
export async function applyIndexChange(dynamodb: Dynamo, table: string, change: Extract<IndexChange, { kind: "put" | "delete" }>): Promise<"written" | "stale"> {
  const values = { ":seq": { S: sortableSequence(change.sequence) } };
  const remove = (key: Item) => dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key, ...NEWER_ONLY, ExpressionAttributeValues: values }));
  if (change.kind === "delete") return conditional(() => remove(change.key));
  const outcome = await conditional(() => dynamodb.send(new PutItemCommand({ TableName: table, Item: change.item, ...NEWER_ONLY, ExpressionAttributeValues: values })));
  // Even when the put was stale (a retry after a crash between the two writes), the old key must go.
  if (change.replaces) await conditional(() => remove(change.replaces!));
  return outcome;
}

export interface AggregateTables {
  target: string;
  ledger: string;
  /** Days a ledger entry is kept: longer than any record can be redelivered. */
  ledgerTtlDays: number;
}

function update(table: string, delta: Delta): TransactWriteItem {
  const names: Record<string, string> = { "#count": COUNT };
  const values: Record<string, { N: string } | { S: string }> = { ":count": { N: String(delta.count) } };
  const add = ["#count :count"];
  Object.entries(delta.sums).forEach(([name, amount], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = { N: amount };
    add.push(`#s${i} :s${i}`);
  });
  const set = Object.entries(delta.values).map(([name, value], i) => {
    names[`#g${i}`] = name;
    values[`:g${i}`] = { S: value };
    return `#g${i} = :g${i}`;
  });
  return {
    Update: {
      TableName: table,
      Key: { [GROUP_KEY]: { S: delta.group } },
      UpdateExpression: `ADD ${add.join(", ")}${set.length ? ` SET ${set.join(", ")}` : ""}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The ledger entry an item's insertion makes, the same whether the live stream or a backfill
 * (`npm run backfill`, which scans the table) brings it: `insert:` and the item's key. Undefined
 * for records other than INSERT, and for a record without keys.
 */
export function insertLedgerKey(record: DynamoDBRecord): string | undefined {
  const keys = record.dynamodb?.Keys;
  if (record.eventName !== "INSERT" || !keys || Object.keys(keys).length === 0) return undefined;
  return `insert:${JSON.stringify(Object.keys(keys).sort().map((name) => [name, keys[name]]))}`;
}

/**
 * Applies one record's deltas and records its eventID in the ledger, in one transaction: either
 * both happen or neither. A record whose eventID is already in the ledger changes nothing
 * ("replayed"), so retries and replays keep every aggregate exact. An INSERT also records the
 * item's insertion (`insertLedgerKey`), so an item a backfill already counted is not counted again
 * when the live stream brings it, nor the other way round. Conflicting transactions are tried
 * again with backoff.
 */
export async function applyAggregate(
  dynamodb: Dynamo,
  tables: AggregateTables,
  record: DynamoDBRecord,
  deltas: readonly Delta[],
  retry: BackoffOptions & { maxAttempts: number },
): Promise<"applied" | "replayed"> {
  const changedAt = Math.floor(record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000);
  const ledgerEntry = (id: string): TransactWriteItem => ({
    Put: {
      TableName: tables.ledger,
      Item: {
        [LEDGER_KEY]: { S: id },
        sequenceNumber: { S: record.dynamodb?.SequenceNumber ?? "" },
        [EXPIRES_AT]: { N: String(changedAt + tables.ledgerTtlDays * 86_400) },
      },
      ConditionExpression: "attribute_not_exists(#id)",
      ExpressionAttributeNames: { "#id": LEDGER_KEY },
    },
  });
  const insertion = insertLedgerKey(record);
  const entries = [ledgerEntry(record.eventID ?? ""), ...(insertion ? [ledgerEntry(insertion)] : [])];
  const items = [...entries, ...deltas.map((delta) => update(tables.target, delta))];
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return "applied";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
      // One reason per item, in the request's order (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html): the ledger entries come first.
      if (codes.slice(0, entries.length).includes("ConditionalCheckFailed")) return "replayed";
      if (!codes.includes("TransactionConflict") || attempt + 1 >= retry.maxAttempts) throw error;
      await sleep(backoffDelay(attempt, retry));
    }
  }
}
