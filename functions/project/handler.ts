import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { observability } from "../shared/observability";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { readProjectEnvironment } from "./environment";
import { projectBatch } from "./project-batch";

const observe = observability("project");
const { spec, targetTable, ledger, deadLetterBucket } = readProjectEnvironment(process.env);
// An index has no ledger: its items carry the sequence of the change they hold.
const tables = {
  target: targetTable,
  ledger: ledger?.table ?? "",
  ledgerTtlDays: ledger?.ttlDays ?? 0,
  countedEntriesExpire: ledger?.countedEntriesExpire ?? false,
};
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
  publish({
    [M.recordsIn]: counts.received,
    [M.recordsProjected]: counts.written,
    [M.recordsReplayed]: counts.replayed,
    [M.recordsSkipped]: counts.skipped,
    [M.recordsExpired]: counts.expired,
    [M.recordsParked]: counts.parked,
    [M.recordsRetried]: counts.failed,
  });
  return { batchItemFailures };
}
