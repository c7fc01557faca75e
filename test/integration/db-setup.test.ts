import { expect } from "chai";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { Readable } from "node:stream";
import { loaderUserStatements } from "../../functions/db-setup/core";
import { loadObject } from "../../functions/load/load-object";
import { prepareSchema } from "../../functions/load/schema";
import { type LoadTarget } from "../../functions/load/sql";
import { startMariaDb, type MySqlEngine } from "../../engines";
import { databaseRepair } from "../../tools/rebuild-repair";
import { CSV_COLUMNS, csvObject } from "../support/archive";

describe("the loader's own database user on MariaDB", function () {
  this.timeout(120_000);
  const spec = { user: "clickstream_loader", database: "clickstream", loadFromS3: false };
  const password = "loader-only-7f3a";
  const target: LoadTarget = {
    database: "clickstream",
    table: "web_analytics",
    manifestTable: "loaded_objects",
    rejectsTable: "rejected_rows",
    columns: CSV_COLUMNS,
    columnTypes: { hits: "INT" },
  };
  let database: MySqlEngine;
  let admin: Connection;
  let loader: Connection;

  before(async () => {
    database = await startMariaDb();
    admin = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
    // Twice, as two deployments would: the second changes nothing and fails on nothing.
    for (let run = 0; run < 2; run++) for (const statement of loaderUserStatements(spec, { kind: "password", password })) await admin.query(statement);
    loader = await createConnection({ host: database.host, port: database.port, user: spec.user, password });
  });

  after(async () => {
    await Promise.all([loader?.end(), admin?.end()]);
    await database?.stop();
  });

  const body = Buffer.from(csvObject(1, 5));
  const open = async () => ({
    stream: () => Readable.from([body]),
    peek: async (bytes: number) => body.subarray(0, bytes),
    close: () => undefined,
    failure: () => undefined,
  });
  const options = { prefix: "processed/" };

  it("creates its database and tables, and loads an object exactly once, with only the privileges the setup grants", async () => {
    await prepareSchema(loader, target);
    const object = { bucket: "archive", key: "processed/2026/11/26/10/a.csv", etag: "e1", size: 1 };
    expect(await loadObject(loader, target, object, { kind: "local", open }, options)).to.include({ status: "loaded", rows: 5, staged: false });
    expect(await loadObject(loader, target, object, { kind: "local", open }, options)).to.deep.equal({ status: "already-loaded" });
    // The same rows in another object take the staged path: a temporary table, then newer-only upserts.
    const again = { ...object, key: "processed/2026/11/26/10/b.csv", etag: "e2" };
    expect(await loadObject(loader, target, again, { kind: "local", open }, options)).to.include({ status: "loaded", staged: true, rejected: 0 });
    // A rebuild forgets the object in the manifest (DELETE) and loads it again.
    expect(await loadObject(loader, target, object, { kind: "local", open }, { ...options, rebuildRun: "r1" })).to.include({ status: "loaded" });
  });

  it("migrates its table to a new schema version (a column added, a VARCHAR widened) with those privileges", async () => {
    const v1 = { ...target, columnTypes: { hits: "INT", country: "VARCHAR(8)" }, table: "migrated" };
    await prepareSchema(loader, v1);
    const v2: LoadTarget = {
      ...v1,
      columns: [...CSV_COLUMNS, "referrer"],
      columnTypes: { ...v1.columnTypes, country: "VARCHAR(16)" },
      versionColumns: [CSV_COLUMNS.length, CSV_COLUMNS.length + 1],
    };
    await prepareSchema(loader, v2);
    const [columns] = await admin.query<RowDataPacket[]>(
      "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'clickstream' AND TABLE_NAME = 'migrated' ORDER BY ORDINAL_POSITION",
    );
    expect(columns.map((c) => c.name)).to.deep.equal([...CSV_COLUMNS, "referrer"]);
    expect(columns.find((c) => c.name === "country")!.type).to.equal("varchar(16)");
    const object = { bucket: "archive", key: "processed/2026/11/26/10/c.csv", etag: "e3", size: 1 };
    expect(await loadObject(loader, v2, object, { kind: "local", open }, options)).to.include({ status: "loaded", rows: 5, staged: false });
  });

  it("repairs its table with a rebuild of the whole archive (as npm run rebuild signs in) with those privileges", async () => {
    const repaired = { ...target, table: "repaired" };
    const object = { bucket: "archive", key: "processed/2026/11/26/10/r.csv", etag: "e4", size: 1 };
    await prepareSchema(loader, repaired);
    expect(await loadObject(loader, repaired, object, { kind: "local", open }, options)).to.include({ status: "loaded", rows: 5 });
    await admin.query("UPDATE clickstream.repaired SET hits = -1");
    await admin.query("INSERT INTO clickstream.repaired (dedup_key) VALUES ('made-up')");
    const repair = databaseRepair(loader, repaired, { bucket: "archive", prefix: "processed/" });
    expect(await repair.begin("r2")).to.equal(true);
    expect(await loadObject(loader, repaired, object, { kind: "local", open }, { ...options, rebuildRun: "r2", repair: true })).to.include({
      status: "loaded",
      rows: 5,
    });
    expect(await repair.finish("r2")).to.deep.equal({ others: [], removed: 1 });
    const [rows] = await admin.query<RowDataPacket[]>("SELECT hits FROM clickstream.repaired");
    expect(rows.map((r) => r.hits).sort()).to.deep.equal([2, 3, 4, 5, 1].sort());
  });

  it("may do nothing else: no other database, no users, no dropping its tables", async () => {
    const refused = (sql: string) =>
      loader.query(sql).then(
        () => `${sql} was allowed`,
        (error: { code?: string }) => error.code,
      );
    expect(await refused("CREATE DATABASE other")).to.equal("ER_DBACCESS_DENIED_ERROR");
    expect(await refused("SELECT * FROM mysql.user")).to.match(/^ER_(TABLEACCESS|DBACCESS)_DENIED_ERROR$/);
    expect(await refused("DROP TABLE clickstream.web_analytics")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
    expect(await refused("CREATE USER intruder IDENTIFIED BY 'x'")).to.equal("ER_SPECIFIC_ACCESS_DENIED_ERROR");
  });
});
