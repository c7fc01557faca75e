import { FirehoseClient } from "@aws-sdk/client-firehose";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { observability } from "../shared/observability";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { readForwardEnvironment } from "./environment";
import { forwardBatch } from "./forward-batch";

const observe = observability("forward");
const settings = readForwardEnvironment(process.env);
// sendToFirehose retries failed records with its own backoff: SDK retries under it would multiply the attempts.
const firehose = new FirehoseClient({ maxAttempts: 1 });
const s3 = new S3Client({});

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const { logger, log, publish } = observe();
  logger.addContext(context);
  const { batchItemFailures, counts } = await forwardBatch(event, {
    firehose,
    s3,
    deadLetterBucket: settings.deadLetterBucket,
    keyAttributes: settings.keyAttributes,
    removeMode: settings.removeMode,
    send: { deliveryStreamName: settings.deliveryStreamName, maxAttempts: settings.sendMaxAttempts, baseDelayMs: 100, maxDelayMs: 5_000 },
    log,
  });
  publish({
    [M.recordsIn]: counts.received,
    [M.recordsArchived]: counts.sent,
    [M.recordsExpired]: counts.expired,
    [M.recordsParked]: counts.parked,
    [M.recordsRetried]: counts.failed,
  });
  return { batchItemFailures };
}
