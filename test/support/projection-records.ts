import { TransactionCanceledException, type CancellationReason, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { itemChange, itemLedgerKey, type ItemChange } from "../../functions/project/item-state";
import { type AggregateSpec, type IndexSpec } from "../../functions/project/spec";
import { type RetryOptions } from "../../functions/shared/retry";

/** Table stream records of a small clicks table (`id`, `page`, `hits`) and the projections the function tests use. */
export const HITS: AggregateSpec = { kind: "aggregate", groupBy: ["page"], sums: [{ name: "hits", attribute: "hits" }] };
export const BY_PAGE: IndexSpec = { kind: "index", hashKey: "page", rangeKey: "id" };
export const TABLES = { target: "hits", ledger: "ledger", ledgerTtlDays: 2, countedEntriesExpire: false };
/** The time every record was changed at (ApproximateCreationDateTime). */
export const CHANGED_AT = 1764151200;

/** Retries with their waits recorded, not waited: `waits` holds each delay asked for. */
export function retrying(maxAttempts = 3): { retry: RetryOptions; waits: number[] } {
  const waits: number[] = [];
  return { waits, retry: { maxAttempts, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, wait: async (ms) => void waits.push(ms) } };
}

export type Image = Record<string, AttributeValue>;
export const click = (id: string, page: string | undefined, hits: string): Image => ({
  id: { S: id },
  ...(page ? { page: { S: page } } : {}),
  hits: { N: hits },
});

export function record(eventName: "INSERT" | "MODIFY" | "REMOVE", sequence: string, images: { NewImage?: Image; OldImage?: Image }): DynamoDBRecord {
  const id = (images.NewImage ?? images.OldImage)!.id;
  return {
    eventID: `e-${sequence}`,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: { ApproximateCreationDateTime: CHANGED_AT, SequenceNumber: sequence, Keys: { id }, ...images },
  };
}

export function changeOf(r: DynamoDBRecord): ItemChange {
  const change = itemChange(r, itemLedgerKey(r)!, HITS);
  if ("problem" in change) throw new Error(change.problem);
  return change;
}

/** A cancelled transaction, with a reason per action; with none, DynamoDB's reasons left out. */
export const cancelled = (...reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: "Transaction cancelled", $metadata: {}, CancellationReasons: reasons.length ? reasons : undefined });

/** A DynamoDB stand-in for TransactWriteItems: `answer` throws what DynamoDB would, or lets the transaction through; `sent` holds each transaction's actions. */
export function transactions(answer: (actions: TransactWriteItem[], call: number) => Error | void = () => undefined) {
  const sent: TransactWriteItem[][] = [];
  const client = {
    async send(command: { input: { TransactItems: TransactWriteItem[] } }) {
      sent.push(command.input.TransactItems);
      const error = answer(command.input.TransactItems, sent.length);
      if (error) throw error;
      return {};
    },
  };
  return { sent, client: client as never };
}
