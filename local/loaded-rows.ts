import { createConnection, type RowDataPacket } from "mysql2/promise";
import { type LocalPipeline } from "./runtime/pipeline";

/** Every row the loader left in the pipeline's MySQL table, with the columns asked for. */
export async function loadedRows(pipeline: LocalPipeline, columns: string[]): Promise<RowDataPacket[]> {
  const { host, port, user, password, name, table } = pipeline.database;
  const connection = await createConnection({ host, port, user, password });
  try {
    const [rows] = await connection.query<RowDataPacket[]>("SELECT ?? FROM ??.??", [columns, name, table]);
    return rows;
  } finally {
    await connection.end();
  }
}
