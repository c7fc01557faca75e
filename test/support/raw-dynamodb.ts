import type { AttributeValue, DynamoDBRecord } from "aws-lambda";

/** An item as DynamoDB's JSON API gives it. */
export type RawItem = Record<string, AttributeValue>;

/** What the actions the tests call answer, in the service's JSON. */
interface Responses {
  GetItem: { Item: RawItem };
  DeleteItem: object;
  Scan: { Items: RawItem[] };
  DescribeStream: { StreamDescription: { Shards: { ShardId: string }[] } };
  GetShardIterator: { ShardIterator?: string };
  GetRecords: { Records: DynamoDBRecord[]; NextShardIterator?: string };
}

/**
 * DynamoDB's JSON API called without the SDK's deserializer, which loses an attribute named
 * `__proto__` (it reads the response into plain objects). What comes back is the service's JSON
 * as it is, the form Lambda hands stream records to functions in. Local engines check no signature.
 */
export async function rawDynamoDb<A extends keyof Responses>(endpoint: string, action: A, body: unknown, service = "DynamoDB_20120810"): Promise<Responses[A]> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `${service}.${action}`,
      authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${action} failed: ${response.status} ${text}`);
  return JSON.parse(text) as Responses[A];
}
