import type { DynamoDBRecord } from "aws-lambda";

/** The record's stream sequence number: what a partial batch response names it by. */
export const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? record.eventID ?? "";
