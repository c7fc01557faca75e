import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { HEAD_BYTES } from "../../functions/load/archive-head";
import { IDLE_SESSION_SECONDS, reusedConnection } from "../../functions/load/connection";
import { loadEvent, type LoadDependencies } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { foreignEncodingChecks, loadStatement, schemaStatements, stagingStatements, type LoadTarget } from "../../functions/load/sql";
import { withLoadingEngines } from "../support/archive-loading";
import { CSV_COLUMNS, csvObject, csvRow } from "../support/archive";
import { fixture } from "../support/kinesis";

const BUCKET = "archive";

describe("loader on MariaDB and a local S3", function () {
  this.timeout(120_000);
  const engines = withLoadingEngines(BUCKET);
  let databases = 0;

  const target = (): LoadTarget => ({
    database: `clickstream_${++databases}`,
    table: "web_analytics",
    manifestTable: "loaded_objects",
    rejectsTable: "rejected_rows",
    columns: CSV_COLUMNS,
    columnTypes: { hits: "INT" },
  });
  const deps = (t: LoadTarget): LoadDependencies => ({
    connect: async () => engines.admin,
    target: t,
    mode: { kind: "local", open: s3Opener(engines.s3) },
    prefix: "processed/",
    log: { info() {}, warn() {} },
  });

  /** Puts an object and returns the S3 event for it, with the key URL-encoded as S3 sends it. */
  async function put(key: string, body: string | Buffer): Promise<S3Event> {
    const { ETag } = await engines.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    event.Records[0].s3.bucket.name = BUCKET;
    event.Records[0].s3.object.key = encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
    event.Records[0].s3.object.eTag = (ETag ?? "").replace(/"/g, "");
    return event;
  }

  const rejects = async (t: LoadTarget) =>
    (await engines.admin.query<RowDataPacket[]>("SELECT * FROM ??.?? ORDER BY object_key, line", [t.database, t.rejectsTable]))[0];
  const rows = async (t: LoadTarget, sql = "SELECT * FROM ??.?? ORDER BY dedup_key") =>
    (await engines.admin.query<RowDataPacket[]>(sql, [t.database, t.table]))[0];
  const manifest = async (t: LoadTarget) =>
    (
      await engines.admin.query<RowDataPacket[]>("SELECT object_key, etag, row_count, loaded_at FROM ??.?? ORDER BY loaded_at", [t.database, t.manifestTable])
    )[0];

  it("creates the schema on first use and loads every row of an object, values typed and NULLs kept", async () => {
    const t = target();
    const event = await put("processed/2026/11/26/10/clicks-1-2026-11-26-10-00-00-a.csv", csvObject(1, 50));
    expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 1, alreadyLoaded: 0, rows: 50, rejectedRows: 0 });
    const loaded = await rows(t);
    expect(loaded).to.have.length(50);
    const first = loaded.find((r) => r.page_id === "p-1001")!;
    expect(first).to.include({ change: "INSERT", hits: 2, country: "NL", user_email: "ana.silva1@example.com", stream_sequence: "1001" });
    expect(first.dedup_key).to.match(/^\d{2}_shardId-000000000000\|\d{56}$/);
  });

  it("loads the right object for keys with spaces, unicode, quotes and SQL, and runs none of it", async () => {
    const t = target();
    const key = 'processed/2026/11/26/11/Zoë\'s clicks "v2"; DROP TABLE web_analytics;-- ü+1.csv';
    expect(await loadEvent(await put(key, csvObject(100, 104)), deps(t))).to.include({ loaded: 1, rows: 5 });
    expect(await rows(t)).to.have.length(5);
    expect((await manifest(t)).map((m) => m.object_key)).to.deep.equal([key]);
  });

  it("loads hostile field values exactly as the archive wrote them", async () => {
    const t = target();
    const hostile = ['a, "b"', "line\nbreak", "back\\slash \\N", "", "NULL", "Zoë 東京 🚀"];
    const body = hostile.map((value, i) => csvRow(200 + i, { useremail: value })).join("");
    await loadEvent(await put("processed/2026/11/26/12/hostile.csv", body), deps(t));
    const emails = (await rows(t)).map((r) => r.user_email);
    expect(emails.sort()).to.deep.equal([...hostile].sort());
  });

  it("does nothing for an event it has already loaded", async () => {
    const t = target();
    const event = await put("processed/2026/11/26/13/twice.csv", csvObject(300, 309));
    await loadEvent(event, deps(t));
    expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 0, alreadyLoaded: 1, rows: 0, rejectedRows: 0 });
    expect(await manifest(t)).to.have.length(1);
    expect(await rows(t)).to.have.length(10);
  });

  it("keeps one row per dedup key when two objects hold the same record", async () => {
    const t = target();
    await loadEvent(await put("processed/2026/11/26/14/a.csv", csvObject(400, 409)), deps(t));
    await loadEvent(await put("processed/2026/11/26/14/b.csv", csvObject(405, 414)), deps(t));
    expect(await rows(t)).to.have.length(15);
    const [[{ duplicates }]] = await engines.admin.query<RowDataPacket[]>("SELECT COUNT(*) - COUNT(DISTINCT dedup_key) AS duplicates FROM ??.??", [
      t.database,
      t.table,
    ]);
    expect(Number(duplicates)).to.equal(0);
  });

  it("loads a GZIP object", async () => {
    const t = target();
    expect(await loadEvent(await put("processed/2026/11/26/15/clicks.csv.gz", gzipSync(csvObject(500, 519))), deps(t))).to.include({ rows: 20 });
  });

  it("loads every good line of an object with a malformed line, and parks that line with the database's message", async () => {
    const t = target();
    const broken = `${csvObject(600, 604)}only,three,fields\n${csvObject(605, 609)}`;
    const event = await put("processed/2026/11/26/16/broken.csv", broken);
    expect(await loadEvent(event, deps(t))).to.deep.include({ loaded: 1, rows: 10, rejectedRows: 1 });
    expect(await rows(t)).to.have.length(10);
    const [reject] = await rejects(t);
    expect(reject).to.include({
      line: 6,
      object_key: "processed/2026/11/26/16/broken.csv",
      dedup_key: "only",
      error: "Warning 1261: Row 6 doesn't contain data for all columns",
    });
    expect(JSON.parse(reject.fields)).to.include({ dedup_key: "only", change: "three", changed_at: "fields", stream_sequence: null });
  });

  it("records every load in the manifest: key, ETag, rows, time", async () => {
    const t = target();
    const event = await put("processed/2026/11/26/17/m.csv", csvObject(700, 702));
    await loadEvent(event, deps(t));
    const [entry] = await manifest(t);
    expect(entry).to.include({ object_key: "processed/2026/11/26/17/m.csv", etag: event.Records[0].s3.object.eTag, row_count: 3 });
    expect(entry.loaded_at).to.be.instanceOf(Date);
  });

  it("ignores objects outside processed/", async () => {
    const t = target();
    expect(await loadEvent(await put("failed/processing-failed/x", "not csv"), deps(t))).to.deep.equal({
      loaded: 0,
      alreadyLoaded: 0,
      rows: 0,
      rejectedRows: 0,
    });
  });

  it("fails loudly when the database is unreachable", async () => {
    const t = target();
    const unreachable: LoadDependencies = { ...deps(t), connect: () => createConnection({ host: "127.0.0.1", port: 9, user: "x", connectTimeout: 2_000 }) };
    let failure: Error | undefined;
    await loadEvent(await put("processed/2026/11/26/18/n.csv", csvObject(800, 801)), unreachable).catch((error: Error) => (failure = error));
    expect(failure?.message).to.match(/ECONNREFUSED/);
  });

  it("keeps one connection across invocations until the server ends its idle session, then opens another without a crash", async () => {
    const { host, port, user, password } = engines.database;
    const connect = reusedConnection(async () => ({ host, port, user, password }));
    const first = await connect();
    expect((await first.query<RowDataPacket[]>("SELECT @@SESSION.wait_timeout AS idle"))[0][0].idle).to.equal(IDLE_SESSION_SECONDS);
    expect(await connect()).to.equal(first);
    // The server ends the session while nothing uses it, as it would a frozen container's after a minute.
    await first.query("SET SESSION wait_timeout = 1");
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const second = await connect();
    expect(second).to.not.equal(first);
    expect((await second.query<RowDataPacket[]>("SELECT 1 AS one"))[0][0].one).to.equal(1);
    second.destroy();
  });

  it("sets up each new connection's session, but prepares the schema once per container, also after its kept connection ended", async () => {
    const t = target();
    const { host, port, user, password } = engines.database;
    const [first, second] = await Promise.all([0, 1].map(() => createConnection({ host, port, user, password })));
    const seen: string[] = [];
    const recorded = new Proxy(second, {
      get: (conn, key) =>
        key === "query"
          ? (sql: string, ...rest: unknown[]) => (seen.push(sql), (conn.query as (...a: unknown[]) => unknown)(sql, ...rest))
          : Reflect.get(conn, key),
    });
    const connections = [first, recorded];
    const loader = { ...deps(t), connect: async () => connections.shift()! };
    await loadEvent(await put("processed/2026/11/26/10/kept-1.csv", csvObject(1, 5)), loader);
    expect(await loadEvent(await put("processed/2026/11/26/10/kept-2.csv", csvObject(6, 10)), loader)).to.include({ loaded: 1, rows: 5 });
    expect(seen).to.include("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    expect(seen.filter((sql) => /GET_LOCK|CREATE TABLE|information_schema/.test(sql))).to.deep.equal([]);
    await Promise.all([first.end(), second.end()]);
  });

  describe("one row never blocks an object (Why: one value MySQL refused failed the whole object, and its re-drive too)", () => {
    it("loads every other row, parks the refused one with MySQL's message and line, and loads it once re-driven after the cause is fixed", async () => {
      const t = target();
      const tooBig = csvRow(1102).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*),\d+,/, "$1,99999999999,");
      const event = await put("processed/2026/11/26/19/too-big.csv", `${csvObject(1100, 1101)}${tooBig}${csvObject(1103, 1104)}`);
      expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 1, alreadyLoaded: 0, rows: 4, rejectedRows: 1 });
      expect((await rows(t)).map((r) => r.page_id)).to.deep.equal(["p-2100", "p-2101", "p-2103", "p-2104"].sort());
      const [reject] = await rejects(t);
      expect(reject).to.include({ line: 3, object_key: "processed/2026/11/26/19/too-big.csv", stream_sequence: "2102" });
      expect(reject.error).to.match(/^ER_WARN_DATA_OUT_OF_RANGE: Out of range value for column .hits. at row \d+$/);
      expect(JSON.parse(reject.fields)).to.include({ hits: "99999999999", page_id: "p-2102" });

      // The README's re-drive: fix the cause, forget the object in the manifest, invoke the loader with the event again.
      await engines.admin.query("ALTER TABLE ??.?? MODIFY hits BIGINT NULL", [t.database, t.table]);
      await engines.admin.query("DELETE FROM ??.?? WHERE object_key = ?", [t.database, t.manifestTable, "processed/2026/11/26/19/too-big.csv"]);
      expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 1, alreadyLoaded: 0, rows: 5, rejectedRows: 0 });
      expect(await rows(t)).to.have.length(5);
      expect(await rejects(t)).to.have.length(0);
    });

    it("parks a row whose decimal MySQL would round, instead of rounding it", async () => {
      const t = { ...target(), columnTypes: { hits: "INT", platform_version: "DECIMAL(4,1)" } };
      const event = await put(
        "processed/2026/11/26/20/round.csv",
        `${csvRow(1200, { device: { make: "Apple", platform: { name: "iOS", version: "17.45" }, location: { latitude: "1", longitude: "2", country: "NL" } } })}${csvRow(1201)}`,
      );
      // Click 1201's version is 17.4.1, not a number either: both are refused, by MySQL, each with its own message.
      expect(await loadEvent(event, deps(t))).to.deep.include({ rows: 0, rejectedRows: 2 });
      const messages = (await rejects(t)).map((r) => r.error);
      expect(messages[0]).to.match(/Note 1265: Data truncated for column 'platform_version'/);
      expect(messages[1]).to.match(/platform_version/);
    });
  });

  describe("the newest change wins (Why: REPLACE kept whatever loaded last, and a replayed INSERT undid a REMOVE)", () => {
    it("keeps the change with the highest stream sequence whatever order objects load in", async () => {
      const t = target();
      await loadEvent(await put("processed/2026/11/26/21/new.csv", csvRow(1300, { Hits: 5 }, "MODIFY", "20")), deps(t));
      await loadEvent(await put("processed/2026/11/26/21/old.csv", csvRow(1300, { Hits: 1 }, "INSERT", "10")), deps(t));
      expect(await rows(t)).to.have.length(1);
      expect((await rows(t))[0]).to.include({ change: "MODIFY", stream_sequence: "20", hits: 5 });
    });

    it("does not bring back a removed item when an older change is replayed, and orders sequences of different lengths as numbers", async () => {
      const t = target();
      await loadEvent(await put("processed/2026/11/26/22/insert.csv", csvRow(1400, { Hits: 1 }, "INSERT", "9")), deps(t));
      await loadEvent(await put("processed/2026/11/26/22/remove.csv", csvRow(1400, {}, "REMOVE", "100")), deps(t));
      await loadEvent(
        await put("processed/2026/11/26/22/replayed.csv", csvRow(1400, { Hits: 1 }, "INSERT", "9") + csvRow(1400, { Hits: 2 }, "MODIFY", "99")),
        deps(t),
      );
      const [row] = await rows(t);
      expect(row).to.include({ change: "REMOVE", stream_sequence: "100", hits: null, page_id: null });
    });

    it("applies the changes of one item within one object by sequence, not by line", async () => {
      const t = target();
      const body = csvRow(1500, { Hits: 3 }, "MODIFY", "30") + csvRow(1500, { Hits: 1 }, "INSERT", "10") + csvRow(1500, { Hits: 2 }, "MODIFY", "20");
      expect(await loadEvent(await put("processed/2026/11/26/23/shuffled.csv", body), deps(t))).to.deep.include({ rows: 3, rejectedRows: 0 });
      expect((await rows(t))[0]).to.include({ stream_sequence: "30", hits: 3 });
    });
  });

  describe("the loader fails loudly and completely (Why: later objects were skipped, a corrupt .gz crashed the process, BOM and CRLF reached values)", () => {
    it("loads every good object of an event and reports the bad ones together; a retry loads nothing twice", async () => {
      const t = target();
      const [a, bad, b, worse] = [
        await put("processed/2026/11/27/01/a.csv", csvObject(1600, 1602)),
        await put("processed/2026/11/27/01/bad.csv.gz", Buffer.from("this is not gzip at all")),
        await put("processed/2026/11/27/01/b.csv", csvObject(1603, 1605)),
        await put("processed/2026/11/27/01/cut.csv.gz", gzipSync(csvObject(1606, 1620)).subarray(0, 200)),
      ];
      const event = { Records: [a, bad, b, worse].map((e) => e.Records[0]) } as S3Event;
      let failure: Error | undefined;
      await loadEvent(event, deps(t)).catch((error: Error) => (failure = error));
      expect(failure?.message).to.match(
        /^2 of 4 objects not loaded \(the others are\): s3:\/\/archive\/processed\/2026\/11\/27\/01\/bad\.csv\.gz: s3:\/\/archive\/\S+ cannot be read: incorrect header check; s3:\/\/archive\/processed\/2026\/11\/27\/01\/cut\.csv\.gz: .*cannot be read: unexpected end of file$/,
      );
      expect(await rows(t)).to.have.length(6);
      await loadEvent(event, deps(t)).catch((error: Error) => (failure = error));
      expect(failure?.message).to.match(/^2 of 4 objects not loaded/);
      expect((await manifest(t)).map((m) => m.object_key).sort()).to.deep.equal(["processed/2026/11/27/01/a.csv", "processed/2026/11/27/01/b.csv"]);
      expect(await rows(t)).to.have.length(6);
    });

    describe("an object that is not text is refused whole (Why: a GZIP object under a .csv key was recorded as loaded, its binary lines in rejected_rows)", () => {
      /** Loads an object that must fail whole: the reason, and nothing of it in the table, the rejects or the manifest. */
      async function refusedWhole(key: string, body: Buffer): Promise<string> {
        const t = target();
        let failure: Error | undefined;
        await loadEvent(await put(key, body), deps(t)).catch((error: Error) => (failure = error));
        expect(failure, "the load fails").to.be.instanceOf(Error);
        expect(await rows(t)).to.have.length(0);
        expect(await rejects(t)).to.have.length(0);
        expect(await manifest(t)).to.have.length(0);
        return failure!.message;
      }

      it("names a GZIP object under a .csv key (and one compressed twice under .gz) as compressed", async () => {
        const gzipped = gzipSync(csvObject(1900, 1999));
        expect(await refusedWhole("processed/2026/11/27/03/clicks.csv", gzipped)).to.equal(
          "1 of 1 objects not loaded (the others are): s3://archive/processed/2026/11/27/03/clicks.csv: s3://archive/processed/2026/11/27/03/clicks.csv cannot be read: it starts with GZIP's signature (1f 8b): a compressed object under a key that does not end in .gz, or one compressed twice",
        );
        expect(await refusedWhole("processed/2026/11/27/03/twice.csv.gz", gzipSync(gzipped))).to.match(
          /twice\.csv\.gz cannot be read: it starts with GZIP's signature/,
        );
      });

      it("refuses bytes that are not UTF-8 text from the first line, however short the object", async () => {
        const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131 + 7) % 256));
        expect(await refusedWhole("processed/2026/11/27/03/binary.csv", binary)).to.match(/binary\.csv cannot be read: its first line is not UTF-8 text/);
        expect(await refusedWhole("processed/2026/11/27/03/one-byte.csv", Buffer.from([0xff]))).to.match(
          /one-byte\.csv cannot be read: its first line is not UTF-8 text/,
        );
      });

      it("refuses an object whose first line stops being UTF-8 past what the stream checks, from the database's own warning (as with LOAD DATA FROM S3)", async () => {
        const line = Buffer.concat([
          Buffer.from(
            csvRow(1950)
              .replace("ana.silva", `${"x".repeat(HEAD_BYTES)}ana.silva`)
              .replace(/\n$/, ""),
          ),
          Buffer.from([0xc3, 0x28, 0x0a]),
        ]);
        expect(await refusedWhole("processed/2026/11/27/03/long-first-line.csv", Buffer.concat([line, Buffer.from(csvObject(1951, 1952))]))).to.match(
          /long-first-line\.csv cannot be read: its first line is not UTF-8 text, as every line of the archive is \(Warning 1366: Incorrect string value/,
        );
      });

      it("still loads a text object whose later line is not UTF-8, parking that line", async () => {
        const t = target();
        const [before, after] = csvRow(1962).split(",NL,");
        const body = Buffer.concat([
          Buffer.from(`${csvObject(1960, 1961)}${before},N`),
          Buffer.from([0xff]),
          Buffer.from(`L,${after}${csvObject(1963, 1963)}`),
        ]);
        expect(await loadEvent(await put("processed/2026/11/27/03/one-bad-line.csv", body), deps(t))).to.deep.include({ loaded: 1, rows: 3, rejectedRows: 1 });
        const [reject] = await rejects(t);
        expect(reject.line).to.equal(3);
        expect(reject.error).to.match(/^Warning 1366: Incorrect string value: '\\xFFL' for column .*country.* at row 3$/);
      });
    });

    it("with LOAD DATA FROM S3, which it cannot read away, refuses a first field starting with a BOM and a last field holding a CR as lines, with the reason", async () => {
      const t = target();
      for (const statement of [...schemaStatements(t), ...stagingStatements(t)]) await engines.admin.query(statement);
      const raw = `\ufeff${csvObject(1800, 1801).replace(/\n/g, "\r\n")}`;
      await engines.admin.query({ sql: loadStatement(t, { kind: "local" }, "staging"), infileStreamFactory: () => Readable.from([Buffer.from(raw)]) });
      for (const statement of foreignEncodingChecks(t)) await engines.admin.query(statement);
      const [staged] = await engines.admin.query<RowDataPacket[]>("SELECT line, refused FROM ??.load_staging ORDER BY line", [t.database]);
      expect(staged.map((r) => [r.line, r.refused?.split(":")[0]])).to.deep.equal([
        [1, "the first field starts with a UTF-8 byte order mark"],
        [2, "the last field holds a carriage return, as CRLF line ends leave it"],
      ]);
    });

    it("keeps a byte order mark and CRLF line ends out of the values, and a CR inside a quoted value in", async () => {
      const t = target();
      const lines = [csvRow(1700, { useremail: "line\r\nbreak" }), csvRow(1701), csvRow(1702, { useremail: "ends with CR\r" })];
      const crlf = `\ufeff${lines.map((line) => line.replace(/\n$/, "\r\n")).join("")}`;
      expect(await loadEvent(await put("processed/2026/11/27/02/windows.csv", crlf), deps(t))).to.deep.include({ rows: 3, rejectedRows: 0 });
      const loaded = await rows(t);
      expect(loaded.map((r) => r.user_email).sort()).to.deep.equal(["ana.silva1701@example.com", "ends with CR\r", "line\r\nbreak"]);
      expect(loaded.every((r) => !r.dedup_key.startsWith("\ufeff") && !String(r.arrived_at).includes("\r"))).to.equal(true);
    });
  });
});
