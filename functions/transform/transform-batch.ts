import type { FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { type Log } from "../shared/log";
import { type TransformResult } from "./core";

/**
 * Firehose's data-processing contract: one answer per record, in order. A record that cannot be
 * archived comes back `ProcessingFailed` with its original data, so Firehose writes it under the
 * error prefix; its reason is logged with its record ID.
 */
export function transformBatch(
  event: FirehoseTransformationEvent,
  transform: (data: Buffer) => TransformResult,
  log: Log,
): FirehoseTransformationResult {
  let failed = 0;
  const records = event.records.map((record) => {
    const result = transform(Buffer.from(record.data, "base64"));
    if (result.ok) return { recordId: record.recordId, result: "Ok" as const, data: Buffer.from(result.line, "utf8").toString("base64") };
    failed += 1;
    log.warn("record failed processing", { dedupKey: result.key, recordId: record.recordId, reason: result.reason });
    return { recordId: record.recordId, result: "ProcessingFailed" as const, data: record.data };
  });
  log.info("transform batch done", { received: records.length, ok: records.length - failed, failed });
  return { records };
}
