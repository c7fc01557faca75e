import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { aggregateChange } from "../functions/project/aggregate-core";
import { applyIndexChange, groupUpdate, type AggregateTables } from "../functions/project/apply";
import { indexChange } from "../functions/project/index-core";
import { EXPIRES_AT, LEDGER_KEY, type AggregateSpec, type IndexSpec } from "../functions/project/spec";

/**
 * The projection as it was before batches (commit 16a267a, functions/project/apply.ts and
 * project-batch.ts), kept as the bench's baseline: one record at a time, in order; an index
 * change as its own conditional writes, an aggregate change as one transaction of the record's
 * ledger entries (its eventID, and for an INSERT the item's insertion) and its groups' updates.
 * Conflicts and replays do not occur in the bench, so their handling is left out.
 */
export async function projectOneByOne(
  dynamodb: Pick<DynamoDBClient, "send">,
  spec: IndexSpec | AggregateSpec,
  tables: AggregateTables,
  records: readonly DynamoDBRecord[],
): Promise<void> {
  for (const record of records) {
    if (spec.kind === "index") {
      const change = indexChange(record, spec);
      if (change.kind === "put" || change.kind === "delete")
        await applyIndexChange(dynamodb, { name: tables.target, expires: spec.ttlDays !== undefined }, change);
      continue;
    }
    const change = aggregateChange(record, spec);
    if (change.kind !== "apply" || change.deltas.length === 0) continue;
    const changedAt = Math.floor(record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000);
    const entry = (id: string): TransactWriteItem => ({
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
    const keys = record.dynamodb!.Keys!;
    const insertion =
      record.eventName === "INSERT"
        ? [
            entry(
              `insert:${JSON.stringify(
                Object.keys(keys)
                  .sort()
                  .map((name) => [name, keys[name]]),
              )}`,
            ),
          ]
        : [];
    await dynamodb.send(
      new TransactWriteItemsCommand({ TransactItems: [entry(record.eventID!), ...insertion, ...change.deltas.map((d) => groupUpdate(tables.target, d))] }),
    );
  }
}
