import type { Connection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { finishStatements, loadedByOthers, lockManifest, repairSchemaStatements, runFinished, runStart } from "../functions/load/repair-sql";
import { prepareSchema } from "../functions/load/schema";
import { type LoadTarget } from "../functions/load/sql";
import { type RebuildRepair } from "./rebuild";

/**
 * The database side of a rebuild that repairs (see functions/load/repair-sql.ts), on the rebuild's
 * own connection: the loader's schema and the repair's tables first, then the run's start; at the
 * end, the objects others loaded meanwhile, or the sweep.
 */
export function databaseRepair(connection: Connection, target: LoadTarget, where: { bucket: string; prefix: string }): RebuildRepair {
  const ofRun = (run: string) => [target.table, run];
  return {
    async begin(run) {
      await prepareSchema(connection, target);
      for (const statement of repairSchemaStatements(target)) await connection.query(statement);
      await connection.query(runStart(target), ofRun(run));
      const [[{ finished }]] = await connection.query<RowDataPacket[]>(runFinished(target), ofRun(run));
      return Number(finished) !== 1;
    },
    async finish(run) {
      // REPEATABLE READ for this transaction alone: its shared lock on the manifest covers the gaps, so no new object is recorded meanwhile.
      await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      await connection.beginTransaction();
      try {
        await connection.query(lockManifest(target));
        const [others] = await connection.query<RowDataPacket[]>(loadedByOthers(target), [...ofRun(run), where.bucket, where.prefix, where.prefix, run]);
        if (others.length > 0) {
          await connection.rollback();
          return { others: others.map((o) => ({ bucket: String(o.bucket), key: String(o.key), etag: String(o.etag) })) };
        }
        const [sweep, ...rest] = finishStatements(target);
        const [removed] = await connection.query<ResultSetHeader>(sweep, ofRun(run));
        for (const statement of rest) await connection.query(statement, ofRun(run));
        await connection.commit();
        return { others: [], removed: removed.affectedRows };
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      }
    },
  };
}
