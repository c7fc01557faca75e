import { existsSync, readFileSync } from "node:fs";
import { type ProjectionArchiveSettings } from "../components/settings/projection-archive";
import { isSchemaHistory, type ArchiveSchemaVersion } from "../components/internal/schema-history";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";

/** The archive's default schema and columns, as FirehoseArchive deploys them when given none. */
export const DEFAULT_ARCHIVE: ProjectionArchiveSettings = {
  schema: WEB_ANALYTICS_SCHEMA,
  columns: WEB_ANALYTICS_COLUMNS,
  columnTypes: WEB_ANALYTICS_COLUMN_TYPES,
};

/** JSON given inline or as a file; `what` names what it must be ("the projection as JSON"). */
export function jsonOf(raw: string, what = "JSON"): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(raw.trim().startsWith("{") || raw.trim().startsWith("[") || !existsSync(raw) ? raw : readFileSync(raw, "utf8")) };
  } catch (error) {
    return { problem: `must be ${what} or a JSON file, got "${raw.slice(0, 60)}": ${(error as Error).message}` };
  }
}

/** A variable of a function's environment holds JSON as text; given by hand, it may be the JSON itself. */
function variable(settings: Record<string, unknown>, name: string): unknown {
  const value = settings[name];
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The archive's schema, columns and column types from the transform function's environment
 * (SCHEMA, COLUMNS, COLUMN_TYPES), as `aws lambda get-function-configuration --query
 * Environment.Variables` prints it: inline or a file. A problem names what is wrong.
 */
export function archiveSettingsArg(raw: string): ProjectionArchiveSettings | { problem: string } {
  const json = jsonOf(raw);
  if ("problem" in json) return json;
  const settings = json.value as Record<string, unknown> | null;
  const expected = 'the transform function\'s environment, {"SCHEMA": …, "COLUMNS": [{"name": …, "path": …}, …], "COLUMN_TYPES": {…}}';
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) return { problem: `must be ${expected}` };
  const [schema, columns, columnTypes] = [variable(settings, "SCHEMA"), variable(settings, "COLUMNS"), variable(settings, "COLUMN_TYPES") ?? {}];
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return { problem: `must be ${expected}: SCHEMA is not a JSON Schema object` };
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c?.name === "string" && typeof c?.path === "string"))
    return { problem: `must be ${expected}: COLUMNS is not a list of {name, path}` };
  if (columnTypes === null || typeof columnTypes !== "object" || !Object.values(columnTypes).every((t) => typeof t === "string"))
    return { problem: `must be ${expected}: COLUMN_TYPES is not an object of SQL types` };
  return { schema: schema as Record<string, unknown>, columns, columnTypes: columnTypes as Record<string, string> };
}

/** The archive's schema versions from a file of the stack output archiveSchemaHistory. */
export function schemaHistoryArg(file: string): ArchiveSchemaVersion[] | { problem: string } {
  const json = jsonOf(file);
  if ("problem" in json) return json;
  const history = json.value;
  const ok = isSchemaHistory(history) && history.length > 0 && history.every((v, i) => v.version === i + 1);
  return ok ? history : { problem: "must hold the stack output archiveSchemaHistory: [{version: 1, columns: [...], columnTypes: {...}}, ...]" };
}

/** The archive's settings with its schema history, which must end with the columns given. */
export function withHistory(archive: ProjectionArchiveSettings, history: ArchiveSchemaVersion[] | undefined): ProjectionArchiveSettings | { problem: string } {
  if (!history) return archive;
  const newest = history[history.length - 1].columns;
  const columns = archive.columns.map((c) => c.name);
  if (newest.length !== columns.length || newest.some((name, i) => name !== columns[i])) {
    return {
      problem: `--schema-history ends with the columns ${newest.join(", ")}, but the archive's are ${columns.join(", ")}: give the history and the settings of the same deployment`,
    };
  }
  return { ...archive, schemaHistory: history };
}
