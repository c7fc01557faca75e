import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { observability } from "../shared/observability";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { projectBatch } from "./project-batch";
import { type ProjectionSpec } from "./spec";

const observe = observability("project");
const spec = JSON.parse(requiredEnv(process.env, "PROJECTION")) as ProjectionSpec;
const tables = {
  target: requiredEnv(process.env, "TARGET_TABLE"),
  ledger: spec.kind === "aggregate" ? requiredEnv(process.env, "LEDGER_TABLE") : "",
  ledgerTtlDays: positiveIntEnv(process.env, "LEDGER_TTL_DAYS", 7),
};
const deadLetterBucket = requiredEnv(process.env, "DEAD_LETTER_BUCKET");
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const { logger, log, publish } = observe();
  logger.addContext(context);
  const { batchItemFailures, counts } = await projectBatch(event, {
    dynamodb,
    s3,
    deadLetterBucket,
    spec,
    tables,
    retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000 },
    log,
  });
  publish({ [M.recordsIn]: counts.received, [M.recordsProjected]: counts.written, [M.recordsReplayed]: counts.replayed, [M.recordsParked]: counts.parked, [M.recordsRetried]: counts.failed });
  return { batchItemFailures };
}
