import { type PolicyStatement } from "./iam";

/** Actions Lambda's event source mapping needs on a Kinesis stream (the cross-account Kinesis trigger design). */
export const KINESIS_STREAM_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];

/** Actions it needs on an enhanced fan-out consumer of that stream. */
export const KINESIS_CONSUMER_READ_ACTIONS = ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"];

/** Actions a producer needs to write to a stream. */
export const KINESIS_STREAM_WRITE_ACTIONS = ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"];

/**
 * Actions Lambda needs on a DynamoDB stream, as a stream's resource policy grants them (the cross-account DynamoDB Streams design).
 * `dynamodb:ListStreams` is not among them: it acts on no stream, so a stream policy cannot hold it.
 */
export const DYNAMODB_STREAM_READ_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"];

/** Actions the ingest function uses to write the dedup table. */
export const DEDUP_TABLE_WRITE_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:PutItem"];

/**
 * What a role needs to use a table's customer-managed key through DynamoDB: `kms:Decrypt` to read
 * the table or its stream, and `kms:GenerateDataKey` too to write it. DynamoDB calls KMS with the
 * caller's permissions, so a role without these cannot use the table at all; the key policy must
 * also let the account's IAM policies grant them (the default key policy does).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html (streams use the table's key)
 */
export function tableKeyStatements(sid: string, keyArn: string | undefined, region: string, access: "read" | "write"): PolicyStatement[] {
  if (!keyArn) return [];
  return [
    {
      Sid: sid,
      Effect: "Allow",
      Action: access === "read" ? "kms:Decrypt" : ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: keyArn,
      Condition: { StringEquals: { "kms:ViaService": `dynamodb.${region}.amazonaws.com` } },
    },
  ];
}

/**
 * What a function mapped to a table's stream needs: read that stream (and decrypt it when the table
 * has a customer-managed key), and list streams: Lambda looks the stream up with `ListStreams`, an
 * action that acts on no resource, so only `"*"` grants it; it lists stream ARNs, never records.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
export function tableStreamReadStatements(streamArn: string, key?: { arn: string | undefined; region: string }): PolicyStatement[] {
  return [
    { Sid: "ReadTableStream", Effect: "Allow", Action: DYNAMODB_STREAM_READ_ACTIONS, Resource: streamArn },
    { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
    ...(key ? tableKeyStatements("DecryptTableStream", key.arn, key.region, "read") : []),
  ];
}
