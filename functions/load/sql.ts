import { createHash } from "node:crypto";
import { escape, escapeId } from "mysql2";
import { FIXED_COLUMN_SQL, parseSqlType } from "../shared/sql-columns";

/** Where and how the archive's rows are kept in MySQL. */
export interface LoadTarget {
  database: string;
  table: string;
  /** One row per loaded object: what makes a repeated event a no-op. */
  manifestTable: string;
  /** Rows the database refused, with its message: one per line of an object. */
  rejectsTable: string;
  /** The CSV's columns, in file order; the first is the dedup key. */
  columns: readonly string[];
  /** SQL types by column. Default: TEXT (the fixed columns have their own). */
  columnTypes?: Record<string, string>;
  /**
   * Each schema version's CSV column count, oldest first (see functions/shared/archive-schema.ts):
   * columns are only added at the end, so version n's columns are the first `versionColumns[n - 1]`
   * of `columns`. Default: one version, every column.
   */
  versionColumns?: readonly number[];
}

/** The manifest's column naming the rebuild that last loaded an object (NULL: loaded as it arrived); added to older manifests by the migration. */
export const MANIFEST_REBUILD_RUN = "rebuild_run VARCHAR(64) NULL";

/** The session's temporary table each object is staged in when it cannot go straight into the rows' table. */
const STAGING = "load_staging";

const table = (target: LoadTarget, name: string) => `${escapeId(target.database)}.${escapeId(name)}`;
/** A table of the target's database, as an escaped, qualified name. */
export const qualifiedTable = table;
/** The session's staging table, as an escaped, qualified name. */
export const stagingTable = (target: LoadTarget): string => table(target, STAGING);
const columnList = (target: LoadTarget, prefix = "") => target.columns.map((c) => `${prefix}${escapeId(c)}`).join(", ");

/**
 * READ COMMITTED: reads of the rows' table inside a load take no locks and searches lock no gaps,
 * so loaders running at once wait for one another only on the rows both write (see
 * `upsertStatement`); each row's newest change is decided on the row itself, locked, whatever the
 * isolation level. (With binary logging on, READ COMMITTED needs row-based logging, ROW or MIXED:
 * https://dev.mysql.com/doc/refman/8.0/en/innodb-transaction-isolation-levels.html; Aurora MySQL
 * leaves binary logging off unless a parameter group turns it on.)
 * Strict mode makes MySQL refuse a value that does not fit its column instead of coercing it
 * (https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict); the loader also treats
 * any warning or note as a refusal, and reads up to 65,535 of them (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_max_error_count).
 */
export const SESSION_STATEMENTS = [
  "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
  "SET SESSION max_error_count = 65535",
];

/** A column's SQL type in the rows' table (the fixed columns have their own, other columns TEXT unless typed); throws on a type the loader does not accept. */
export function columnType(target: LoadTarget, name: string): string {
  if (Object.prototype.hasOwnProperty.call(FIXED_COLUMN_SQL, name)) return FIXED_COLUMN_SQL[name as keyof typeof FIXED_COLUMN_SQL];
  const type = target.columnTypes?.[name] ?? "TEXT";
  if (typeof parseSqlType(type) === "string") throw new Error(`column type "${type}" for ${name} is not one the loader accepts`);
  return type;
}

/** A column as the rows' table declares it: every column nullable but the dedup key. */
export const columnDefinition = (target: LoadTarget, name: string): string =>
  `${escapeId(name)} ${columnType(target, name)} ${name === target.columns[0] ? "NOT NULL" : "NULL"}`;

/** The database, the rows' table keyed by the dedup key, the manifest and the rejects: created on first use. */
export function schemaStatements(target: LoadTarget): string[] {
  const [key] = target.columns;
  return [
    `CREATE DATABASE IF NOT EXISTS ${escapeId(target.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${table(target, target.table)} (${target.columns.map((name) => columnDefinition(target, name)).join(", ")}, PRIMARY KEY (${escapeId(key)})) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${table(target, target.manifestTable)} (` +
      "object_id CHAR(64) NOT NULL PRIMARY KEY, bucket VARCHAR(63) NOT NULL, object_key VARCHAR(1024) NOT NULL, " +
      `etag VARCHAR(64) NOT NULL, row_count BIGINT NULL, loaded_at DATETIME(3) NOT NULL, ${MANIFEST_REBUILD_RUN}) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${table(target, target.rejectsTable)} (` +
      "object_id CHAR(64) NOT NULL, line BIGINT NOT NULL, bucket VARCHAR(63) NOT NULL, object_key VARCHAR(1024) NOT NULL, " +
      "dedup_key TEXT NULL, stream_sequence TEXT NULL, fields LONGTEXT NOT NULL, error TEXT NOT NULL, rejected_at DATETIME(3) NOT NULL, " +
      "PRIMARY KEY (object_id, line)) ENGINE=InnoDB",
  ];
}

