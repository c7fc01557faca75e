import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { requiredEnv } from "../shared/env";
import { lazy } from "../shared/lazy";
import { observability } from "../shared/observability";
import { type ArchiveColumn } from "./core";
import { transformBatch } from "./transform-batch";

const observe = observability("transform");
const schema = JSON.parse(requiredEnv(process.env, "SCHEMA"));
const columns = JSON.parse(requiredEnv(process.env, "COLUMNS")) as ArchiveColumn[];
const columnTypes = JSON.parse(process.env.COLUMN_TYPES ?? "{}") as Record<string, string>;
// Compiled once per container, not per record, at the first invocation: ajv is most of this function's start.
const transformer = lazy(() => (require("./core") as typeof import("./core")).createTransformer(schema, columns, columnTypes));

export async function handler(event: FirehoseTransformationEvent, context: Context): Promise<FirehoseTransformationResult> {
  const { logger, log } = observe();
  logger.addContext(context);
  return transformBatch(event, transformer(), log);
}
