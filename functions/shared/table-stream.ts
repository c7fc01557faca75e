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

/**
 * Who deletes an item whose TTL passed: DynamoDB itself, named in the REMOVE's `userIdentity`. An
 * expiry is the table forgetting an item it no longer needs, never a user's delete: no stage takes
 * it as one. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
 */
export const EXPIRY_IDENTITY = { type: "Service", principalId: "dynamodb.amazonaws.com" } as const;

export function isExpiry(record: Pick<DynamoDBRecord, "eventName" | "userIdentity">): boolean {
  const identity = record.userIdentity as { type?: unknown; principalId?: unknown } | undefined;
  return record.eventName === "REMOVE" && identity?.type === EXPIRY_IDENTITY.type && identity?.principalId === EXPIRY_IDENTITY.principalId;
}

/**
 * Lambda event filters, OR'd, that let through every record but an expiry, so expiries never invoke
 * the functions at all (the functions still tell them apart themselves). A record lacking a field a
 * pattern names does not match it, except for `exists: false`, which matches a missing leaf; user
 * deletes carry no `userIdentity`. Five patterns, Lambda's default limit per mapping.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
export const ALL_BUT_EXPIRIES: readonly object[] = [
  { eventName: ["INSERT", "MODIFY"] },
  { eventName: ["REMOVE"], userIdentity: { principalId: [{ exists: false }] } },
  { eventName: ["REMOVE"], userIdentity: { principalId: [{ "anything-but": [EXPIRY_IDENTITY.principalId] }] } },
  { eventName: ["REMOVE"], userIdentity: { principalId: [EXPIRY_IDENTITY.principalId], type: [{ exists: false }] } },
  { eventName: ["REMOVE"], userIdentity: { principalId: [EXPIRY_IDENTITY.principalId], type: [{ "anything-but": [EXPIRY_IDENTITY.type] }] } },
];