/** A fresh staging table: each line of the object as text, numbered in file order, with room for why it was refused. */
export const stagingStatements = (target: LoadTarget): string[] => [
  `DROP TEMPORARY TABLE IF EXISTS ${table(target, STAGING)}`,
  `CREATE TEMPORARY TABLE ${table(target, STAGING)} (line BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, refused TEXT NULL, ` +
    `${target.columns.map((c) => `${escapeId(c)} LONGTEXT NULL`).join(", ")}) ENGINE=InnoDB`,
];

/** The archive's CSV dialect (see README, "Archive layout"), as MySQL's LOAD DATA spells it. */
const CSV_FORMAT = "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n'";

export type LoadSource = { kind: "s3"; bucket: string; key: string } | { kind: "local" };

/**
 * The LOAD DATA statement, into the rows' table or into staging: from S3 (Aurora reads the object
 * itself with the cluster's S3 role: `LOAD DATA FROM S3 FILE 's3://…' INTO TABLE …`,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.LoadFromS3.html)
 * or LOCAL (the client streams it). Into the rows' table with neither REPLACE nor IGNORE: without
 * LOCAL a duplicate key or a value that does not fit is an error; with LOCAL it is a warning, as
 * if IGNORE were given (https://dev.mysql.com/doc/refman/8.0/en/load-data.html#load-data-error-handling).
 * Into staging with IGNORE, so a malformed line is a warning naming its row, never the end of the
 * load. Every name is an escaped identifier and the object's address an escaped literal.
 *
 * The first `required` columns are read as columns: a line with fewer fields is refused ("doesn't
 * contain data for all columns"). The others, columns a later schema version added, are read into
 * user variables and assigned with SET: a line of an older version simply has no such field, and
 * MySQL sets a user variable with no field to NULL without a warning (`read_sep_field` in
 * https://github.com/mysql/mysql-server/blob/8.0/sql/sql_load.cc; Aurora takes the same column
 * list and SET clause, as its LOAD DATA FROM S3 page shows). So an old line loads with NULL in the
 * new columns, exactly as if it had said NULL.
 */
export function loadStatement(target: LoadTarget, source: LoadSource, into: "rows" | "staging", required = target.columns.length): string {
  const from = source.kind === "s3" ? `LOAD DATA FROM S3 FILE ${escape(`s3://${source.bucket}/${source.key}`)}` : "LOAD DATA LOCAL INFILE 'archive-object'";
  const into_ = into === "rows" ? `INTO TABLE ${table(target, target.table)}` : `IGNORE INTO TABLE ${table(target, STAGING)}`;
  const optional = target.columns.slice(required);
  const fields = [...target.columns.slice(0, required).map((c) => escapeId(c)), ...optional.map((_, i) => `@optional_${i}`)];
  const set = optional.length ? ` SET ${optional.map((c, i) => `${escapeId(c)} = @optional_${i}`).join(", ")}` : "";
  return `${from} ${into_} ${CSV_FORMAT} (${fields.join(", ")})${set}`;
}

/** Marks a staged line refused, with why. */
export const refuseLine = (target: LoadTarget) => `UPDATE ${table(target, STAGING)} SET refused = ? WHERE line = ?`;

/**
 * With LOAD DATA FROM S3 the loader never sees the bytes, so it refuses what only a foreign
 * object's encoding leaves: a byte order mark before the first field, and a carriage return in the
 * last field (a CRLF line end; a field the archive wrote with a CR in it is refused too, rather
 * than guessed at). LOCAL loads strip both from the stream instead.
 */
export function foreignEncodingChecks(target: LoadTarget): string[] {
  const [first] = target.columns;
  const last = target.columns[target.columns.length - 1];
  return [
    `UPDATE ${table(target, STAGING)} SET refused = 'the first field starts with a UTF-8 byte order mark: remove it from the object' ` +
      `WHERE line = 1 AND LEFT(${escapeId(first)}, 1) = _utf8mb4 0xEFBBBF`,
    `UPDATE ${table(target, STAGING)} SET refused = 'the last field holds a carriage return, as CRLF line ends leave it: load the object with loadMode local, which reads CRLF exactly' ` +
      `WHERE refused IS NULL AND LOCATE('\\r', ${escapeId(last)}) > 0`,
  ];
}

