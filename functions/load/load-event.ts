import type { Connection } from "mysql2/promise";
import { type Log } from "../shared/log";
import { LOG_MESSAGES } from "../shared/telemetry-names";
import { RecordOutcomes } from "../shared/record-outcomes";
import { s3EventObjects, type CreatedObject } from "./s3-event";
import { LOAD_LOCK_RETRY, retryLockConflicts, type LockRetryOptions } from "./lock-retry";
import { loadObject, type LoadMode } from "./load-object";
import { prepareSchema, prepareSession } from "./schema";
import { type LoadTarget } from "./sql";

export interface LoadDependencies {
  /** The connection, opened once and kept across invocations. */
  connect: () => Promise<Connection>;
  target: LoadTarget;
  mode: LoadMode;
  /** Only objects under it are loaded (`processed/`). */
  prefix: string;
  log: Log;
  /** How a load that meets a lock conflict is retried (default LOAD_LOCK_RETRY). */
  lockRetry?: LockRetryOptions;
}

export interface LoadSummary {
  loaded: number;
  alreadyLoaded: number;
  rows: number;
  /** Lines the database refused, parked in the rejects table with its message. */
  rejectedRows: number;
}

/**
 * Connections whose session is set up, and tables known to exist by `connect` (one per container):
 * a container's kept connection ends after a minute idle (connection.ts), and the next one sets its
 * session up but does not prepare the schema again; a table dropped since is met by NO_SUCH_TABLE.
 */
const sessionReady = new WeakSet<Connection>();
const schemaReady = new WeakMap<LoadDependencies["connect"], Set<string>>();

/** MySQL's "Table doesn't exist": dropped or recreated since this connection prepared it. */
const NO_SUCH_TABLE = 1146;

/** An object's correlation fields in every log line about it. */
const objectWhere = (object: CreatedObject) => ({ bucket: object.bucket, key: object.key });
/** What names an object once among an event's objects: its address and ETag, as the manifest does. */
const objectVersion = (object: CreatedObject) => `s3://${object.bucket}/${object.key} ${object.etag}`;

/** Objects the loader could not load: each with its reason, all of them in one error. */
export class ObjectsNotLoaded extends Error {}

/**
 * Loads each created object of an S3 event, every one of them even when another fails, once the
 * schema is prepared (created, or migrated to a newer schema version) for the connection; a load
 * that meets another loader's locks (a deadlock, a lock wait timeout) is run again, a bounded
 * number of times with backoff, each retry logged as `load retried after a lock conflict`. The
 * objects that failed are reported together in one thrown error, so Lambda's asynchronous retries
 * and then its on-failure destination take the event; on a retry the manifest skips the objects
 * already loaded. An event that is not an S3 event at all fails, naming what it got.
 */
export async function loadEvent(event: unknown, deps: LoadDependencies): Promise<LoadSummary> {
  const { created, ignored, rebuildRun, repair } = s3EventObjects(event, deps.prefix);
  for (const reason of ignored) deps.log.info("record ignored", { reason });
  const summary: LoadSummary = { loaded: 0, alreadyLoaded: 0, rows: 0, rejectedRows: 0 };
  if (created.length === 0) return summary;

  const connection = await deps.connect();
  const table = `${deps.target.database}.${deps.target.table}`;
  const prepare = async (again = false) => {
    const ready = schemaReady.get(deps.connect) ?? new Set<string>();
    if (ready.has(table) && !again) {
      if (!sessionReady.has(connection)) await prepareSession(connection);
    } else {
      await prepareSchema(connection, deps.target, { retried: (retry) => deps.log.warn(LOG_MESSAGES.schemaChangeRetried, { table, ...retry }) });
      schemaReady.set(deps.connect, ready.add(table));
    }
    sessionReady.add(connection);
  };
  await prepare();
  const outcomes = new RecordOutcomes<CreatedObject>(objectWhere, objectVersion, deps.log);
  for (const object of created) {
    const where = objectWhere(object);
    // Loaders run at once, one per object, and may take the same rows' locks: a deadlock or a lock wait timeout is retried here, the whole transaction again.
    const load = () =>
      retryLockConflicts(
        () => loadObject(connection, deps.target, object, deps.mode, { prefix: deps.prefix, rebuildRun, repair }),
        deps.lockRetry ?? LOAD_LOCK_RETRY,
        (retry) => deps.log.warn(LOG_MESSAGES.loadRetried, { ...where, ...retry }),
      );
    let outcome: Awaited<ReturnType<typeof loadObject>>;
    try {
      outcome = await load().catch(async (error: { errno?: number }) => {
        // A table dropped since (a database recreated, a table dropped to be rebuilt) is created again, once.
        if (error?.errno !== NO_SUCH_TABLE) throw error;
        deps.log.warn("a table is gone: creating the schema again", { table });
        await prepare(true);
        return load();
      });
    } catch (error) {
      outcomes.retry(object, "object not loaded", { error: (error as Error).message });
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
    deps.log.info("loaded object", { ...where, rows: outcome.rows, staged: outcome.staged, ...(rebuildRun && { rebuildRun }) });
    if (outcome.rejected > 0) {
      deps.log.warn(LOG_MESSAGES.rowsRefused, { ...where, rejected: outcome.rejected, table: `${deps.target.database}.${deps.target.rejectsTable}` });
    }
  }
  if (outcomes.failed > 0) {
    const failures = outcomes.retried.map(({ record, why }) => `s3://${record.bucket}/${record.key}: ${why.error}`);
    throw new ObjectsNotLoaded(`${failures.length} of ${created.length} objects not loaded (the others are): ${failures.join("; ")}`);
  }
  return summary;
}
