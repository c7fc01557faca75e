import type { Connection } from "mysql2/promise";
import { type Log } from "../shared/log";
import { LOG_MESSAGES } from "../shared/telemetry-names";
import { s3EventObjects } from "./s3-event";
import { loadObject, type LoadMode } from "./load-object";
import { schemaStatements, SESSION_STATEMENTS, type LoadTarget } from "./sql";

export interface LoadDependencies {
  /** The connection, opened once and kept across invocations. */
  connect: () => Promise<Connection>;
  target: LoadTarget;
  mode: LoadMode;
  /** Only objects under it are loaded (`processed/`). */
  prefix: string;
  log: Log;
}

export interface LoadSummary {
  loaded: number;
  alreadyLoaded: number;
  rows: number;
  /** Lines the database refused, parked in the rejects table with its message. */
  rejectedRows: number;
}

/** Tables known to exist, by connection: the session is set up and the schema created once per connection, not per invocation. */
const schemaReady = new WeakMap<Connection, Set<string>>();

/** Objects the loader could not load: each with its reason, all of them in one error. */
export class ObjectsNotLoaded extends Error {}

/**
 * Loads each created object of an S3 event, every one of them even when another fails. The
 * objects that failed are reported together in one thrown error, so Lambda's asynchronous retries
 * and then its on-failure destination take the event; on a retry the manifest skips the objects
 * already loaded. An event that is not an S3 event at all fails, naming what it got.
 */
export async function loadEvent(event: unknown, deps: LoadDependencies): Promise<LoadSummary> {
  const { created, ignored } = s3EventObjects(event, deps.prefix);
  for (const reason of ignored) deps.log.info("record ignored", { reason });
  const summary: LoadSummary = { loaded: 0, alreadyLoaded: 0, rows: 0, rejectedRows: 0 };
  if (created.length === 0) return summary;

  const connection = await deps.connect();
  const ready = schemaReady.get(connection) ?? new Set<string>();
  const table = `${deps.target.database}.${deps.target.table}`;
  if (!ready.has(table)) {
    for (const statement of [...SESSION_STATEMENTS, ...schemaStatements(deps.target)]) await connection.query(statement);
    schemaReady.set(connection, ready.add(table));
  }
  const failures: string[] = [];
  for (const object of created) {
    const where = { bucket: object.bucket, key: object.key };
    let outcome: Awaited<ReturnType<typeof loadObject>>;
    try {
      outcome = await loadObject(connection, deps.target, object, deps.mode);
    } catch (error) {
      failures.push(`s3://${object.bucket}/${object.key}: ${(error as Error).message}`);
      deps.log.warn("object not loaded", { ...where, error: (error as Error).message });
      continue;
    }
    if (outcome.status === "already-loaded") {
      summary.alreadyLoaded += 1;
      deps.log.info("object already loaded, nothing to do", where);
      continue;
    }
    summary.loaded += 1;
    summary.rows += outcome.rows;
    summary.rejectedRows += outcome.rejected;
    deps.log.info("loaded object", { ...where, rows: outcome.rows, staged: outcome.staged });
    if (outcome.rejected > 0) {
      deps.log.warn(LOG_MESSAGES.rowsRefused, { ...where, rejected: outcome.rejected, table: `${deps.target.database}.${deps.target.rejectsTable}` });
    }
  }
  if (failures.length > 0) throw new ObjectsNotLoaded(`${failures.length} of ${created.length} objects not loaded (the others are): ${failures.join("; ")}`);
  return summary;
}
