import { createConnection, type Connection, type ConnectionOptions } from "mysql2/promise";

/**
 * How long a kept connection may take to answer a ping before it counts as gone. A socket whose
 * server went away without a word (the instance restarted on another address, the container was
 * frozen across a failover) would otherwise hold the invocation until Lambda's timeout: mysql2
 * puts no timeout on a ping.
 */
export const PING_TIMEOUT_MS = 2_000;

/**
 * Seconds a kept connection may sit idle before the server ends its session, instead of MySQL's
 * default of 8 hours (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_wait_timeout).
 * A frozen or discarded container's session would otherwise hold one of the cluster's connections,
 * and keep a cluster with `minCapacity` 0 from pausing, which it does only without user connections
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
 */
export const IDLE_SESSION_SECONDS = 60;

/**
 * One connection per container, opened on first use and kept across invocations; opened again
 * when it has been closed or broken (the database restarted, the session's idle timeout), or does
 * not answer a ping within `pingTimeoutMs`.
 */
export function reusedConnection(
  options: () => Promise<ConnectionOptions>,
  { open = createConnection, pingTimeoutMs = PING_TIMEOUT_MS }: { open?: (options: ConnectionOptions) => Promise<Connection>; pingTimeoutMs?: number } = {},
): () => Promise<Connection> {
  let current: Promise<Connection> | undefined;
  return async () => {
    if (current) {
      // A connection that could not be opened is tried again: nothing to keep, nothing to destroy.
      const connection = await current.catch(() => undefined);
      if (connection && (await answers(connection, pingTimeoutMs))) return connection;
      connection?.destroy();
    }
    current = options()
      .then(open)
      .then(async (connection) => {
        // A server that ends an idle session emits "error" on a connection no query is using; an
        // "error" without a listener would crash the container. mysql2's own connect listener takes
        // the first today; this one does not depend on it. The next use's ping finds it gone.
        connection.on("error", () => undefined);
        try {
          await connection.query(`SET SESSION wait_timeout = ${IDLE_SESSION_SECONDS}`);
        } catch (error) {
          connection.destroy();
          throw error;
        }
        return connection;
      });
    return current;
  };
}

async function answers(connection: Connection, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      connection.ping().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
