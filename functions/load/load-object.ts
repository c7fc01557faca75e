import type { Connection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Readable } from "node:stream";
import { type CreatedObject } from "./event";
import { loadStatement, manifestInsert, manifestUpdate, objectId, type LoadTarget } from "./sql";

export type LoadOutcome = { status: "loaded"; rows: number } | { status: "already-loaded" };

/** LOCAL streams the object from S3 through this function; S3 lets Aurora read it itself. */
export type LoadMode = { kind: "local"; open: (object: CreatedObject) => Promise<Readable> } | { kind: "s3" };

/** "Records: 3  Deleted: 0  Skipped: 0  Warnings: 0" → 3 */
function recordsLoaded(result: ResultSetHeader): number {
  const match = /Records:\s*(\d+)/.exec(result.info ?? "");
  return match ? Number(match[1]) : result.affectedRows;
}

/**
 * Loads one object in one transaction: its manifest row is claimed first (a second event for an
 * object already loaded, or being loaded, finds it and changes nothing), then every row is
 * loaded with REPLACE on the dedup key, then the manifest gets the row count. Any warning (a
 * malformed row that LOCAL would otherwise load half-way) rolls everything back and fails.
 */
export async function loadObject(connection: Connection, target: LoadTarget, object: CreatedObject, mode: LoadMode): Promise<LoadOutcome> {
  const id = objectId(object.bucket, object.key, object.etag);
  await connection.beginTransaction();
  try {
    const [claim] = await connection.query<ResultSetHeader>(manifestInsert(target), [id, object.bucket, object.key, object.etag]);
    if (claim.affectedRows === 0) {
      await connection.rollback();
      return { status: "already-loaded" };
    }
    const sql = loadStatement(target, mode.kind === "s3" ? { kind: "s3", bucket: object.bucket, key: object.key } : { kind: "local" });
    const stream = mode.kind === "local" ? await mode.open(object) : undefined;
    const invalid = (reason: string) => new Error(`s3://${object.bucket}/${object.key} is not a valid archive object, nothing loaded: ${reason}`);
    let loaded: ResultSetHeader;
    try {
      [loaded] = await connection.query<ResultSetHeader>({ sql, infileStreamFactory: stream && (() => stream) });
    } catch (error) {
      // SQLSTATE classes 01 (warning) and 22 (data exception): the object's rows, not the database.
      if (/^(01|22)/.test((error as { sqlState?: string }).sqlState ?? "")) throw invalid((error as Error).message);
      throw error;
    }
    if (loaded.warningStatus > 0) {
      const [warnings] = await connection.query<RowDataPacket[]>("SHOW WARNINGS LIMIT 3");
      throw invalid(warnings.map((w) => w.Message).join("; "));
    }
    const rows = recordsLoaded(loaded);
    await connection.query(manifestUpdate(target), [rows, id]);
    await connection.commit();
    return { status: "loaded", rows };
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
}
