import { createHash } from "node:crypto";
import { expect } from "chai";
import { clickstreamBatches } from "../../local/clickstream";

/**
 * Kinesis maps a partition key to a shard by the MD5 hash of the key as a 128-bit integer, each
 * shard owning a range of it (https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html);
 * a stream of two shards splits the range in halves.
 */
const lowerHalf = (partitionKey: string) => createHash("md5").update(partitionKey).digest()[0] < 0x80;

describe("the local clickstream", () => {
  const records = clickstreamBatches({ records: 2_000, batchSize: 500, seed: 42, malformedShare: 0 }).flatMap((batch) => batch.Records);

  it("keys each event by its session, as a site's producer would", () => {
    for (const record of records) {
      const event = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString()) as { session: { session_id: string } };
      expect(record.kinesis.partitionKey).to.equal(event.session.session_id);
    }
  });

  it("spreads its events over the shards of the stream: no hot shard", () => {
    const keys = new Set(records.map((record) => record.kinesis.partitionKey));
    expect(keys.size).to.be.greaterThan(records.length * 0.99);
    const share = records.filter((record) => lowerHalf(record.kinesis.partitionKey)).length / records.length;
    expect(share).to.be.within(0.45, 0.55);
  });
});
