import { expect } from "chai";
import type { Connection } from "mysql2/promise";
import { type LockRetry } from "../../functions/load/lock-retry";
import { DDL_LOCK_RETRY, DDL_LOCK_WAIT_SECONDS, migrationStatements, prepareSchema, SchemaLockTimeout, type ExistingColumn } from "../../functions/load/schema";
import { schemaStatements, SESSION_STATEMENTS, type LoadTarget } from "../../functions/load/sql";

const TARGET: LoadTarget = {
  database: "clickstream",
  table: "web_analytics",
  manifestTable: "loaded_objects",
  rejectsTable: "rejected_rows",
  columns: ["dedup_key", "change", "stream_sequence", "hits", "referrer"],
  columnTypes: { hits: "INT", referrer: "VARCHAR(200)" },
};
const column = (table: string, name: string, dataType: string, maxLength: number | null = null): ExistingColumn => ({
  table,
  column: name,
  dataType,
  maxLength,
});
const FIXED = [
  column("web_analytics", "dedup_key", "varchar", 191),
  column("web_analytics", "change", "varchar", 8),
  column("web_analytics", "stream_sequence", "varchar", 64),
];
const MANIFEST = column("loaded_objects", "rebuild_run", "varchar", 64);

describe("loader schema (functions/load/schema.ts)", () => {
  describe("migrationStatements", () => {
    it("adds every missing column in one statement, a VARCHAR one as declared and not also widened", () => {
      expect(migrationStatements(TARGET, [...FIXED, MANIFEST])).to.deep.equal([
        "ALTER TABLE `clickstream`.`web_analytics` ADD COLUMN `hits` INT NULL, ADD COLUMN `referrer` VARCHAR(200) NULL",
      ]);
    });

    it("never changes a column's type: only a VARCHAR narrower than the target is widened", () => {
      const held = (hits: ExistingColumn, referrer: ExistingColumn) => migrationStatements(TARGET, [...FIXED, hits, referrer, MANIFEST]);
      expect(
        held(column("web_analytics", "hits", "varchar", 10), column("web_analytics", "referrer", "varchar", 200)),
        "INT wanted, VARCHAR held",
      ).to.deep.equal([]);
      expect(held(column("web_analytics", "hits", "int"), column("web_analytics", "referrer", "char", 10)), "VARCHAR wanted, CHAR held").to.deep.equal([]);
      expect(held(column("web_analytics", "hits", "int"), column("web_analytics", "referrer", "text", 65535)), "VARCHAR wanted, TEXT held").to.deep.equal([]);
      expect(held(column("web_analytics", "hits", "int"), column("web_analytics", "referrer", "varchar", 199))).to.deep.equal([
        "ALTER TABLE `clickstream`.`web_analytics` MODIFY COLUMN `referrer` VARCHAR(200) NULL, ALGORITHM=INPLACE, LOCK=NONE",
      ]);
    });

    it("reads information_schema's names in any letter case, and each table's columns as its own", () => {
      const upper = [...FIXED, column("web_analytics", "hits", "int"), column("web_analytics", "referrer", "varchar", 200)].map((c) => ({
        ...c,
        table: c.table.toUpperCase(),
        column: c.column.toUpperCase(),
        dataType: c.dataType.toUpperCase(),
      }));
      expect(migrationStatements(TARGET, [...upper, { ...MANIFEST, table: "Loaded_Objects", column: "REBUILD_RUN" }])).to.deep.equal([]);
      // A column of the same name in the other table does not count.
      expect(
        migrationStatements(TARGET, [
          ...FIXED,
          column("loaded_objects", "hits", "int"),
          column("web_analytics", "referrer", "varchar", 200),
          column("web_analytics", "rebuild_run", "varchar", 64),
        ]),
      ).to.deep.equal([
        "ALTER TABLE `clickstream`.`web_analytics` ADD COLUMN `hits` INT NULL",
        "ALTER TABLE `clickstream`.`loaded_objects` ADD COLUMN rebuild_run VARCHAR(64) NULL",
      ]);
    });
  });

  describe("prepareSchema", () => {
    /** A connection that records each statement and answers GET_LOCK and information_schema as scripted. */
    function connection(script: {
      got?: number | string | null;
      columns?: Record<string, unknown>[];
      failOn?: RegExp;
      failRelease?: boolean;
      /** Statements matching it time out waiting for their metadata lock (1205) this many times. */
      lockWaits?: { on: RegExp; times: number };
    }) {
      const calls: { sql: string; values?: unknown[] }[] = [];
      let waits = script.lockWaits?.times ?? 0;
      const query = async (sql: string, values?: unknown[]) => {
        calls.push(values === undefined ? { sql } : { sql, values });
        if (script.failOn?.test(sql)) throw new Error(`refused: ${sql}`);
        if (script.lockWaits?.on.test(sql) && waits-- > 0)
          throw Object.assign(new Error("Lock wait timeout exceeded; try restarting transaction"), { errno: 1205 });
        if (sql.startsWith("SELECT RELEASE_LOCK") && script.failRelease) throw new Error("connection lost");
        if (sql.startsWith("SELECT GET_LOCK")) return [[{ got: "got" in script ? script.got : 1 }], []];
        if (sql.includes("information_schema.COLUMNS")) return [script.columns ?? [], []];
        return [{ affectedRows: 0 }, []];
      };
      return { calls, connection: { query } as unknown as Connection };
    }
    const [createDatabase, ...createTables] = schemaStatements(TARGET);
    const upToDate = [...FIXED, column("web_analytics", "hits", "int"), column("web_analytics", "referrer", "varchar", 200), MANIFEST].map((c) => ({
      ...c,
      maxLength: c.maxLength === null ? null : String(c.maxLength),
    }));

    it("sets the session up, creates what is missing and migrates under a named lock, released at the end", async () => {
      const { calls, connection: c } = connection({ columns: upToDate.map((col) => (col.column === "referrer" ? { ...col, maxLength: "100" } : col)) });
      await prepareSchema(c, TARGET);
      const lock = calls.find((call) => call.sql.startsWith("SELECT GET_LOCK"))!.values![0] as string;
      expect(calls).to.deep.equal([
        ...SESSION_STATEMENTS.map((sql) => ({ sql })),
        { sql: createDatabase },
        { sql: "SELECT GET_LOCK(?, ?) AS got", values: [lock, 120] },
        { sql: "SET SESSION lock_wait_timeout = 5" },
        ...createTables.map((sql) => ({ sql })),
        {
          sql:
            "SELECT TABLE_NAME AS `table`, COLUMN_NAME AS `column`, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS maxLength " +
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)",
          values: ["clickstream", "web_analytics", "loaded_objects"],
        },
        { sql: "ALTER TABLE `clickstream`.`web_analytics` MODIFY COLUMN `referrer` VARCHAR(200) NULL, ALGORITHM=INPLACE, LOCK=NONE" },
        { sql: "SET SESSION lock_wait_timeout = DEFAULT" },
        { sql: "SELECT RELEASE_LOCK(?)", values: [lock] },
      ]);
    });

    it("names the lock per database and table, within MySQL's 64 characters whatever the names", async () => {
      const lockOf = async (target: LoadTarget) => {
        const { calls, connection: c } = connection({ columns: upToDate });
        await prepareSchema(c, target);
        return calls.find((call) => call.sql.startsWith("SELECT GET_LOCK"))!.values![0] as string;
      };
      const long = "x".repeat(64);
      const locks = await Promise.all([
        lockOf(TARGET),
        lockOf(TARGET),
        lockOf({ ...TARGET, table: "other" }),
        lockOf({ ...TARGET, database: "other" }),
        lockOf({ ...TARGET, database: long, table: long }),
      ]);
      for (const lock of locks) expect(lock).to.match(/^stream-replication:schema:[0-9a-f]{32}$/);
      expect(locks[0]).to.equal(locks[1]);
      expect(new Set(locks).size).to.equal(4);
    });

    it("finds nothing to do on tables that are up to date, a NULL length included", async () => {
      const { calls, connection: c } = connection({ columns: [...upToDate, { table: "web_analytics", column: "extra", dataType: "json", maxLength: null }] });
      await prepareSchema(c, TARGET);
      expect(calls.filter((call) => call.sql.startsWith("ALTER"))).to.deep.equal([]);
    });

    it("gives up with SchemaLockTimeout, changing nothing, when another loader holds the lock too long", async () => {
      for (const got of [0, null, "0"]) {
        const { calls, connection: c } = connection({ got });
        let error: unknown;
        await prepareSchema(c, TARGET).catch((e: unknown) => (error = e));
        expect(error, String(got)).to.be.instanceOf(SchemaLockTimeout);
        expect((error as Error).message).to.equal("another loader held the schema lock of clickstream.web_analytics for over 120 s: retried");
        expect(
          calls
            .map((call) => call.sql)
            .filter((sql) => sql.startsWith("CREATE TABLE") || sql.startsWith("ALTER") || sql.startsWith("SET SESSION lock_wait_timeout")),
        ).to.deep.equal([]);
      }
    });

    it("tries a schema change again when it waited too long for its table's metadata lock, blocking the table 5 s at a time, and reports each retry", async () => {
      const widen = "ALTER TABLE `clickstream`.`web_analytics` MODIFY COLUMN `referrer` VARCHAR(200) NULL, ALGORITHM=INPLACE, LOCK=NONE";
      const narrow = upToDate.map((col) => (col.column === "referrer" ? { ...col, maxLength: "100" } : col));
      const retries: LockRetry[] = [];
      const noWait = { attempts: 8, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
      const { calls, connection: c } = connection({ columns: narrow, lockWaits: { on: /^ALTER/, times: 2 } });
      await prepareSchema(c, TARGET, { retry: noWait, retried: (retry) => retries.push(retry) });
      expect(calls.filter((call) => call.sql === widen)).to.have.length(3);
      expect(retries.map((r) => [r.attempt, r.code])).to.deep.equal([
        [1, "ER_LOCK_WAIT_TIMEOUT"],
        [2, "ER_LOCK_WAIT_TIMEOUT"],
      ]);
      expect(DDL_LOCK_WAIT_SECONDS).to.equal(5);
      expect(DDL_LOCK_RETRY).to.include({ attempts: 8 });

      const stuck = connection({ columns: narrow, lockWaits: { on: /^CREATE TABLE/, times: 8 } });
      const error = await prepareSchema(stuck.connection, TARGET, { retry: noWait }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.equal("Lock wait timeout exceeded; try restarting transaction");
      expect(stuck.calls.filter((call) => call.sql === createTables[0])).to.have.length(8);
      expect(stuck.calls.slice(-2).map((call) => call.sql)).to.deep.equal(["SET SESSION lock_wait_timeout = DEFAULT", "SELECT RELEASE_LOCK(?)"]);
    });

    it("releases the lock and resets the wait when a statement fails, and reports the statement's error, not the release's", async () => {
      const { calls, connection: c } = connection({ columns: upToDate, failOn: /^CREATE TABLE/, failRelease: true });
      let error: unknown;
      await prepareSchema(c, TARGET).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal(`refused: ${createTables[0]}`);
      expect(calls.slice(-2).map((call) => call.sql)).to.deep.equal(["SET SESSION lock_wait_timeout = DEFAULT", "SELECT RELEASE_LOCK(?)"]);
    });
  });
});
