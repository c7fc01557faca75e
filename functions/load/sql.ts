import { createHash } from "node:crypto";
import { escape, escapeId } from "mysql2";

/** Where and how the archive's rows are kept in MySQL. */
export interface LoadTarget {
  database: string;
  table: string;
  /** One row per loaded object: what makes a repeated event a no-op. */
  manifestTable: string;
  /** The CSV's columns, in file order; the first is the dedup key. */
  columns: readonly string[];
  /** SQL types by column. Default: TEXT (the fixed columns have their own). */
  columnTypes?: Record<string, string>;
}

/** Column types a user may choose: plain MySQL types, nothing that could carry other SQL. */
export const COLUMN_TYPE = /^(TEXT|MEDIUMTEXT|VARCHAR\(\d{1,5}\)|TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d{1,2},\d{1,2}\)|DOUBLE|BOOLEAN|DATE|DATETIME(\(\d\))?|JSON)$/i;

const FIXED_TYPES: Record<string, string> = {
  // 191 characters of utf8mb4 is the longest key every InnoDB row format can index.
  dedup_key: "VARCHAR(191) NOT NULL",
  change: "VARCHAR(8) NULL",
  changed_at: "VARCHAR(32) NULL",
  stream_sequence: "VARCHAR(64) NULL",
};

const table = (target: LoadTarget, name: string) => `${escapeId(target.database)}.${escapeId(name)}`;

/** The database, the rows' table keyed by the dedup key, and the manifest: created on first use. */
export function schemaStatements(target: LoadTarget): string[] {
  const [key] = target.columns;
  const columns = target.columns.map((name) => {
    const type = FIXED_TYPES[name] ?? target.columnTypes?.[name] ?? "TEXT";
    if (!FIXED_TYPES[name] && !COLUMN_TYPE.test(type)) throw new Error(`column type "${type}" for ${name} is not one the loader accepts`);
    return `${escapeId(name)} ${FIXED_TYPES[name] ?? `${type} NULL`}`;
  });
  return [
    `CREATE DATABASE IF NOT EXISTS ${escapeId(target.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${table(target, target.table)} (${columns.join(", ")}, PRIMARY KEY (${escapeId(key)})) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${table(target, target.manifestTable)} (` +
      "object_id CHAR(64) NOT NULL PRIMARY KEY, bucket VARCHAR(63) NOT NULL, object_key VARCHAR(1024) NOT NULL, " +
      "etag VARCHAR(64) NOT NULL, row_count BIGINT NULL, loaded_at DATETIME(3) NOT NULL) ENGINE=InnoDB",
  ];
}

/** The archive's CSV dialect (see README, "Archive layout"), as MySQL's LOAD DATA spells it. */
const CSV_FORMAT = "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n'";

export type LoadSource = { kind: "s3"; bucket: string; key: string } | { kind: "local" };

/**
 * The LOAD DATA statement: from S3 (Aurora reads the object itself, with the cluster's S3 role) or
 * LOCAL (the client streams it). Every name is an escaped identifier and the object's address an
 * escaped literal: nothing from the event is ever spliced into SQL unescaped.
 */
export function loadStatement(target: LoadTarget, source: LoadSource): string {
  const from = source.kind === "s3" ? `LOAD DATA FROM S3 FILE ${escape(`s3://${source.bucket}/${source.key}`)}` : "LOAD DATA LOCAL INFILE 'archive-object'";
  return `${from} REPLACE INTO TABLE ${table(target, target.table)} ${CSV_FORMAT} (${target.columns.map((c) => escapeId(c)).join(", ")})`;
}

export const manifestInsert = (target: LoadTarget) =>
  `INSERT IGNORE INTO ${table(target, target.manifestTable)} (object_id, bucket, object_key, etag, row_count, loaded_at) VALUES (?, ?, ?, ?, NULL, UTC_TIMESTAMP(3))`;

export const manifestUpdate = (target: LoadTarget) => `UPDATE ${table(target, target.manifestTable)} SET row_count = ? WHERE object_id = ?`;

/** An object's identity in the manifest: a new version (another ETag) of the same key loads again. */
export function objectId(bucket: string, key: string, etag: string): string {
  return createHash("sha256").update(`${bucket}\n${key}\n${etag}`).digest("hex");
}
