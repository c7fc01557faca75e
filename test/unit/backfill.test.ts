import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { itemLedgerKey } from "../../functions/project/item-state";
import { backfillRecord, rateLimiter } from "../../tools/backfill";
import { BACKFILL, backfillCommand } from "../../tools/backfill-command";
import { readCommandLine } from "../../tools/cli-args";
import { runEntry } from "../support/command-line";

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
    const args = readCommandLine(BACKFILL, [...base, "--projection", '{"kind":"index","hashKey":"useremail"}']);
    expect(args).to.deep.include({ projection: { kind: "index", hashKey: "useremail" }, "items-per-second": 200, segments: 4, "page-size": 100, "ledger-ttl-days": 7 });
    const file = path.join(mkdtempSync(path.join(tmpdir(), "backfill-")), "projection.json");
    writeFileSync(file, '{"kind":"aggregate","groupBy":["page_id"]}');
    expect(readCommandLine(BACKFILL, [...base, "--projection", file, "--ledger-table", "l"])).to.deep.include({ projection: { kind: "aggregate", groupBy: ["page_id"] } });
    expect(() => readCommandLine(BACKFILL, [...base, "--projection", '{"kind":"sum"}'])).to.throw(/^--projection must be \{"kind": "aggregate"/);
    expect(() => readCommandLine(BACKFILL, [...base, "--projection", "no-such-file.json"])).to.throw(/^--projection must be the projection as JSON or a JSON file, got "no-such-file.json"/);
  });
});

describe("npm run backfill's command line", function () {
  this.timeout(30_000);
  const required = ["--table", "t", "--projection", '{"kind":"index","hashKey":"useremail"}', "--target-table", "x", "--dead-letter-bucket", "b"];
  const refusal = async (argv: string[]) => {
    const err: string[] = [];
    const code = await backfillCommand(argv, { out() {}, err: (l) => err.push(l) });
    return { code, err };
  };

  it("answers --help at once: no AWS call, no child process, exit 0", () => {
    const result = runEntry("tools/backfill-cli.ts", ["--help"], { forbidSideEffects: true });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run backfill -- --table <name> --projection <json\|file> --target-table <name> --dead-letter-bucket <name> \[options\]\n/);
  });

  it("calls a negative number out of range, in one line that points to --help", async () => {
    expect(await refusal([...required, "--segments", "-2"])).to.deep.equal({ code: 2, err: ['--segments takes a whole number from 1 to 1,000,000, got "-2"; see npm run backfill -- --help'] });
    expect(await refusal([...required, "--page-size", "1001", "--ledger-ttl-days", "0"])).to.deep.equal({
      code: 2,
      err: ['--page-size takes a whole number from 1 to 1,000, got "1001"; --ledger-ttl-days takes a whole number from 1 to 365, got "0"; see npm run backfill -- --help'],
    });
  });

  it("refuses an endpoint that is not a URL", async () => {
    expect((await refusal([...required, "--endpoint-url", "localhost:8000"])).err).to.deep.equal(['--endpoint-url takes an http:// or https:// URL, got "localhost:8000"; see npm run backfill -- --help']);
  });
});
