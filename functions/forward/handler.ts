import { FirehoseClient } from "@aws-sdk/client-firehose";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { observability } from "../shared/observability";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { type RemoveMode } from "./core";
import { forwardBatch } from "./forward-batch";

const observe = observability("forward");
const deliveryStreamName = requiredEnv(process.env, "DELIVERY_STREAM_NAME");
const deadLetterBucket = requiredEnv(process.env, "DEAD_LETTER_BUCKET");
const keyAttributes = requiredEnv(process.env, "KEY_ATTRIBUTES").split(",");
const removeMode = requiredEnv(process.env, "REMOVE_MODE");
if (removeMode !== "marker" && removeMode !== "skip") throw new Error(`environment variable REMOVE_MODE must be "marker" or "skip", got "${removeMode}"`);
const maxAttempts = positiveIntEnv(process.env, "SEND_MAX_ATTEMPTS", 6);
// sendToFirehose retries failed records with its own backoff: SDK retries under it would multiply the attempts.
const firehose = new FirehoseClient({ maxAttempts: 1 });
const s3 = new S3Client({});

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const { logger, log, publish } = observe();
  logger.addContext(context);
  const { batchItemFailures, counts } = await forwardBatch(event, {
    firehose,
    s3,
    deadLetterBucket,
    keyAttributes,
    removeMode: removeMode as RemoveMode,
    send: { deliveryStreamName, maxAttempts, baseDelayMs: 100, maxDelayMs: 5_000 },
    log,
  });
  publish({ [M.recordsIn]: counts.received, [M.recordsArchived]: counts.sent, [M.recordsParked]: counts.parked, [M.recordsRetried]: counts.failed });
  return { batchItemFailures };
}
