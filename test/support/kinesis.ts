import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const FIXTURES = path.resolve(__dirname, "../fixtures/aws-events");

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as T;
}

export const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";

/** A 56-digit sequence number ending in `n`, as Kinesis hands them out. */
export function sequenceNumber(n: number): string {
  return `4964879841111116976520153432267684134824699035${String(n).padStart(10, "0")}`;
}

/** A Kinesis record as Lambda delivers it; `payload` is JSON-encoded unless it is a string or Buffer already. */
export function kinesisRecord(payload: unknown, seq: string, shardId = "shardId-000000000000"): KinesisStreamRecord {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: "user-1",
      sequenceNumber: seq,
      data: bytes.toString("base64"),
      approximateArrivalTimestamp: 1764000000.123,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${shardId}:${seq}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::999999999999:role/ingest",
    awsRegion: "eu-west-1",
    eventSourceARN: STREAM_ARN,
  };
}

export const eventOf = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

/** A web-analytics click like the seeds' producers send. */
export function click(n: number): Record<string, unknown> {
  return {
    event: "page view",
    page_id: `page-${n % 17}`,
    page_url: `https://shop.example.com/p/${n % 17}?ref=home`,
    user_id: `user-${n % 101}`,
    useremail: `user${n % 101}@example.com`,
    device: n % 3 === 0 ? "mobile" : "desktop",
    session_id: `session-${n % 37}`,
    nanotimestamp: String(1764000000000000000n + BigInt(n)),
    client_timestamp: new Date(1764000000000 + n * 1000).toISOString(),
  };
}
