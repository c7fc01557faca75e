import { CreateTableCommand, DescribeTableCommand, paginateScan, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HASH_KEY, RANGE_KEY } from "../functions/ingest/core";

export type KeyAttribute = [name: string, type: "S" | "N" | "B"];

/** Creates an on-demand table with the given key, and waits until it is active. */
export async function createTable(dynamodb: DynamoDBClient, name: string, hash: KeyAttribute, range?: KeyAttribute): Promise<string> {
  const keys = range ? [hash, range] : [hash];
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      KeySchema: keys.map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? "HASH" : "RANGE" })),
    }),
  );
  while ((await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== "ACTIVE") {
    await new Promise((done) => setTimeout(done, 100));
  }
  return name;
}

/** Creates a table keyed as the DedupTable component keys it. */
export const createDedupTable = (dynamodb: DynamoDBClient, name: string): Promise<string> => createTable(dynamodb, name, [HASH_KEY, "S"], [RANGE_KEY, "S"]);

/** Items in a table, counted with a paginated Scan: reads the whole table, so for checks at the end, not for progress. */
export async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table, Select: "COUNT" })) count += page.Count ?? 0;
  return count;
}
