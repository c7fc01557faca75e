import { jsonEnv, type Environment } from "../shared/env";
import { type ArchiveColumn } from "./core";

/** The transform's settings, as FirehoseArchive sets them in the environment. */
export interface TransformEnvironment {
  /** The JSON Schema every archived item must match. */
  schema: object;
  columns: ArchiveColumn[];
  /** The SQL type of each typed column; a column without one is TEXT. */
  columnTypes: Record<string, string>;
}

export function transformEnvironment(settings: TransformEnvironment): Record<string, string> {
  return {
    SCHEMA: JSON.stringify(settings.schema),
    COLUMNS: JSON.stringify(settings.columns),
    COLUMN_TYPES: JSON.stringify(settings.columnTypes),
    POWERTOOLS_SERVICE_NAME: "transform",
  };
}

export function readTransformEnvironment(env: Environment): TransformEnvironment {
  return { schema: jsonEnv(env, "SCHEMA"), columns: jsonEnv(env, "COLUMNS"), columnTypes: jsonEnv(env, "COLUMN_TYPES") };
}
