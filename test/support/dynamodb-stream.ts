import { marshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";

export const TABLE_STREAM_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3/stream/2026-01-01T00:00:00.000";
export const DEDUP_KEYS = ["seqNumbershardIdHash", "sequenceNumber"];

/** A web-analytics click as the ingest function leaves it in the dedup table (the DynamoDB-to-Aurora design's web-analytics fields). */
export function clickItem(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sequenceNumber = `49648798411111169765201534322676841348246990350000${String(n).padStart(6, "0")}`;
  return {
    seqNumbershardIdHash: `${sequenceNumber.slice(-3, -1)}_shardId-000000000000`,
    sequenceNumber,
    shardId: "shardId-000000000000",
    approximateArrivalTimestamp: 1764000000.123,
    page_id: `p-${1000 + n}`,
    Hits: 1 + (n % 5),
    event: "page view",
    useremail: `ana.silva${n}@example.com`,
    device: { make: "Apple", platform: { name: "iOS", version: "17.4.1" }, location: { latitude: "52.37", longitude: "4.89", country: "NL" } },
    session: { session_id: `s-${n}`, start_timestamp: "2026-11-26T10:00:00.000Z", stop_timestamp: "2026-11-26T10:04:10.000Z" },
    client_timestamp: "2026-11-26T10:00:01.250Z",
    ...overrides,
  };
}

/** A DynamoDB stream record as Lambda delivers it, for an item of the dedup table. */
export function streamRecord(
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  item: Record<string, unknown>,
  streamSequence: string,
  createdAtSeconds = 1764151200,
): DynamoDBRecord {
  // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
  const image = marshall(item, { removeUndefinedValues: true }) as unknown as Record<string, AttributeValue>;
  const keys = Object.fromEntries(DEDUP_KEYS.map((k) => [k, { S: String(item[k]) }]));
  return {
    eventID: `event-${streamSequence}`,
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "eu-west-1",
    eventSourceARN: TABLE_STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: createdAtSeconds,
      Keys: keys,
      ...(eventName === "REMOVE" ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: streamSequence,
      SizeBytes: 512,
      StreamViewType: "NEW_IMAGE",
    },
  };
}
