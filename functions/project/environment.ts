import { choiceEnv, jsonEnv, positiveIntEnv, requiredEnv, type Environment } from "../shared/env";
import { type ProjectionSpec } from "./spec";

/** The project function's settings, as StreamProjection sets them in the environment. */
export interface ProjectEnvironment<T = string> {
  spec: ProjectionSpec;
  targetTable: T;
  deadLetterBucket: T;
  /** Aggregates: the ledger, the days an entry is kept after its item's last change, and whether entries of items that count expire too. */
  ledger?: { table: T; ttlDays: number; countedEntriesExpire: boolean };
}

export function projectEnvironment<T>(settings: ProjectEnvironment<T>): Record<string, T | string> {
  return {
    PROJECTION: JSON.stringify(settings.spec),
    TARGET_TABLE: settings.targetTable,
    DEAD_LETTER_BUCKET: settings.deadLetterBucket,
    ...(settings.ledger && {
      LEDGER_TABLE: settings.ledger.table,
      LEDGER_TTL_DAYS: String(settings.ledger.ttlDays),
      LEDGER_COUNTED_ENTRIES_EXPIRE: String(settings.ledger.countedEntriesExpire),
    }),
    POWERTOOLS_SERVICE_NAME: "project",
  };
}

export function readProjectEnvironment(env: Environment): ProjectEnvironment {
  const spec = jsonEnv<ProjectionSpec>(env, "PROJECTION");
  return {
    spec,
    targetTable: requiredEnv(env, "TARGET_TABLE"),
    deadLetterBucket: requiredEnv(env, "DEAD_LETTER_BUCKET"),
    ...(spec.kind === "aggregate" && {
      ledger: {
        table: requiredEnv(env, "LEDGER_TABLE"),
        ttlDays: positiveIntEnv(env, "LEDGER_TTL_DAYS"),
        countedEntriesExpire: choiceEnv(env, "LEDGER_COUNTED_ENTRIES_EXPIRE", ["true", "false"]) === "true",
      },
    }),
  };
}
