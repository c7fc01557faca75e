import { type PolicyStatement } from "./iam";

/** Actions Lambda's event source mapping needs on a Kinesis stream (seed 002). */
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
 * Actions Lambda needs on a DynamoDB stream, as a stream's resource policy grants them (seed 003).
 * `dynamodb:ListStreams` is not among them: it acts on no stream, so a stream policy cannot hold it.
 */
export const DYNAMODB_STREAM_READ_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"];

/** Actions the ingest function uses to write the dedup table. */
export const DEDUP_TABLE_WRITE_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:PutItem"];

/**
 * What a function mapped to a table's stream needs: read that stream, and list the table's
 * streams (Lambda looks the stream up; ListStreams takes the table's streams as its resource).
 */
export function tableStreamReadStatements(streamArn: string): PolicyStatement[] {
  return [
    { Sid: "ReadTableStream", Effect: "Allow", Action: DYNAMODB_STREAM_READ_ACTIONS, Resource: streamArn },
    { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: `${streamArn.split("/stream/")[0]}/stream/*` },
  ];
}
