import { escapeId } from "mysql2";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { createHash } from "node:crypto";
import { parseSqlType } from "../shared/sql-columns";
import { retryLockConflicts, type LockRetry, type LockRetryOptions } from "./lock-retry";
import { columnDefinition, columnType, MANIFEST_REBUILD_RUN, schemaStatements, SESSION_STATEMENTS, type LoadTarget } from "./sql";

/** Seconds a loader waits for another loader's migration (the named lock, which blocks no one else). */
const LOCK_WAIT_SECONDS = 120;

/**
 * Seconds one DDL statement waits for its table's metadata lock, and how often it is tried. A
 * waiting ALTER queues every later read and write of the table behind it (a pending exclusive lock
 * goes first: https://dev.mysql.com/doc/refman/8.0/en/metadata-locking.html), and a long
 * transaction on the table, a reader's session say, holds it off ("A long running or inactive
 * transaction that holds a metadata lock on the table can cause an online DDL operation to
 * timeout": https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-limitations.html). So each
 * try blocks the table for seconds, not minutes, and gives way between tries: 8 tries of 5 s, up
 * to 10 s apart, before the event fails to Lambda's retries.
 */
export const DDL_LOCK_WAIT_SECONDS = 5;
export const DDL_LOCK_RETRY: LockRetryOptions = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 10_000 };

/** A column as information_schema.COLUMNS describes it. */
export interface ExistingColumn {
  table: string;
  column: string;
  /** DATA_TYPE: `varchar`, `int`, `text`, … */
  dataType: string;
  /** CHARACTER_MAXIMUM_LENGTH: characters, for character types. */
  maxLength: number | null;
}

/** Another loader held the migration lock for longer than a loader waits: the event is retried. */
export class SchemaLockTimeout extends Error {}

const qualified = (target: LoadTarget, name: string) => `${escapeId(target.database)}.${escapeId(name)}`;

/**
 * What brings existing tables to the target's schema, from what information_schema says they hold:
 * the columns a newer schema version added (at the end, nullable: MySQL 8.0 and Aurora MySQL 3 add
 * such a column instantly, without copying the table, once they have its metadata lock:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.FastDDL.html),
 * VARCHAR columns widened in place (a change of the declared length only, when the length still
 * takes the same bytes: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-column-operations;
 * ALGORITHM=INPLACE, LOCK=NONE makes MySQL refuse rather than copy the table), and the manifest's
 * rebuild column. Nothing is ever dropped, renamed or narrowed; a column the table holds wider than
 * the target asks (widened by hand, say) stays as it is. Empty when the tables are up to date.
 */
export function migrationStatements(target: LoadTarget, existing: readonly ExistingColumn[]): string[] {
  const find = (table: string, column: string) =>
    existing.find((c) => c.table.toLowerCase() === table.toLowerCase() && c.column.toLowerCase() === column.toLowerCase());
  const statements: string[] = [];
  const missing = target.columns.filter((column) => !find(target.table, column));
  if (missing.length > 0) {
    statements.push(`ALTER TABLE ${qualified(target, target.table)} ${missing.map((column) => `ADD COLUMN ${columnDefinition(target, column)}`).join(", ")}`);
  }
  for (const column of target.columns) {
    const have = find(target.table, column);
    const want = parseSqlType(columnType(target, column));
    if (!have || typeof want === "string" || want.kind !== "varchar" || have.dataType.toLowerCase() !== "varchar" || (have.maxLength ?? 0) >= want.maxChars)
      continue;
    statements.push(`ALTER TABLE ${qualified(target, target.table)} MODIFY COLUMN ${columnDefinition(target, column)}, ALGORITHM=INPLACE, LOCK=NONE`);
  }
  if (!find(target.manifestTable, "rebuild_run")) statements.push(`ALTER TABLE ${qualified(target, target.manifestTable)} ADD COLUMN ${MANIFEST_REBUILD_RUN}`);
  return statements;
}

/** A named lock per table, within MySQL's 64 characters whatever the names. */
const lockName = (target: LoadTarget) =>
  `stream-replication:schema:${createHash("sha256").update(`${target.database}.${target.table}`).digest("hex").slice(0, 32)}`;

/** Sets a new connection's session up (SESSION_STATEMENTS): once per connection, before its first load. */
export async function prepareSession(connection: Connection): Promise<void> {
  for (const statement of SESSION_STATEMENTS) await connection.query(statement);
}

/**
 * Sets the session up and brings the database to the target's schema: creates what does not exist
 * and migrates what an older schema version left. Loaders that start at once take turns through a
 * named lock (GET_LOCK waits for it, RELEASE_LOCK or the end of the session frees it:
 * https://dev.mysql.com/doc/refman/8.0/en/locking-functions.html), and each looks at
 * information_schema under the lock before it changes anything, so the migration runs once and a
 * second run finds nothing to do. A statement waiting for a metadata lock (an ALTER behind an
 * object's transaction) gives up after DDL_LOCK_WAIT_SECONDS instead of MySQL's default of a year,
 * and is tried again as `retry` says, each retry reported to `retried`.
 */
export async function prepareSchema(
  connection: Connection,
  target: LoadTarget,
  { retry = DDL_LOCK_RETRY, retried = () => undefined }: { retry?: LockRetryOptions; retried?: (retry: LockRetry) => void } = {},
): Promise<void> {
  const ddl = (statement: string) => retryLockConflicts(() => connection.query(statement), retry, retried);
  await prepareSession(connection);
  const [createDatabase, ...createTables] = schemaStatements(target);
  await connection.query(createDatabase);
  const lock = lockName(target);
  const [[{ got }]] = await connection.query<RowDataPacket[]>("SELECT GET_LOCK(?, ?) AS got", [lock, LOCK_WAIT_SECONDS]);
  if (Number(got) !== 1)
    throw new SchemaLockTimeout(`another loader held the schema lock of ${target.database}.${target.table} for over ${LOCK_WAIT_SECONDS} s: retried`);
  try {
    await connection.query(`SET SESSION lock_wait_timeout = ${DDL_LOCK_WAIT_SECONDS}`);
    for (const statement of createTables) await ddl(statement);
    const [rows] = await connection.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS `table`, COLUMN_NAME AS `column`, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS maxLength " +
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)",
      [target.database, target.table, target.manifestTable],
    );
    const existing = rows.map((r) => ({
      table: String(r.table),
      column: String(r.column),
      dataType: String(r.dataType),
      maxLength: r.maxLength === null ? null : Number(r.maxLength),
    }));
    for (const statement of migrationStatements(target, existing)) await ddl(statement);
  } finally {
    await connection.query("SET SESSION lock_wait_timeout = DEFAULT").catch(() => undefined);
    await connection.query("SELECT RELEASE_LOCK(?)", [lock]).catch(() => undefined);
  }
}
