import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { observability } from "../shared/observability";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { readIngestEnvironment } from "./environment";
import { ingestBatch } from "./ingest-batch";
import { sessionNameFor, writerRoleCredentials } from "./writer-credentials";

const observe = observability("ingest");
const settings = readIngestEnvironment(process.env);
// Push mode: the table is in another account, written through its writer role.
const writer = settings.writer;
const dynamodb = new DynamoDBClient({
  // BatchWrites retries with its own backoff: SDK retries under it would multiply the attempts.
  maxAttempts: 1,
  ...(writer && {
    credentials: writerRoleCredentials({
      sts: new STSClient({}),
      roleArn: writer.roleArn,
      externalId: writer.externalId,
      sessionName: sessionNameFor(process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local"),
      durationSeconds: 900,
      refreshMarginSeconds: 300,
    }),
  }),
});
const s3 = new S3Client({});

export async function handler(event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> {
  const { logger, log, publish } = observe();
  logger.addContext(context);
  const { batchItemFailures, counts } = await ingestBatch(event, {
    dynamodb,
    s3,
    deadLetterBucket: settings.deadLetterBucket,
    expireAfterSeconds: settings.expireAfterSeconds,
    write: {
      tableName: settings.tableName,
      concurrency: settings.writeConcurrency,
      maxAttempts: settings.writeMaxAttempts,
      baseDelayMs: 50,
      maxDelayMs: 2_000,
    },
    log,
  });
  publish({ [M.recordsIn]: counts.received, [M.recordsWritten]: counts.written, [M.recordsParked]: counts.parked, [M.recordsRetried]: counts.failed });
  return { batchItemFailures };
}
