import type { S3Event } from "aws-lambda";
import type { Connection } from "mysql2/promise";
import { type Log } from "../shared/log";
import { createdObjects } from "./event";
import { loadObject, type LoadMode } from "./load-object";
import { schemaStatements, type LoadTarget } from "./sql";

export interface LoadDependencies {
  /** The connection, opened once and kept across invocations. */
  connect: () => Promise<Connection>;
  target: LoadTarget;
  mode: LoadMode;
  /** Only objects under it are loaded (`processed/`). */
  prefix: string;
  log: Log;
}

/** Tables known to exist, by connection: the schema is created once per connection, not per invocation. */
const schemaReady = new WeakMap<Connection, Set<string>>();

/**
 * Loads each created object of an S3 event. Any failure (the database unreachable, a malformed
 * object) is thrown, so Lambda's asynchronous retries and then its on-failure destination take
 * the event; objects loaded before the failure are skipped on the retry by the manifest.
 */
export async function loadEvent(event: S3Event, deps: LoadDependencies): Promise<{ loaded: number; alreadyLoaded: number; rows: number }> {
  const connection = await deps.connect();
  const ready = schemaReady.get(connection) ?? new Set<string>();
  const table = `${deps.target.database}.${deps.target.table}`;
  if (!ready.has(table)) {
    for (const statement of schemaStatements(deps.target)) await connection.query(statement);
    schemaReady.set(connection, ready.add(table));
  }
  const summary = { loaded: 0, alreadyLoaded: 0, rows: 0 };
  for (const object of createdObjects(event, deps.prefix)) {
    const outcome = await loadObject(connection, deps.target, object, deps.mode);
    if (outcome.status === "loaded") {
      summary.loaded += 1;
      summary.rows += outcome.rows;
      deps.log.info("loaded object", { bucket: object.bucket, key: object.key, rows: outcome.rows });
    } else {
      summary.alreadyLoaded += 1;
      deps.log.info("object already loaded, nothing to do", { bucket: object.bucket, key: object.key });
    }
  }
  return summary;
}
