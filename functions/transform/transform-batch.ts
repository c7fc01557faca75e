import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord, FirehoseTransformationResult } from "aws-lambda";
import { type Log } from "../shared/log";
import { RecordOutcomes } from "../shared/record-outcomes";
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
 * Firehose retries only a whole invocation, so no record is ever marked for retry here.
 */
export function transformBatch(event: FirehoseTransformationEvent, transform: (data: Buffer) => TransformResult, log: Log): FirehoseTransformationResult {
  const outcomes = new RecordOutcomes<FirehoseTransformationEventRecord>(
    (record) => ({ recordId: record.recordId }),
    (record) => record.recordId,
    log,
  );
  const records = event.records.map((record) => {
    const data = decodeBase64(record.data);
    const result: TransformResult = data ? transform(data) : { ok: false, reason: "not-base64", detail: "the record's data is not base64" };
    if (result.ok) return { recordId: record.recordId, result: "Ok" as const, data: Buffer.from(result.line, "utf8").toString("base64") };
    outcomes.refuse(record, LOG_MESSAGES.recordFailedProcessing, result, { dedupKey: result.key });
    return { recordId: record.recordId, result: "ProcessingFailed" as const, data: record.data };
  });
  const failed = outcomes.refused;
  log.info("transform batch done", { received: records.length, ok: records.length - failed, failed });
  return { records };
}
