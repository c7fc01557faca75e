import { PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { PartialBatch } from "../../functions/shared/partial-batch";

interface Rec {
  seq: string;
  key: string;
}

/** A log that keeps its warnings as the JSON fields a Powertools line would carry. */
function recordingLog() {
  const warnings: Record<string, unknown>[] = [];
  return { warnings, log: { info: () => undefined, warn: (message: string, extra: Record<string, unknown> = {}) => warnings.push({ message, ...extra }) } };
}

/** An S3 client that takes every PutObject except those for the given keys, which it refuses with AccessDenied. */
function bucket(refusedKeys: string[] = []) {
  const puts: { Bucket?: string; Key?: string; Body?: unknown }[] = [];
  const send = async (command: PutObjectCommand) => {
    if (refusedKeys.includes(command.input.Key!)) throw Object.assign(new Error("no write to this key"), { name: "AccessDenied" });
    puts.push({ Bucket: command.input.Bucket, Key: command.input.Key, Body: command.input.Body });
    return {};
  };
  return { puts, s3: { send } as never };
}

const identity = {
  itemIdentifier: (r: Rec) => r.seq,
  logFields: (r: Rec) => ({ sequenceNumber: r.seq, dedupKey: r.key }),
  parkedKey: (r: Rec) => `parked/clicks/${r.seq}.json`,
};
const [a, b, c] = [
  { seq: "100", key: "k|1" },
  { seq: "200", key: "k|2" },
  { seq: "300", key: "k|3" },
];

describe("partial batch (functions/shared/partial-batch.ts)", () => {
  it("parks each poison record under its own key and logs where it went, with its reason, for the parked-record alarm", async () => {
    const { warnings, log } = recordingLog();
    const { puts, s3 } = bucket();
    const batch = new PartialBatch(identity, { s3, deadLetterBucket: "dlq-bucket", log, parkConcurrency: 2 });
    const parked = await batch.park([
      { record: a, reason: "not-json", detail: "not JSON: Unexpected token" },
      { record: b, reason: "too-large", detail: "item is 401 KB" },
    ]);
    expect(parked).to.equal(2);
    expect(puts.map((put) => [put.Bucket, put.Key])).to.have.deep.members([
      ["dlq-bucket", "parked/clicks/100.json"],
      ["dlq-bucket", "parked/clicks/200.json"],
    ]);
    expect(warnings).to.have.deep.members([
      {
        message: "parked record",
        sequenceNumber: "100",
        dedupKey: "k|1",
        reason: "not-json",
        detail: "not JSON: Unexpected token",
        object: "s3://dlq-bucket/parked/clicks/100.json",
      },
      {
        message: "parked record",
        sequenceNumber: "200",
        dedupKey: "k|2",
        reason: "too-large",
        detail: "item is 401 KB",
        object: "s3://dlq-bucket/parked/clicks/200.json",
      },
    ]);
    expect(batch.refused).to.equal(2);
    expect(batch.batchItemFailures).to.deep.equal([]);
  });

  it("retries a poison record the bucket does not take, logging the bucket's error, never dropping it", async () => {
    const { warnings, log } = recordingLog();
    const { s3 } = bucket(["parked/clicks/200.json"]);
    const batch = new PartialBatch(identity, { s3, deadLetterBucket: "dlq-bucket", log, parkConcurrency: 1 });
    batch.retry(c, "write failed, record will be retried", { reason: "throttled" });
    const parked = await batch.park([
      { record: a, reason: "not-json", detail: "bad" },
      { record: b, reason: "not-json", detail: "bad" },
    ]);
    expect(parked).to.equal(1);
    expect(warnings.filter((w) => w.message !== "parked record")).to.deep.equal([
      { message: "write failed, record will be retried", sequenceNumber: "300", dedupKey: "k|3", reason: "throttled" },
      { message: "parking failed, record will be retried", sequenceNumber: "200", dedupKey: "k|2", reason: "AccessDenied: no write to this key" },
    ]);
    expect(batch.failed).to.equal(2);
    expect(batch.batchItemFailures).to.deep.equal([{ itemIdentifier: "300" }, { itemIdentifier: "200" }]);
  });
});
