import type { DynamoDBRecord } from "aws-lambda";
import { tableStreamParkedKey } from "./dead-letter";
import { type RecordIdentity } from "./partial-batch";

/** The record's stream sequence number: what a partial batch response names it by. */
export const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? record.eventID ?? "";

/** How a table stream function names a record: by its sequence number, with its dedup key in its log lines when it has one. */
export function tableStreamRecords(dedupKeyOf?: (record: DynamoDBRecord) => string | undefined): RecordIdentity<DynamoDBRecord> {
  return {
    itemIdentifier: sequenceOf,
    logFields: (record) => (dedupKeyOf ? { dedupKey: dedupKeyOf(record), sequenceNumber: sequenceOf(record) } : { sequenceNumber: sequenceOf(record) }),
    parkedKey: tableStreamParkedKey,
  };
}
