import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import { parkedObjectKey } from "../../functions/ingest/ingest-batch";
import { tableStreamParkedKey } from "../../functions/shared/dead-letter";
import { kinesisRecord, sequenceNumber } from "../support/kinesis";

const ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026-01-01T00:00:00.000";

describe("dead-letter object keys (Why: two parked records without a sequence number overwrote each other)", () => {
  it("gives two table stream records without sequence number or event ID two objects, and a redelivered one the same", () => {
    const a: DynamoDBRecord = { eventName: "INSERT", eventSourceARN: ARN, dynamodb: { NewImage: { id: { S: "a" } } } };
    const b: DynamoDBRecord = { eventName: "INSERT", eventSourceARN: ARN, dynamodb: { NewImage: { id: { S: "b" } } } };
    expect(tableStreamParkedKey(a)).to.match(/^parked\/clicks\/no-identity-[0-9a-f]{64}\.json$/);
    expect(tableStreamParkedKey(a)).not.to.equal(tableStreamParkedKey(b));
    expect(tableStreamParkedKey(structuredClone(a))).to.equal(tableStreamParkedKey(a));
  });

  it("names a record by its sequence number, or its event ID, when it has one", () => {
    expect(tableStreamParkedKey({ eventID: "e-1", eventSourceARN: ARN, dynamodb: { SequenceNumber: "111" } })).to.equal("parked/clicks/111.json");
    expect(tableStreamParkedKey({ eventID: "c4ca4238a0b923820dcc509a6f75849b", eventSourceARN: ARN, dynamodb: {} })).to.equal(
      "parked/clicks/c4ca4238a0b923820dcc509a6f75849b.json",
    );
  });

  it("still parks a record without its source or its dynamodb part, under unknown-table", () => {
    expect(tableStreamParkedKey({ eventID: "e-2" })).to.equal("parked/unknown-table/e-2.json");
    expect(tableStreamParkedKey({ eventName: "INSERT" })).to.match(/^parked\/unknown-table\/no-identity-[0-9a-f]{64}\.json$/);
  });

  it("never lets a Kinesis record's odd sequence number choose another object's key", () => {
    const good = kinesisRecord("x", sequenceNumber(1));
    expect(parkedObjectKey(good)).to.equal(`parked/web-analytics/shardId-000000000000/${sequenceNumber(1)}.json`);
    const [one, two] = ["a", "b"].map((data) => ({
      ...kinesisRecord(data, sequenceNumber(2)),
      kinesis: { ...kinesisRecord(data, "").kinesis, sequenceNumber: undefined as unknown as string },
    }));
    expect(parkedObjectKey(one)).not.to.equal(parkedObjectKey(two));
    const sneaky = kinesisRecord("x", "../../other/1");
    expect(parkedObjectKey(sneaky)).to.match(/\/no-identity-[0-9a-f]{64}\.json$/);
  });
});
