import type { Connection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { NewerSchemaVersion, requiredColumns, schemaVersionOfKey } from "../shared/archive-schema";
import { type CreatedObject } from "./s3-event";
import { isDataError } from "./data-error";
import { headKeys } from "./head-keys";
import { claimStatements } from "./repair-sql";
import { type OpenedObject } from "./s3-source";
import {
  anyKeyLoaded,
  foreignEncodingChecks,
  loadStatement,
  manifestForgetForRebuild,
  manifestInsert,
  manifestUpdate,
  objectId,
  refuseLine,
  rejectsClear,
  rejectsInsert,
  stagedLines,
  stagingStatements,
  upsertStatement,
  type LoadTarget,
} from "./sql";

/** `rows`: lines now in the table (inserted, updated, or already holding a newer change); `rejected`: lines the database refused, parked in the rejects table. */
export type Loaded = { status: "loaded"; rows: number; rejected: number; staged: boolean };
export type LoadOutcome = Loaded | { status: "already-loaded" };

/** LOCAL streams the object from S3 through this function; S3 lets Aurora read it itself. */
export type LoadMode = { kind: "local"; open: (object: CreatedObject) => Promise<OpenedObject> } | { kind: "s3" };

export interface LoadOptions {
  /** Where the processed objects are (`processed/`): the schema version follows it in the key. */
  prefix: string;
  /** A rebuild run: the object is loaded again unless this run already loaded it (see `manifestForgetForRebuild`). */
  rebuildRun?: string;
  /** The rebuild run repairs the table (a rebuild of the whole archive): its first change of a key replaces what the row held (see repair-sql.ts). */
  repair?: boolean;
}

/** How much of an object's start is read ahead for its first keys (some hundred lines of the archive). */
const PROBE_BYTES = 64 * 1024;

/** An object the loader cannot read as the archive's CSV at all: refused whole, nothing of it loaded. */
export class UnreadableObject extends Error {}

/** A warning that a value is not text in the column's character set: "Incorrect string value" (1366), "Invalid utf8mb4 character string" (1300). */
const INVALID_TEXT = /^\w+ (1366|1300): /;

const warningsOf = async (connection: Connection): Promise<string[]> =>
  (await connection.query<RowDataPacket[]>("SHOW WARNINGS"))[0].map((w) => `${w.Level} ${w.Code}: ${w.Message}`);

/**
 * Loads one object in one transaction. Its manifest row is claimed first (a second event for an
 * object already loaded, or being loaded, changes nothing). The fast path is LOAD DATA straight
 * into the rows' table, tried only when none of the keys of the object's first lines has a row
 * yet, and kept only when it raised no warning at all: every line was a new key and every value
 * fit its column, exactly what the staged path would have done. Otherwise (and always
 * with LOAD DATA FROM S3, whose bytes the loader cannot check) the object is loaded into a
 * staging table as text and applied line by line range: newest change wins, and a line the
 * database refuses is parked with the database's own message in the rejects table while every
 * other line loads. Only an object that cannot be read as the archive's text at all fails whole
 * (a corrupt GZIP stream, a compressed object under a `.csv` key, a first line that is not UTF-8):
 * the loader's failed path, never "loaded" with its binary lines as rejects.
 *
 * The object's key says which schema version wrote it: its lines have that version's columns (or
 * the previous version's, see `requiredColumns`), and the columns added since load as NULL. An
 * object of a version newer than the loader knows fails, to be retried once the loader knows it.
 */
export async function loadObject(
  connection: Connection,
  target: LoadTarget,
  object: CreatedObject,
  mode: LoadMode,
  options: LoadOptions,
): Promise<LoadOutcome> {
  const id = objectId(object.bucket, object.key, object.etag);
  const address = `s3://${object.bucket}/${object.key}`;
  const versionColumns = target.versionColumns ?? [target.columns.length];
  const version = schemaVersionOfKey(object.key, options.prefix);
  if (version > versionColumns.length) {
    throw new NewerSchemaVersion(
      `${address} was written with schema version ${version}, and this loader knows versions up to ${versionColumns.length}: it is retried once the loader is deployed with that version`,
    );
  }
  const required = requiredColumns(versionColumns, version);
  await connection.beginTransaction();
  try {
    if (options.rebuildRun !== undefined) await connection.query(manifestForgetForRebuild(target), [id, options.rebuildRun]);
    const [claim] = await connection.query<ResultSetHeader>(manifestInsert(target), [id, object.bucket, object.key, object.etag, options.rebuildRun ?? null]);
    if (claim.affectedRows === 0) {
      await connection.rollback();
      return { status: "already-loaded" };
    }
    // A re-driven object's refused lines are recorded again by this load, or are gone for good.
    await connection.query(rejectsClear(target), [id]);
    const source = mode.kind === "s3" ? ({ kind: "s3", bucket: object.bucket, key: object.key } as const) : ({ kind: "local" } as const);
    /** LOAD DATA into the rows' table or into staging; LOCAL from `opened`, or from the object opened now. */
    const load = async (into: "rows" | "staging", opened?: OpenedObject): Promise<ResultSetHeader> => {
      if (mode.kind === "local") opened ??= await mode.open(object);
      try {
        return (
          await connection.query<ResultSetHeader>({
            sql: loadStatement(target, source, into, required),
            infileStreamFactory: opened && (() => opened.stream()),
          })
        )[0];
      } catch (error) {
        const failure = opened?.failure();
        if (failure) throw new UnreadableObject(`${address} cannot be read: ${failure.message}`);
        throw error;
      } finally {
        opened?.close();
      }
    };

    const repairRun = options.repair ? options.rebuildRun : undefined;
    let outcome: Loaded | undefined;
    // A repairing rebuild stages every object: it claims the keys it writes.
    if (mode.kind === "local" && repairRun === undefined) {
      const opened = await mode.open(object);
      try {
        // The keys at the start of the object decide the way in: when any has a row, the object is
        // not all new keys, and the fast path would only fail (after taking those rows' locks in file order).
        const head = await opened.peek(PROBE_BYTES);
        const failure = opened.failure();
        if (failure) throw new UnreadableObject(`${address} cannot be read: ${failure.message}`);
        const keys = headKeys(head);
        const anyLoaded = keys.length > 0 && Number((await connection.query<RowDataPacket[]>(anyKeyLoaded(target), [keys]))[0][0].loaded) === 1;
        if (anyLoaded) {
          outcome = await loadStaged(connection, target, id, object, mode, () => load("staging", opened));
        } else {
          await connection.query("SAVEPOINT fast_path");
          // LOCAL makes a value the table refuses a warning, never an error (the server cannot stop
          // the file mid-transfer, so LOCAL behaves as IGNORE: https://dev.mysql.com/doc/refman/8.0/en/load-data.html,
          // "Duplicate-Key and Error Handling"): any error here is the object's or the database's, and fails the load.
          const loaded = await load("rows", opened);
          // Kept without a warning, every line was inserted as a new row: the rows affected are the lines.
          if (loaded.warningStatus === 0) outcome = { status: "loaded", rows: loaded.affectedRows, rejected: 0, staged: false };
          else await connection.query("ROLLBACK TO SAVEPOINT fast_path");
        }
      } finally {
        opened.close();
      }
    }
    outcome ??= await loadStaged(connection, target, id, object, mode, () => load("staging"), repairRun);
    await connection.query(manifestUpdate(target), [outcome.rows, id]);
    await connection.commit();
    return outcome;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
}

async function loadStaged(
  connection: Connection,
  target: LoadTarget,
  id: string,
  object: CreatedObject,
  mode: LoadMode,
  load: () => Promise<ResultSetHeader>,
  repairRun?: string,
): Promise<Loaded> {
  for (const statement of stagingStatements(target)) await connection.query(statement);
  const staged = await load();
  if (staged.warningStatus > 0) {
    // Staged as text, a line can only be refused for its shape or its bytes: "Row 7 was truncated…".
    const warnings = await warningsOf(connection);
    if (warnings.length < staged.warningStatus)
      throw new UnreadableObject(
        `s3://${object.bucket}/${object.key} is not the archive's CSV: ${staged.warningStatus} warnings on its lines, more than the database lists`,
      );
    for (const warning of warnings) {
      const row = /\brow (\d+)/i.exec(warning);
      if (!row) throw new UnreadableObject(`s3://${object.bucket}/${object.key} is not the archive's CSV: ${warning}`);
      // A first line that is not UTF-8 is an object that is not text at all (LOAD DATA FROM S3 gives the loader no bytes to check before).
      if (Number(row[1]) === 1 && INVALID_TEXT.test(warning))
        throw new UnreadableObject(
          `s3://${object.bucket}/${object.key} cannot be read: its first line is not UTF-8 text, as every line of the archive is (${warning})`,
        );
      await connection.query(refuseLine(target), [warning, Number(row[1])]);
    }
  }
  let anyRefused = staged.warningStatus > 0;
  if (mode.kind === "s3") {
    for (const statement of foreignEncodingChecks(target)) anyRefused = (await connection.query<ResultSetHeader>(statement))[0].affectedRows > 0 || anyRefused;
  }
  const [[{ lines_: lines }]] = await connection.query<RowDataPacket[]>(stagedLines(target));
  if (repairRun !== undefined) for (const statement of claimStatements(target)) await connection.query(statement, [target.table, repairRun]);
  anyRefused = (await applyLines(connection, target, 1, Number(lines))) || anyRefused;
  // Without a refused line there is nothing to record, and no need to read the staged lines again.
  const rejected = anyRefused ? (await connection.query<ResultSetHeader>(rejectsInsert(target), [id, object.bucket, object.key]))[0].affectedRows : 0;
  return { status: "loaded", rows: Number(lines) - rejected, rejected, staged: true };
}

/**
 * Applies staged lines from..to in one statement, or, when the database refuses any of them (an
 * error, or a warning such as a rounded decimal), in two halves, down to the single lines it
 * refuses, which are marked with its message. Each attempt is undone to its savepoint first, so
 * nothing half-applied stays. Says whether it refused any line.
 */
async function applyLines(connection: Connection, target: LoadTarget, from: number, to: number): Promise<boolean> {
  await connection.query("SAVEPOINT line_range");
  let refusal: string | undefined;
  try {
    const [result] = await connection.query<ResultSetHeader>(upsertStatement(target), [from, to]);
    if (result.warningStatus > 0) refusal = (await warningsOf(connection)).join("; ");
  } catch (error) {
    if (!isDataError(error)) throw error;
    refusal = `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  if (refusal === undefined) return false;
  await connection.query("ROLLBACK TO SAVEPOINT line_range");
  if (from === to) {
    await connection.query(refuseLine(target), [refusal, from]);
    return true;
  }
  const middle = Math.floor((from + to) / 2);
  const before = await applyLines(connection, target, from, middle);
  return (await applyLines(connection, target, middle + 1, to)) || before;
}
