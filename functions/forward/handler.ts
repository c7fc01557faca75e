import { Logger } from "@aws-lambda-powertools/logger";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { logTo } from "../shared/log";
import { functionMetrics, publishCounts } from "../shared/metrics";
import { type RemoveMode } from "./core";
import { forwardBatch } from "./forward-batch";

const logger = new Logger({ serviceName: "forward" });
const metrics = functionMetrics("forward");
const deliveryStreamName = requiredEnv(process.env, "DELIVERY_STREAM_NAME");
const deadLetterBucket = requiredEnv(process.env, "DEAD_LETTER_BUCKET");
const keyAttributes = requiredEnv(process.env, "KEY_ATTRIBUTES").split(",");
const removeMode = requiredEnv(process.env, "REMOVE_MODE");
if (removeMode !== "marker" && removeMode !== "skip") throw new Error(`environment variable REMOVE_MODE must be "marker" or "skip", got "${removeMode}"`);
const maxAttempts = positiveIntEnv(process.env, "SEND_MAX_ATTEMPTS", 6);
const firehose = new FirehoseClient({});
const s3 = new S3Client({});

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  const { batchItemFailures, counts } = await forwardBatch(event, {
    firehose,
    s3,
    deadLetterBucket,
    keyAttributes,
    removeMode: removeMode as RemoveMode,
    send: { deliveryStreamName, maxAttempts, baseDelayMs: 100, maxDelayMs: 5_000 },
    log: logTo(logger),
  });
  publishCounts(metrics, { RecordsIn: counts.received, RecordsArchived: counts.sent, RecordsParked: counts.parked, RecordsRetried: counts.failed });
  return { batchItemFailures };
};
