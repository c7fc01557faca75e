import {
  CreateTableCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { HASH_KEY, RANGE_KEY } from "../functions/ingest/core";

/** Creates a table keyed as the DedupTable component keys it, and waits until it is active. */
export async function createDedupTable(dynamodb: DynamoDBClient, name: string): Promise<string> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: HASH_KEY, AttributeType: "S" },
        { AttributeName: RANGE_KEY, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: HASH_KEY, KeyType: "HASH" },
        { AttributeName: RANGE_KEY, KeyType: "RANGE" },
      ],
    }),
  );
  while ((await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== "ACTIVE") {
    await new Promise((done) => setTimeout(done, 100));
  }
  return name;
}

/** Items in a table, counted with a paginated Scan. */
export async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT", ExclusiveStartKey: startKey }));
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}
