import { databaseEnvironment, readDatabaseEnvironment, type DatabaseEnvironment } from "../shared/db-auth";
import { choiceEnv, jsonEnv, requiredEnv, type Environment } from "../shared/env";
import { type LoadTarget } from "./sql";

/** How the loader gets an object's rows into MySQL: Aurora reads S3 itself, or the function streams them. */
export type LoadModeName = "s3" | "streamed";

/** The loader's settings, as AuroraLoader sets them in the environment. */
export interface LoadEnvironment<T = string> {
  database: DatabaseEnvironment<T>;
  /** The loader's own database user. */
  user: string;
  target: Required<Omit<LoadTarget, "versionColumns">> & Pick<LoadTarget, "versionColumns">;
  mode: LoadModeName;
  /** Where Firehose writes the rows the loader loads (`processed/`). */
  processedPrefix: string;
}

export function loadEnvironment<T>(settings: LoadEnvironment<T>): Record<string, T | string> {
  const { target } = settings;
  return {
    ...databaseEnvironment(settings.database),
    LOADER_USER: settings.user,
    DB_NAME: target.database,
    DB_TABLE: target.table,
    MANIFEST_TABLE: target.manifestTable,
    REJECTS_TABLE: target.rejectsTable,
    COLUMNS: JSON.stringify(target.columns),
    COLUMN_TYPES: JSON.stringify(target.columnTypes),
    // Each version's column count; absent while there is one version, so that existing loaders see no change.
    ...(target.versionColumns && target.versionColumns.length > 1 && { SCHEMA_VERSIONS: JSON.stringify(target.versionColumns) }),
    LOAD_MODE: settings.mode,
    PROCESSED_PREFIX: settings.processedPrefix,
    POWERTOOLS_SERVICE_NAME: "load",
  };
}

export function readLoadEnvironment(env: Environment): LoadEnvironment {
  return {
    database: readDatabaseEnvironment(env),
    user: requiredEnv(env, "LOADER_USER"),
    target: {
      database: requiredEnv(env, "DB_NAME"),
      table: requiredEnv(env, "DB_TABLE"),
      manifestTable: requiredEnv(env, "MANIFEST_TABLE"),
      rejectsTable: requiredEnv(env, "REJECTS_TABLE"),
      columns: jsonEnv<string[]>(env, "COLUMNS"),
      columnTypes: jsonEnv<Record<string, string>>(env, "COLUMN_TYPES"),
      // Each schema version's column count, oldest first; without it, one version of every column.
      versionColumns: env.SCHEMA_VERSIONS ? jsonEnv<number[]>(env, "SCHEMA_VERSIONS") : undefined,
    },
    mode: choiceEnv<LoadModeName>(env, "LOAD_MODE", ["s3", "streamed"]),
    processedPrefix: requiredEnv(env, "PROCESSED_PREFIX"),
  };
}
