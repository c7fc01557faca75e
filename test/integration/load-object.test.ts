import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { type Connection, type QueryOptions, type RowDataPacket } from "mysql2/promise";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { withLoadingEngines } from "../support/archive-loading";
import { loadObject, UnreadableObject, type LoadMode } from "../../functions/load/load-object";
import { type CreatedObject } from "../../functions/load/s3-event";
import { s3Opener, type OpenedObject } from "../../functions/load/s3-source";
import { schemaStatements, type LoadTarget } from "../../functions/load/sql";
import { CSV_COLUMNS, csvObject, csvRow } from "../support/archive";

const BUCKET = "archive";
const PREFIX = "processed/";

/** loadObject itself, on MariaDB and a local S3: which way an object goes in, what it opens, and what it refuses whole. */
describe("loadObject on MariaDB and a local S3", function () {
  this.timeout(120_000);
  const engines = withLoadingEngines(BUCKET);
  let databases = 0;

  async function target(): Promise<LoadTarget> {
    const t: LoadTarget = {
      database: `load_object_${++databases}`,
      table: "web_analytics",
      manifestTable: "loaded_objects",
      rejectsTable: "rejected_rows",
      columns: CSV_COLUMNS,
      columnTypes: { hits: "INT" },
    };
    for (const statement of schemaStatements(t)) await engines.admin.query(statement);
    return t;
  }

  async function put(key: string, body: string | Buffer): Promise<CreatedObject> {
    const { ETag } = await engines.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return { bucket: BUCKET, key, etag: (ETag ?? "").replace(/"/g, ""), size: Buffer.byteLength(body) };
  }

  /** LOCAL mode through the S3 opener, counting the objects it opens and those closed again. */
  function counted() {
    const open = s3Opener(engines.s3);
    const opened: { closed: boolean }[] = [];
    const mode: LoadMode = {
      kind: "local",
      open: async (object): Promise<OpenedObject> => {
        const inner = await open(object);
        const handle = { closed: false };
        opened.push(handle);
        return { ...inner, close: () => ((handle.closed = true), inner.close()) };
      },
    };
    return { mode, opened };
  }

  const rowsIn = async (t: LoadTarget) =>
    (await engines.admin.query<RowDataPacket[]>("SELECT dedup_key, hits FROM ??.?? ORDER BY dedup_key", [t.database, t.table]))[0];
  const rejectsIn = async (t: LoadTarget) =>
    (await engines.admin.query<RowDataPacket[]>("SELECT line, error FROM ??.?? ORDER BY line", [t.database, t.rejectsTable]))[0];
  const manifestIn = async (t: LoadTarget) => (await engines.admin.query<RowDataPacket[]>("SELECT row_count FROM ??.??", [t.database, t.manifestTable]))[0];

  it("loads an object of new keys straight into the table, stages one whose first keys have rows, and closes every object it opens, once each", async () => {
    const t = await target();
    const { mode, opened } = counted();
    const fresh = await loadObject(engines.admin, t, await put("processed/2026/12/07/10/fresh.csv", csvObject(100, 109)), mode, { prefix: PREFIX });
    expect(fresh).to.deep.equal({ status: "loaded", rows: 10, rejected: 0, staged: false });
    const overlapping = await loadObject(engines.admin, t, await put("processed/2026/12/07/10/overlap.csv", csvObject(105, 114)), mode, {
      prefix: PREFIX,
    });
    expect(overlapping).to.deep.equal({ status: "loaded", rows: 10, rejected: 0, staged: true });
    expect(opened, "one open per object, each closed").to.deep.equal([{ closed: true }, { closed: true }]);
    expect(await rowsIn(t)).to.have.length(15);
    expect((await manifestIn(t)).map((m) => m.row_count)).to.have.members([10, 10]);
  });

  it("stages an object of new keys whose values the table would change (a warning), and parks the line past the ninth it refuses, with its number", async () => {
    const t = await target();
    const { mode, opened } = counted();
    const lines = csvObject(200, 214).split("\n");
    // Line 12 one field short: staged, it is the one line refused; the fast path's warning sends the whole object there.
    lines[11] = lines[11].slice(0, lines[11].lastIndexOf(","));
    const outcome = await loadObject(engines.admin, t, await put("processed/2026/12/07/11/short-line.csv", lines.join("\n")), mode, { prefix: PREFIX });
    expect(outcome).to.deep.equal({ status: "loaded", rows: 14, rejected: 1, staged: true });
    const [reject] = await rejectsIn(t);
    expect(reject.line).to.equal(12);
    expect(opened.every((o) => o.closed)).to.equal(true);
  });

  it("refuses an object with more malformed lines than the database lists warnings for, whole, as not the archive's CSV", async () => {
    const t = await target();
    const { mode } = counted();
    const body = `${csvRow(300)}${Array.from({ length: 80 }, (_, i) => `not,a,row,${i}\n`).join("")}`;
    const failed = await loadObject(engines.admin, t, await put("processed/2026/12/07/12/not-csv.csv", body), mode, { prefix: PREFIX }).catch(
      (e: unknown) => e,
    );
    expect(failed).to.be.instanceOf(UnreadableObject);
    expect((failed as Error).message).to.match(/is not the archive's CSV: \d{3,} warnings on its lines, more than the database lists$/);
    expect(await rowsIn(t)).to.deep.equal([]);
    expect(await manifestIn(t)).to.deep.equal([]);
  });

  it("refuses a GZIP object whose stream breaks past the part it reads ahead, whole, with nothing loaded, and closes it", async () => {
    const t = await target();
    const { mode, opened } = counted();
    // Cut short: the part read ahead unzips, and the stream ends without its trailer while the database reads the rest.
    const zipped = gzipSync(csvObject(1_000, 20_999));
    const object = await put("processed/2026/12/07/13/cut.csv.gz", zipped.subarray(0, zipped.length - 200));
    const failed = await loadObject(engines.admin, t, object, mode, { prefix: PREFIX }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(UnreadableObject);
    expect((failed as Error).message).to.match(/^s3:\/\/archive\/processed\/2026\/12\/07\/13\/cut\.csv\.gz cannot be read: /);
    expect(await rowsIn(t)).to.deep.equal([]);
    expect(await manifestIn(t)).to.deep.equal([]);
    expect(opened.length).to.be.greaterThan(0);
    expect(opened.every((o) => o.closed)).to.equal(true);
  });

  it("refuses an object that is not GZIP under a .gz key from what it reads ahead, before any load, and closes it", async () => {
    const t = await target();
    const { mode, opened } = counted();
    const failed = await loadObject(engines.admin, t, await put("processed/2026/12/07/13/not-gzip.csv.gz", csvObject(1, 3)), mode, {
      prefix: PREFIX,
    }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(UnreadableObject);
    expect(opened).to.deep.equal([{ closed: true }]);
    expect(await manifestIn(t)).to.deep.equal([]);
  });

  it("records an empty object as loaded with no rows, by the fast path", async () => {
    const t = await target();
    const { mode, opened } = counted();
    expect(await loadObject(engines.admin, t, await put("processed/2026/12/07/15/empty.csv", ""), mode, { prefix: PREFIX })).to.deep.equal({
      status: "loaded",
      rows: 0,
      rejected: 0,
      staged: false,
    });
    expect((await manifestIn(t)).map((m) => m.row_count)).to.deep.equal([0]);
    expect(opened).to.deep.equal([{ closed: true }]);
  });

  describe("with LOAD DATA FROM S3 (Aurora's), emulated on MariaDB: the object's raw bytes, as Aurora reads them", () => {
    /** A connection on which `LOAD DATA FROM S3 FILE 's3://bucket/key'` reads that object's bytes unchanged, as Aurora does. */
    function auroraLike(): Connection & { s3Loads: string[] } {
      const s3Loads: string[] = [];
      const query = async (options: string | QueryOptions, values?: unknown) => {
        const sql = typeof options === "string" ? options : options.sql;
        const from = /^LOAD DATA FROM S3 FILE '(s3:\/\/([^/]+)\/([^']+))'/.exec(sql);
        if (!from) return engines.admin.query(options as string, values as never);
        s3Loads.push(from[1]);
        const { Body } = await engines.s3.send(new GetObjectCommand({ Bucket: from[2], Key: from[3] }));
        const bytes = Buffer.from(await Body!.transformToByteArray());
        return engines.admin.query({
          sql: sql.replace(from[0], "LOAD DATA LOCAL INFILE 'archive-object'"),
          infileStreamFactory: () => Readable.from([bytes]),
        });
      };
      return Object.assign(Object.create(engines.admin) as Connection, { query, s3Loads }) as Connection & { s3Loads: string[] };
    }

    it("passes on the database's own error when LOAD DATA FROM S3 fails, and loads nothing", async () => {
      const t = await target();
      const missing: CreatedObject = { bucket: BUCKET, key: "processed/2026/12/07/14/gone.csv", etag: "0", size: 1 };
      const failed = await loadObject(auroraLike(), t, missing, { kind: "s3" }, { prefix: PREFIX }).catch((e: unknown) => e);
      expect(failed).to.have.property("name", "NoSuchKey");
      expect(await manifestIn(t)).to.deep.equal([]);
    });

    it("always stages (it cannot check bytes it never sees), and refuses a byte order mark and CRLF line ends line by line, with the reason", async () => {
      const t = await target();
      const aurora = auroraLike();
      const fresh = await loadObject(aurora, t, await put("processed/2026/12/07/14/fresh.csv", csvObject(400, 404)), { kind: "s3" }, { prefix: PREFIX });
      expect(fresh).to.deep.equal({ status: "loaded", rows: 5, rejected: 0, staged: true });
      const windows = `\ufeff${csvObject(410, 412).replace(/\n/g, "\r\n")}`;
      const foreign = await loadObject(aurora, t, await put("processed/2026/12/07/14/windows.csv", windows), { kind: "s3" }, { prefix: PREFIX });
      expect(foreign).to.deep.equal({ status: "loaded", rows: 0, rejected: 3, staged: true });
      expect((await rejectsIn(t)).map((r) => [r.line, String(r.error).split(":")[0]])).to.deep.equal([
        [1, "the first field starts with a UTF-8 byte order mark"],
        [2, "the last field holds a carriage return, as CRLF line ends leave it"],
        [3, "the last field holds a carriage return, as CRLF line ends leave it"],
      ]);
      expect(aurora.s3Loads).to.deep.equal(["s3://archive/processed/2026/12/07/14/fresh.csv", "s3://archive/processed/2026/12/07/14/windows.csv"]);
      expect(await rowsIn(t)).to.have.length(5);
    });
  });
});
