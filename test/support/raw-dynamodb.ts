/**
 * DynamoDB's JSON API called without the SDK's deserializer, which loses an attribute named
 * `__proto__` (it reads the response into plain objects). What comes back is the service's JSON
 * as it is, the form Lambda hands stream records to functions in. Local engines check no signature.
 */
export async function rawDynamoDb<T = any>(endpoint: string, action: string, body: unknown, service = "DynamoDB_20120810"): Promise<T> {
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
  return JSON.parse(text) as T;
}
