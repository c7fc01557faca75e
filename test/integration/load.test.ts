import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { gzipSync } from "node:zlib";
import { loadEvent, type LoadDependencies } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { type LoadTarget } from "../../functions/load/sql";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startMariaDb, startS3Engine, type Engine, type MySqlEngine } from "../../local/engines";
import { CSV_COLUMNS, csvObject, csvRow } from "../support/archive";
import { fixture } from "../support/kinesis";

const BUCKET = "archive";

describe("loader on MariaDB and a local S3", function () {
  this.timeout(120_000);
  let database: MySqlEngine;
  let objects: Engine;
  let s3: S3Client;
  let connection: Connection;
  let databases = 0;

  before(async () => {
    [database, objects] = await Promise.all([startMariaDb(), startS3Engine()]);
    s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
  });

  after(async () => {
    await connection?.end();
    s3?.destroy();
    await Promise.all([database?.stop(), objects?.stop()]);
  });

  const target = (): LoadTarget => ({ database: `clickstream_${++databases}`, table: "web_analytics", manifestTable: "loaded_objects", columns: CSV_COLUMNS, columnTypes: { hits: "INT" } });
  const deps = (t: LoadTarget): LoadDependencies => ({ connect: async () => connection, target: t, mode: { kind: "local", open: s3Opener(s3) }, prefix: "processed/", log: { info() {}, warn() {} } });

  /** Puts an object and returns the S3 event for it, with the key URL-encoded as S3 sends it. */
  async function put(key: string, body: string | Buffer): Promise<S3Event> {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    event.Records[0].s3.bucket.name = BUCKET;
    event.Records[0].s3.object.key = encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
    event.Records[0].s3.object.eTag = (ETag ?? "").replace(/"/g, "");
    return event;
  }

  const rows = async (t: LoadTarget, sql = "SELECT * FROM ??.?? ORDER BY dedup_key") => (await connection.query<RowDataPacket[]>(sql, [t.database, t.table]))[0];
  const manifest = async (t: LoadTarget) => (await connection.query<RowDataPacket[]>("SELECT object_key, etag, row_count, loaded_at FROM ??.?? ORDER BY loaded_at", [t.database, t.manifestTable]))[0];

  it("creates the schema on first use and loads every row of an object, values typed and NULLs kept", async () => {
    const t = target();
    const event = await put("processed/2026/11/26/10/clicks-1-2026-11-26-10-00-00-a.csv", csvObject(1, 50));
    expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 1, alreadyLoaded: 0, rows: 50 });
    const loaded = await rows(t);
    expect(loaded).to.have.length(50);
    const first = loaded.find((r) => r.page_id === "p-1001")!;
    expect(first).to.include({ change: "INSERT", hits: 2, country: "NL", user_email: "ana.silva1@example.com", stream_sequence: "1001" });
    expect(first.dedup_key).to.match(/^\d{2}_shardId-000000000000\|\d{56}$/);
  });

  it("loads the right object for keys with spaces, unicode, quotes and SQL, and runs none of it", async () => {
    const t = target();
    const key = "processed/2026/11/26/11/Zoë's clicks \"v2\"; DROP TABLE web_analytics;-- ü+1.csv";
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
    expect(await loadEvent(event, deps(t))).to.deep.equal({ loaded: 0, alreadyLoaded: 1, rows: 0 });
    expect(await manifest(t)).to.have.length(1);
    expect(await rows(t)).to.have.length(10);
  });

  it("keeps one row per dedup key when two objects hold the same record", async () => {
    const t = target();
    await loadEvent(await put("processed/2026/11/26/14/a.csv", csvObject(400, 409)), deps(t));
    await loadEvent(await put("processed/2026/11/26/14/b.csv", csvObject(405, 414)), deps(t));
    expect(await rows(t)).to.have.length(15);
    const [[{ duplicates }]] = await connection.query<RowDataPacket[]>("SELECT COUNT(*) - COUNT(DISTINCT dedup_key) AS duplicates FROM ??.??", [t.database, t.table]);
    expect(Number(duplicates)).to.equal(0);
  });

  it("loads a GZIP object", async () => {
    const t = target();
    expect(await loadEvent(await put("processed/2026/11/26/15/clicks.csv.gz", gzipSync(csvObject(500, 519))), deps(t))).to.include({ rows: 20 });
  });

  it("fails a malformed object with a clear error, and loads nothing of it", async () => {
    const t = target();
    const broken = `${csvObject(600, 604)}only,three,fields\n${csvObject(605, 609)}`;
    const event = await put("processed/2026/11/26/16/broken.csv", broken);
    let failure: Error | undefined;
    await loadEvent(event, deps(t)).catch((error: Error) => (failure = error));
    expect(failure?.message).to.match(/^s3:\/\/archive\/processed\/2026\/11\/26\/16\/broken\.csv is not a valid archive object, nothing loaded: /);
    expect(await rows(t)).to.have.length(0);
    expect(await manifest(t)).to.have.length(0);
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
    expect(await loadEvent(await put("failed/processing-failed/x", "not csv"), deps(t))).to.deep.equal({ loaded: 0, alreadyLoaded: 0, rows: 0 });
  });

  it("fails loudly when the database is unreachable", async () => {
    const t = target();
    const unreachable: LoadDependencies = { ...deps(t), connect: () => createConnection({ host: "127.0.0.1", port: 9, user: "x", connectTimeout: 2_000 }) };
    let failure: Error | undefined;
    await loadEvent(await put("processed/2026/11/26/18/n.csv", csvObject(800, 801)), unreachable).catch((error: Error) => (failure = error));
    expect(failure?.message).to.match(/ECONNREFUSED/);
  });
});