/** Whether any of some keys (given as the one parameter) has a row: a consistent read, which takes no lock. */
export const anyKeyLoaded = (target: LoadTarget) =>
  `SELECT EXISTS (SELECT 1 FROM ${table(target, target.table)} WHERE ${escapeId(target.columns[0])} IN (?)) AS loaded`;

export const stagedLines = (target: LoadTarget) => `SELECT COUNT(*) AS lines_ FROM ${table(target, STAGING)}`;

/**
 * Applies staged lines from..to so that each row keeps the change with the highest stream sequence
 * of its item: a new key is inserted; an existing one is overwritten only by a newer change
 * (sequences compared as numbers of up to 40 digits), so a replayed or reordered older change, a
 * REMOVE's delete marker included, never undoes a newer one. `stream_sequence` is assigned last,
 * as ON DUPLICATE KEY UPDATE assigns left to right.
 *
 * A line whose change the row holds already (the same sequence: a redelivered or reloaded object)
 * is left out before anything is written, by a read of the rows' table that takes no lock under
 * READ COMMITTED (https://dev.mysql.com/doc/refman/8.0/en/innodb-locks-set.html: "If the
 * transaction isolation level is READ COMMITTED, InnoDB does the search on S as a consistent read
 * (no locks)"); an older change still goes through the statement, so the database checks its values
 * as before. Lines go in the order of the dedup key (then of the line), the order of the table's
 * primary key: loaders applying objects that share items take those rows' locks in the same order,
 * so one waits for the other instead of deadlocking.
 */
export function upsertStatement(target: LoadTarget): string {
  const rows = table(target, target.table);
  const key = escapeId(target.columns[0]);
  const current = (column: string) => `${rows}.${escapeId(column)}`;
  const newer = `LPAD(s.stream_sequence, 40, '0') > COALESCE(LPAD(${current("stream_sequence")}, 40, '0'), '')`;
  const assignments = target.columns
    .slice(1)
    .filter((c) => c !== "stream_sequence")
    .concat("stream_sequence")
    .map((c) => `${current(c)} = IF(${newer}, s.${escapeId(c)}, ${current(c)})`);
  return (
    `INSERT INTO ${rows} (${columnList(target)}) SELECT ${columnList(target, "s.")} FROM ${table(target, STAGING)} s LEFT JOIN ${rows} r ON r.${key} = s.${key} ` +
    `WHERE s.line BETWEEN ? AND ? AND s.refused IS NULL AND COALESCE(r.stream_sequence <> s.stream_sequence, TRUE) ` +
    `ORDER BY s.${key}, s.line ON DUPLICATE KEY UPDATE ${assignments.join(", ")}`
  );
}

/** An object's refused lines, re-recorded on every load of it, with every field as text. */
export const rejectsClear = (target: LoadTarget) => `DELETE FROM ${table(target, target.rejectsTable)} WHERE object_id = ?`;

export function rejectsInsert(target: LoadTarget): string {
  const fields = `JSON_OBJECT(${target.columns.map((c) => `${escape(c)}, ${escapeId(c)}`).join(", ")})`;
  return (
    `INSERT INTO ${table(target, target.rejectsTable)} (object_id, line, bucket, object_key, dedup_key, stream_sequence, fields, error, rejected_at) ` +
    `SELECT ?, line, ?, ?, ${escapeId(target.columns[0])}, stream_sequence, ${fields}, refused, UTC_TIMESTAMP(3) FROM ${table(target, STAGING)} WHERE refused IS NOT NULL`
  );
}

export const manifestInsert = (target: LoadTarget) =>
  `INSERT IGNORE INTO ${table(target, target.manifestTable)} (object_id, bucket, object_key, etag, row_count, loaded_at, rebuild_run) VALUES (?, ?, ?, ?, NULL, UTC_TIMESTAMP(3), ?)`;

/**
 * A rebuild loads an object again unless this same rebuild run already did: it forgets the
 * object's manifest row when another run (or the live loader, NULL) wrote it, and then claims it
 * as any load does. Running a rebuild again with the same run name resumes it.
 */
export const manifestForgetForRebuild = (target: LoadTarget) =>
  `DELETE FROM ${table(target, target.manifestTable)} WHERE object_id = ? AND NOT (rebuild_run <=> ?)`;

export const manifestUpdate = (target: LoadTarget) => `UPDATE ${table(target, target.manifestTable)} SET row_count = ? WHERE object_id = ?`;

/** An object's identity in the manifest: a new version (another ETag) of the same key loads again. */
export function objectId(bucket: string, key: string, etag: string): string {
  return createHash("sha256").update(`${bucket}\n${key}\n${etag}`).digest("hex");
}
