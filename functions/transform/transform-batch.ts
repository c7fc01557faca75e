import type { FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { type Log } from "../shared/log";
import { LOG_MESSAGES } from "../shared/telemetry-names";
import { decodeBase64 } from "../shared/text";
import { type TransformResult } from "./core";

/**
 * Firehose's data-processing contract: one answer per record, in order. A record that cannot be
 * archived comes back `ProcessingFailed` with its original data, so Firehose writes it under the
 * error prefix; its reason is logged with its record ID. Firehose treats ProcessingFailed records
 * as unsuccessfully processed and writes them, as they came, under the error output prefix
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html,
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html).
 */
export function transformBatch(
  event: FirehoseTransformationEvent,
  transform: (data: Buffer) => TransformResult,
  log: Log,
): FirehoseTransformationResult {
  let failed = 0;
  const records = event.records.map((record) => {
    const data = decodeBase64(record.data);
    const result: TransformResult = data ? transform(data) : { ok: false, reason: "the record's data is not base64" };
    if (result.ok) return { recordId: record.recordId, result: "Ok" as const, data: Buffer.from(result.line, "utf8").toString("base64") };
    failed += 1;
    log.warn(LOG_MESSAGES.recordFailedProcessing, { dedupKey: result.key, recordId: record.recordId, reason: result.reason });
    return { recordId: record.recordId, result: "ProcessingFailed" as const, data: record.data };
  });
  log.info("transform batch done", { received: records.length, ok: records.length - failed, failed });
  return { records };
}
