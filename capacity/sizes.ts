import type { DynamoDBRecord, KinesisStreamRecord } from "aws-lambda";
import { forwardDecision } from "../functions/forward/core";
import { decodeRecord, HASH_KEY, RANGE_KEY } from "../functions/ingest/core";
import { itemSizeBytes } from "../functions/ingest/item-size";

/** A record as Kinesis hands it to the ingest function, with the longest sequence number Kinesis gives (56 digits). */
const SAMPLE: KinesisStreamRecord = {
  kinesis: {
    kinesisSchemaVersion: "1.0",
    partitionKey: "session",
    sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
    data: Buffer.from("{}").toString("base64"),
    approximateArrivalTimestamp: 1764151200.123,
  },
  eventSource: "aws:kinesis",
  eventVersion: "1.0",
  eventID: "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
  eventName: "aws:kinesis:record",
  invokeIdentityArn: "arn:aws:iam::999999999999:role/ingest",
  awsRegion: "eu-west-1",
  eventSourceARN: "arn:aws:kinesis:eu-west-1:111111111111:stream/clicks",
};

function emptyEventItem() {
  const outcome = decodeRecord(SAMPLE);
  if (!outcome.ok) throw new Error(`the sample record is poison: ${outcome.detail}`);
  return outcome.item;
}

/**
 * Bytes the pipeline adds to an event, measured on the functions' own output for an empty event:
 * the ingest function's attributes (dedup key, sequence number, shard, arrival time) on the
 * table's item, and the forward function's envelope (key, change, times) on the archive record.
 */
function measureOverheads() {
  const item = emptyEventItem();
  const record = {
    eventID: "1",
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    dynamodb: {
      ApproximateCreationDateTime: 1764151200,
      Keys: { [HASH_KEY]: item[HASH_KEY], [RANGE_KEY]: item[RANGE_KEY] },
      NewImage: item,
      SequenceNumber: "400000000012345678901",
      StreamViewType: "NEW_IMAGE",
    },
  } as unknown as DynamoDBRecord;
  const archived = forwardDecision(record, { keyAttributes: [HASH_KEY, RANGE_KEY], removeMode: "marker" });
  if (archived.kind !== "send") throw new Error(`the sample stream record was not archived: ${archived.kind}`);
  return { item: itemSizeBytes(item), archive: archived.data.byteLength - "{}".length };
}

const OVERHEAD = measureOverheads();

/**
 * The table item an event becomes, bytes. The event's JSON size stands for its size as an item
 * (which is smaller: DynamoDB does not count JSON's quotes and punctuation), so this errs large.
 */
export const itemBytes = (eventBytes: number): number => eventBytes + OVERHEAD.item;

/** The archive record the forward function puts to Firehose for an event, bytes. */
export const archiveRecordBytes = (eventBytes: number): number => eventBytes + OVERHEAD.archive;
