import { expect } from "chai";
import { createConnection, type Connection } from "mysql2/promise";
import { Readable } from "node:stream";
import { loaderUserStatements } from "../../functions/db-setup/core";
import { loadObject } from "../../functions/load/load-object";
import { schemaStatements, type LoadTarget } from "../../functions/load/sql";
import { startMariaDb, type MySqlEngine } from "../../engines";
import { CSV_COLUMNS, csvObject } from "../support/archive";

describe("the loader's own database user on MariaDB", function () {
  this.timeout(120_000);
  const spec = { user: "clickstream_loader", database: "clickstream", loadFromS3: false };
  const password = "loader-only-7f3a";
  const target: LoadTarget = { database: "clickstream", table: "web_analytics", manifestTable: "loaded_objects", rejectsTable: "rejected_rows", columns: CSV_COLUMNS, columnTypes: { hits: "INT" } };
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

  it("creates its database and tables, and loads an object exactly once, with only the privileges the setup grants", async () => {
    for (const statement of schemaStatements(target)) await loader.query(statement);
    const object = { bucket: "archive", key: "processed/2026/11/26/10/a.csv", etag: "e1", size: 1 };
    const open = async () => ({ stream: () => Readable.from([Buffer.from(csvObject(1, 5))]), close: () => undefined, failure: () => undefined });
    expect(await loadObject(loader, target, object, { kind: "local", open })).to.include({ status: "loaded", rows: 5, staged: false });
    expect(await loadObject(loader, target, object, { kind: "local", open })).to.deep.equal({ status: "already-loaded" });
    // The same rows in another object take the staged path: a temporary table, then newer-only upserts.
    const again = { ...object, key: "processed/2026/11/26/10/b.csv", etag: "e2" };
    expect(await loadObject(loader, target, again, { kind: "local", open })).to.include({ status: "loaded", staged: true, rejected: 0 });
  });

  it("may do nothing else: no other database, no users, no dropping its tables", async () => {
    const refused = (sql: string) => loader.query(sql).then(() => `${sql} was allowed`, (error: { code?: string }) => error.code);
    expect(await refused("CREATE DATABASE other")).to.equal("ER_DBACCESS_DENIED_ERROR");
    expect(await refused("SELECT * FROM mysql.user")).to.match(/^ER_(TABLEACCESS|DBACCESS)_DENIED_ERROR$/);
    expect(await refused("DROP TABLE clickstream.web_analytics")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
    expect(await refused("CREATE USER intruder IDENTIFIED BY 'x'")).to.equal("ER_SPECIFIC_ACCESS_DENIED_ERROR");
  });
});
