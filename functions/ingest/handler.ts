import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { ingestBatch } from "./ingest-batch";

const logger = new Logger({ serviceName: "ingest" });
const tableName = requiredEnv(process.env, "TABLE_NAME");
const deadLetterBucket = requiredEnv(process.env, "DEAD_LETTER_BUCKET");
const concurrency = positiveIntEnv(process.env, "WRITE_CONCURRENCY", 4);
const maxAttempts = positiveIntEnv(process.env, "WRITE_MAX_ATTEMPTS", 8);
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  logger.addContext(context);
  const { batchItemFailures } = await ingestBatch(event, {
    dynamodb,
    s3,
    deadLetterBucket,
    write: { tableName, concurrency, maxAttempts, baseDelayMs: 50, maxDelayMs: 2_000 },
    log: {
      info: (message, extra = {}) => logger.info(message, extra),
      warn: (message, extra = {}) => logger.warn(message, extra),
    },
  });
  return { batchItemFailures };
};
