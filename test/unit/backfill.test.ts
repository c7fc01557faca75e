import { expect } from "chai";
import { itemLedgerKey } from "../../functions/project/item-state";
import { backfillRecord, rateLimiter } from "../../tools/backfill";
import { parseBackfillArgs } from "../../tools/backfill-command";

describe("backfill", () => {
  it("reads no faster than the rate limit over all workers, and waits only when ahead of it", async () => {
    let clock = 0;
    const waits: number[] = [];
    const take = rateLimiter(100, () => clock, async (ms) => void waits.push(ms));
    // Four workers asking for pages of 50 at the same moment: at 100 items a second, one page every 0.5 s.
    await Promise.all([take(50), take(50), take(50), take(50)]);
    expect(waits).to.deep.equal([500, 1000, 1500]);
    // Once the clock has passed the turns owed, the next page goes at once.
    clock = 10_000;
    await take(50);
    expect(waits).to.have.length(3);
  });

  it("makes an item the INSERT the live stream would bring, whose ledger entry is the one every live change of the item has", () => {
    const item = { hash: { S: "12_shardId-000000000000" }, range: { S: "4964" }, page_id: { S: "p-1" } };
    const record = backfillRecord(item, ["hash", "range"], "arn:aws:dynamodb:eu-west-1:999999999999:table/dedup", 1_764_151_200_123);
    expect(record).to.deep.include({ eventName: "INSERT", eventID: 'backfill:[{"S":"12_shardId-000000000000"},{"S":"4964"}]' });
    expect(record.dynamodb).to.deep.equal({ Keys: { hash: item.hash, range: item.range }, NewImage: item, SequenceNumber: "0", StreamViewType: "NEW_AND_OLD_IMAGES", ApproximateCreationDateTime: 1_764_151_200 });
    const live = { eventID: "shardId-1:49", eventName: "INSERT" as const, dynamodb: { Keys: { range: item.range, hash: item.hash }, NewImage: item, SequenceNumber: "4900" } };
    expect(itemLedgerKey(record)).to.equal('item:[["hash",{"S":"12_shardId-000000000000"}],["range",{"S":"4964"}]]');
    expect(itemLedgerKey(live)).to.equal(itemLedgerKey(record));
    expect(itemLedgerKey({ ...live, eventName: "MODIFY" })).to.equal(itemLedgerKey(record));
    expect(itemLedgerKey({ ...live, dynamodb: { ...live.dynamodb, Keys: {} } })).to.equal(undefined);
    // A binary key: the stream gives it as base64, a scan as bytes.
    const scanned = backfillRecord({ hash: { B: Uint8Array.from([0, 1, 255]) } }, ["hash"], "arn:aws:dynamodb:eu-west-1:999999999999:table/dedup", 0);
    expect(itemLedgerKey(scanned)).to.equal(itemLedgerKey({ eventName: "REMOVE", dynamodb: { Keys: { hash: { B: "AAH/" } } } }));
  });

  it("reads the projection from JSON or a file, and refuses one the projection code cannot use", () => {
    const base = ["--table", "t", "--target-table", "x", "--dead-letter-bucket", "b"];
    const args = parseBackfillArgs([...base, "--projection", '{"kind":"index","hashKey":"useremail"}']);
    expect(args).to.deep.include({ spec: { kind: "index", hashKey: "useremail" }, itemsPerSecond: 200, segments: 4, pageSize: 100, ledgerTtlDays: 7 });
    expect(() => parseBackfillArgs([...base, "--projection", '{"kind":"sum"}'])).to.throw(/--projection must be \{"kind": "aggregate"/);
    expect(() => parseBackfillArgs([...base, "--projection", "no-such-file.json"])).to.throw(/--projection must be the projection as JSON or a JSON file, got "no-such-file.json"/);
  });
});
