import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { requiredEnv } from "../shared/env";
import { logTo } from "../shared/log";
import { createTransformer, type ArchiveColumn } from "./core";
import { transformBatch } from "./transform-batch";

const logger = new Logger({ serviceName: "transform" });
// Compiled once per container, not per record.
const transform = createTransformer(
  JSON.parse(requiredEnv(process.env, "SCHEMA")),
  JSON.parse(requiredEnv(process.env, "COLUMNS")) as ArchiveColumn[],
  JSON.parse(process.env.COLUMN_TYPES ?? "{}") as Record<string, string>,
);

export const handler = async (event: FirehoseTransformationEvent, context: Context): Promise<FirehoseTransformationResult> => {
  logger.addContext(context);
  return transformBatch(event, transform, logTo(logger));
};
