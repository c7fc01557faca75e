import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { lazy } from "../shared/lazy";
import { observability } from "../shared/observability";
import { readTransformEnvironment } from "./environment";
import { transformBatch } from "./transform-batch";

const observe = observability("transform");
const { schema, columns, columnTypes } = readTransformEnvironment(process.env);
// Compiled once per container, not per record, at the first invocation: ajv is most of this function's start.
const transformer = lazy(() => (require("./core") as typeof import("./core")).createTransformer(schema, columns, columnTypes));

export async function handler(event: FirehoseTransformationEvent, context: Context): Promise<FirehoseTransformationResult> {
  const { logger, log } = observe();
  logger.addContext(context);
  return transformBatch(event, transformer(), log);
}
