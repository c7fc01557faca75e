import { jsonEnv, positiveIntEnv, requiredEnv, type Environment } from "../shared/env";
import { type ProjectionSpec } from "./spec";

/** The project function's settings, as StreamProjection sets them in the environment. */
export interface ProjectEnvironment<T = string> {
  spec: ProjectionSpec;
  targetTable: T;
  deadLetterBucket: T;
  /** Aggregates: the ledger of applied records, and how many days each entry is kept. */
  ledger?: { table: T; ttlDays: number };
}

export function projectEnvironment<T>(settings: ProjectEnvironment<T>): Record<string, T | string> {
  return {
    PROJECTION: JSON.stringify(settings.spec),
    TARGET_TABLE: settings.targetTable,
    DEAD_LETTER_BUCKET: settings.deadLetterBucket,
    ...(settings.ledger && { LEDGER_TABLE: settings.ledger.table, LEDGER_TTL_DAYS: String(settings.ledger.ttlDays) }),
    POWERTOOLS_SERVICE_NAME: "project",
  };
}

export function readProjectEnvironment(env: Environment): ProjectEnvironment {
  const spec = jsonEnv<ProjectionSpec>(env, "PROJECTION");
  return {
    spec,
    targetTable: requiredEnv(env, "TARGET_TABLE"),
    deadLetterBucket: requiredEnv(env, "DEAD_LETTER_BUCKET"),
    ...(spec.kind === "aggregate" && { ledger: { table: requiredEnv(env, "LEDGER_TABLE"), ttlDays: positiveIntEnv(env, "LEDGER_TTL_DAYS") } }),
  };
}
