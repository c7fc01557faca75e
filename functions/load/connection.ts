import { createConnection, type Connection, type ConnectionOptions } from "mysql2/promise";

/**
 * One connection per container, opened on first use and kept across invocations; opened again
 * when it has been closed or broken (the database restarted, an idle timeout).
 */
export function reusedConnection(options: () => Promise<ConnectionOptions>): () => Promise<Connection> {
  let current: Promise<Connection> | undefined;
  return async () => {
    if (current) {
      const connection = await current.catch(() => undefined);
      if (
        connection &&
        (await connection.ping().then(
          () => true,
          () => false,
        ))
      )
        return connection;
      connection?.destroy();
    }
    current = options().then(createConnection);
    current.catch(() => (current = undefined));
    return current;
  };
}
