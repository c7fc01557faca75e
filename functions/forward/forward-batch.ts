import type { FirehoseClient } from "@aws-sdk/client-firehose";
import type { DynamoDBBatchItemFailure, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type ParkedRecord } from "../shared/dead-letter";
import { sendToFirehose, type Entry, type SendOptions } from "../shared/firehose-sender";
import { PartialBatch, type DeadLetterDependencies } from "../shared/partial-batch";
import { tableStreamRecords } from "../shared/table-stream";
import { dedupKeyOf, forwardDecision, type ForwardOptions, type ForwardReason } from "./core";

export interface ForwardDependencies extends ForwardOptions, DeadLetterDependencies {
  firehose: Pick<FirehoseClient, "send">;
  send: SendOptions;
}

export interface ForwardOutcome {
  batchItemFailures: DynamoDBBatchItemFailure[];
  /** `expired`: TTL expiries, which are never archived; `skipped`: the REMOVEs `removeMode: "skip"` leaves out. */
  counts: { received: number; sent: number; skipped: number; expired: number; parked: number; failed: number; firehoseCalls: number };
}

/** The record's dedup key, the correlation field of its log lines, when its keys hold one. */
function correlationKey(record: DynamoDBRecord, keyAttributes: readonly string[]): string | undefined {
  // Stryker disable OptionalChaining,BlockStatement: equivalent, a record without keys throws and gets no key either way
  try {
    return dedupKeyOf(record.dynamodb?.Keys, keyAttributes);
  } catch {
    return undefined;
  }
  // Stryker restore OptionalChaining,BlockStatement
}

/**
 * Forwards a DynamoDB stream batch to the delivery stream: every INSERT and MODIFY as an archive
 * record, a user's REMOVE as a delete marker or not at all, a TTL expiry never (only counted),
 * records that can never be archived parked with their reason, and only the records still failing
 * reported for retry (partial batch response).
 */
export async function forwardBatch(event: DynamoDBStreamEvent, deps: ForwardDependencies): Promise<ForwardOutcome> {
  const entries: Entry<DynamoDBRecord>[] = [];
  const toPark: ParkedRecord<DynamoDBRecord, ForwardReason>[] = [];
  let skipped = 0;
  let expired = 0;
  for (const record of event.Records) {
    const decision = forwardDecision(record, deps);
    if (decision.kind === "send") entries.push({ id: record, data: decision.data });
    else if (decision.kind === "skip") skipped += 1;
    else if (decision.kind === "expired") expired += 1;
    else toPark.push({ reason: decision.reason, detail: decision.detail, record });
  }

  const send = await sendToFirehose(deps.firehose, entries, deps.send);
  const batch = new PartialBatch(
    tableStreamRecords((record) => correlationKey(record, deps.keyAttributes)),
    { ...deps, parkConcurrency: 4 },
  );
  const parked = await batch.park(toPark);
  for (const { id, error } of send.failed) batch.retry(id, "put to Firehose failed, record will be retried", { error });
  const counts = { received: event.Records.length, sent: send.sent, skipped, expired, parked, failed: batch.failed, firehoseCalls: send.calls };
  deps.log.info("forward batch done", counts);
  return { batchItemFailures: batch.batchItemFailures, counts };
}
