import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { forwardDecision } from "../functions/forward/core";
import { decodeRecord, HASH_KEY, RANGE_KEY } from "../functions/ingest/core";
import { clickstreamBatches } from "../local/clickstream";

const KEY_ATTRIBUTES = [HASH_KEY, RANGE_KEY];

/**
 * The generated clickstream as the dedup table's stream carries it: each record decoded as the
 * ingest function writes it, then wrapped in an INSERT stream record.
 */
export function tableStreamRecords(count: number): DynamoDBRecord[] {
  const [event] = clickstreamBatches({ records: count, batchSize: count, seed: 7 });
  return event.Records.map((record, i) => {
    const outcome = decodeRecord(record);
    if (!outcome.ok) throw new Error(`generated record ${i} is poison: ${outcome.detail}`);
    // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
    const image = outcome.item as unknown as Record<string, AttributeValue>;
    return {
      eventID: String(i),
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      dynamodb: {
        ApproximateCreationDateTime: 1764151200 + i / 1000,
        Keys: Object.fromEntries(KEY_ATTRIBUTES.map((k) => [k, image[k]])),
        NewImage: image,
        SequenceNumber: String(1_000_000 + i),
        StreamViewType: "NEW_IMAGE",
      },
    };
  });
}

/** What the forward function puts to Firehose for each of those records. */
export function archiveRecords(count: number): Buffer[] {
  return tableStreamRecords(count).map((record) => {
    const decision = forwardDecision(record, { keyAttributes: KEY_ATTRIBUTES, removeMode: "marker" });
    if (decision.kind !== "send") throw new Error(`record ${record.eventID} was not archived: ${decision.kind}`);
    return decision.data;
  });
}
