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
import { backoffDelay, sleep, type RetryOptions } from "../shared/retry";
import { type Delta } from "./aggregate-core";
import { type IndexChange } from "./index-core";
import { COUNT, EXPIRES_AT, GROUP_KEY, LEDGER_KEY, sortableSequence, SOURCE_ITEM, SOURCE_SEQUENCE } from "./spec";
import { type Item } from "./stream-image";

type Dynamo = Pick<DynamoDBClient, "send">;

/** What a conditional index write did: "stale" when the index holds a newer change of the item; `heldBy` when another item's copy holds the key. */
export type IndexWriteOutcome = "written" | "stale" | { heldBy: string };

/** An index table, and whether its items expire (`ttlDays`, TTL on `expiresAt`). */
export interface IndexTable {
  name: string;
  expires: boolean;
}

/** What a write carries besides the item or key: the change's stream sequence number, and the key of the table item it is to. */
export interface IndexWrite {
  sequence: string;
  owner: string;
}

/**
 * Only if the key holds nothing, or the same item's copy (or a copy from before copies recorded
 * their item) of an older change: a replayed older record never overwrites a newer one, and one
 * item never overwrites or deletes another's copy. In an index whose items expire, another item's
 * copy past its expiry is gone: DynamoDB deletes it within days and reads return it until then
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html).
 */
function conditionFor(index: IndexTable, { sequence, owner }: IndexWrite) {
  const expired = index.expires ? " OR (#expires < :now AND #owner <> :owner)" : "";
  return {
    ConditionExpression: `attribute_not_exists(#seq) OR (#seq < :seq AND (attribute_not_exists(#owner) OR #owner = :owner))${expired}`,
    ExpressionAttributeNames: { "#seq": SOURCE_SEQUENCE, "#owner": SOURCE_ITEM, ...(index.expires ? { "#expires": EXPIRES_AT } : {}) },
    ExpressionAttributeValues: {
      ":seq": { S: sortableSequence(sequence) },
      ":owner": { S: owner },
      ...(index.expires ? { ":now": { N: String(Math.floor(Date.now() / 1000)) } } : {}),
    },
    // The item that failed the condition comes back with the error, at no read cost
    // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure).
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

async function conditional(owner: string, write: () => Promise<unknown>): Promise<IndexWriteOutcome> {
  try {
    await write();
    return "written";
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const holder = error.Item?.[SOURCE_ITEM]?.S;
    return holder !== undefined && holder !== owner ? { heldBy: holder } : "stale";
  }
}

/** Puts an index item unless the index holds a newer change of it, or another item's copy under its key. */
export const putIfNewer = (dynamodb: Dynamo, index: IndexTable, item: Item, write: IndexWrite): Promise<IndexWriteOutcome> =>
  conditional(write.owner, () => dynamodb.send(new PutItemCommand({ TableName: index.name, Item: item, ...conditionFor(index, write) })));

/** Deletes an index item unless it reflects a newer change, or is another item's copy. */
export const deleteIfNewer = (dynamodb: Dynamo, index: IndexTable, key: Item, write: IndexWrite): Promise<IndexWriteOutcome> =>
  conditional(write.owner, () => dynamodb.send(new DeleteItemCommand({ TableName: index.name, Key: key, ...conditionFor(index, write) })));

/** Writes one record's index change on its own (the per-record way). */
export async function applyIndexChange(
  dynamodb: Dynamo,
  index: IndexTable,
  change: Extract<IndexChange, { kind: "put" | "delete" }>,
): Promise<IndexWriteOutcome> {
  if (change.kind === "delete") return deleteIfNewer(dynamodb, index, change.key, change);
  const outcome = await putIfNewer(dynamodb, index, change.item, change);
  // Even when the put was stale (a retry after a crash between the two writes), the old key must go.
  if (change.replaces) await deleteIfNewer(dynamodb, index, change.replaces, change);
  return outcome;
}

export interface AggregateTables {
  target: string;
  ledger: string;
  /**
   * Days the ledger keeps an entry that counts nothing (a removed item's, a record's without keys),
   * after its change: longer than any record can be redelivered. An item's entry that counts stays,
   * unless `countedEntriesExpire` (the table's items expire, and an expired item never changes again).
   */
  ledgerTtlDays: number;
  countedEntriesExpire: boolean;
}

/** The update that adds a delta to its group's aggregate item (and sets the group's values on it). */
export function groupUpdate(table: string, delta: Delta): TransactWriteItem {
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

/** Cancellation reasons that say "try again later" (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html, TransactionCanceledException). */
export const CONTENDED = new Set<string | undefined>(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]);

/** Why a record without keys cannot be applied: its eventID is what makes it count once. */
export const NO_EVENT_ID = "a record without keys is applied once by its eventID, and it has none";

/**
 * Applies the deltas of one record without keys and records its eventID in the ledger, in one
 * transaction: either both happen or neither. A record whose eventID is already in the ledger
 * changes nothing ("replayed"), so retries and replays keep every aggregate exact. Transactions
 * cancelled by a conflict or throttling are tried again with backoff. Records with keys (every record a table stream
 * gives) are applied per item and in batches instead (`applyAggregateBatch`).
 */
export async function applyAggregate(
  dynamodb: Dynamo,
  tables: AggregateTables,
  record: DynamoDBRecord,
  deltas: readonly Delta[],
  retry: RetryOptions,
): Promise<"applied" | "replayed"> {
  if (!record.eventID) throw new Error(NO_EVENT_ID);
  const changedAt = Math.floor(record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000);
  const entry: TransactWriteItem = {
    Put: {
      TableName: tables.ledger,
      Item: {
        [LEDGER_KEY]: { S: record.eventID },
        sequenceNumber: { S: record.dynamodb?.SequenceNumber ?? "" },
        [EXPIRES_AT]: { N: String(changedAt + tables.ledgerTtlDays * 86_400) },
      },
      ConditionExpression: "attribute_not_exists(#id)",
      ExpressionAttributeNames: { "#id": LEDGER_KEY },
    },
  };
  const items = [entry, ...deltas.map((delta) => groupUpdate(tables.target, delta))];
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return "applied";
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons?.map((reason) => reason.Code) : undefined;
      if (!codes) throw error;
      // One reason per item, in the request's order (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html): the ledger entry comes first.
      if (codes[0] === "ConditionalCheckFailed") return "replayed";
      if (!codes.some((code) => CONTENDED.has(code)) || attempt + 1 >= retry.maxAttempts) throw error;
      await (retry.wait ?? sleep)(backoffDelay(attempt, retry));
    }
  }
}
