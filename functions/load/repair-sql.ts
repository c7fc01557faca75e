import { escapeId } from "mysql2";
import { parseSqlType } from "../shared/sql-columns";
import { columnType, qualifiedTable, stagingTable, type LoadTarget } from "./sql";

/**
 * The statements of a rebuild that repairs (`npm run rebuild` over the whole archive): the table
 * ends as a clean load of the archive would leave it, whatever was changed in it by hand.
 *
 * A run records its start in `rebuild_runs`, and in `rebuild_keys` every key it has written. The
 * first change a run loads for a key replaces whatever the row held before the run (the row is
 * deleted, the key claimed, then the change applied as any load applies it); later changes of the
 * key in the run win by sequence as always. At the end, under a lock on the manifest, rows whose
 * key the run never wrote are deleted: no object of the archive holds them. Both tables serve
 * every rows' table of the database, told apart by `rows_table`.
 */
const RUNS = "rebuild_runs";
const KEYS = "rebuild_keys";

const runs = (target: LoadTarget) => qualifiedTable(target, RUNS);
const keys = (target: LoadTarget) => qualifiedTable(target, KEYS);
const rows = (target: LoadTarget) => qualifiedTable(target, target.table);
const key = (target: LoadTarget) => escapeId(target.columns[0]);
/** The rows' table and the run, the first two parameters of every statement that names a run. */
const ofRun = "rows_table = ? AND run = ?";

export const repairSchemaStatements = (target: LoadTarget): string[] => [
  `CREATE TABLE IF NOT EXISTS ${runs(target)} (rows_table VARCHAR(64) NOT NULL, run VARCHAR(64) NOT NULL, started_at DATETIME(3) NOT NULL, finished_at DATETIME(3) NULL, PRIMARY KEY (rows_table, run)) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${keys(target)} (rows_table VARCHAR(64) NOT NULL, run VARCHAR(64) NOT NULL, dedup_key ${columnType(target, target.columns[0])} NOT NULL, PRIMARY KEY (rows_table, run, dedup_key)) ENGINE=InnoDB`,
];

/** Records a run's start; a run started again (resumed) keeps its first start. Parameters: rows' table, run. */
export const runStart = (target: LoadTarget) => `INSERT IGNORE INTO ${runs(target)} (rows_table, run, started_at) VALUES (?, ?, UTC_TIMESTAMP(3))`;

/** Whether the run finished repairing already. Parameters: rows' table, run. */
export const runFinished = (target: LoadTarget) => `SELECT finished_at IS NOT NULL AS finished FROM ${runs(target)} WHERE ${ofRun}`;

/**
 * Before an object's staged lines apply in a repairing run: the rows of their keys that the run has
 * not written yet are deleted (what they held predates the run), and the keys claimed. A key
 * longer than the key column cannot have a row, and is not claimed. Parameters: rows' table, run.
 */
export function claimStatements(target: LoadTarget): string[] {
  const type = parseSqlType(columnType(target, target.columns[0]));
  const fits = typeof type !== "string" && type.kind === "varchar" ? ` AND CHAR_LENGTH(s.${key(target)}) <= ${type.maxChars}` : "";
  return [
    // The deleted table is named in full: a multi-table DELETE of an alias needs a default database.
    `DELETE ${rows(target)} FROM ${stagingTable(target)} s JOIN ${rows(target)} ON ${rows(target)}.${key(target)} = s.${key(target)} ` +
      `LEFT JOIN ${keys(target)} c ON c.rows_table = ? AND c.run = ? AND c.dedup_key = s.${key(target)} WHERE s.refused IS NULL AND c.dedup_key IS NULL`,
    `INSERT IGNORE INTO ${keys(target)} (rows_table, run, dedup_key) SELECT DISTINCT ?, ?, s.${key(target)} FROM ${stagingTable(target)} s ` +
      `WHERE s.refused IS NULL AND s.${key(target)} IS NOT NULL${fits}`,
  ];
}

/**
 * Shares a lock on every manifest row and the gaps between them (in a REPEATABLE READ transaction),
 * so no loader can record a new object until the repair ends: a load claims its manifest row
 * first, so one that began before waits here until it commits, and one that begins after waits
 * for the repair.
 */
export const lockManifest = (target: LoadTarget) => `SELECT COUNT(*) AS objects FROM ${qualifiedTable(target, target.manifestTable)} LOCK IN SHARE MODE`;

/**
 * Objects under the prefix that others loaded since the run started (the live loader, or another
 * run): their changes must be the run's too before it ends. Parameters: rows' table, run, bucket,
 * prefix, prefix, run.
 */
export const loadedByOthers = (target: LoadTarget) =>
  `SELECT bucket, object_key AS \`key\`, etag FROM ${qualifiedTable(target, target.manifestTable)} ` +
  `WHERE loaded_at >= (SELECT started_at FROM ${runs(target)} WHERE ${ofRun}) AND bucket = ? AND LEFT(object_key, CHAR_LENGTH(?)) = ? AND NOT (rebuild_run <=> ?) ` +
  "ORDER BY object_key";

/** The end of a repair: rows no object of the archive holds, deleted; the run's keys forgotten; the run finished. Parameters of each: rows' table, run. */
export const finishStatements = (target: LoadTarget): string[] => [
  `DELETE ${rows(target)} FROM ${rows(target)} LEFT JOIN ${keys(target)} c ON c.rows_table = ? AND c.run = ? AND c.dedup_key = ${rows(target)}.${key(target)} WHERE c.dedup_key IS NULL`,
  `DELETE FROM ${keys(target)} WHERE ${ofRun}`,
  `UPDATE ${runs(target)} SET finished_at = UTC_TIMESTAMP(3) WHERE ${ofRun}`,
];
