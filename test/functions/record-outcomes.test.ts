import type { FirehoseTransformationEventRecord } from "aws-lambda";
import { expect } from "chai";
import { RecordOutcomes } from "../../functions/shared/record-outcomes";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { fixture } from "../support/kinesis";

/** A log that keeps its warnings as the JSON fields a Powertools line would carry. */
function recordingLog() {
  const warnings: Record<string, unknown>[] = [];
  return { warnings, log: { info: () => undefined, warn: (message: string, extra: Record<string, unknown> = {}) => warnings.push({ message, ...extra }) } };
}

describe("record outcomes (shared by every batch function)", () => {
  const [first, second] = fixture<{ records: FirehoseTransformationEventRecord[] }>("firehose-direct-put.json").records;
  const outcomesOf = (log: ReturnType<typeof recordingLog>["log"]) =>
    new RecordOutcomes<FirehoseTransformationEventRecord>(
      (record) => ({ recordId: record.recordId }),
      (record) => record.recordId,
      log,
    );

  it("logs a refused record under the given message with its correlation fields, reason code, detail and extras, and counts it", () => {
    const { warnings, log } = recordingLog();
    const outcomes = outcomesOf(log);
    outcomes.refuse(first, LOG_MESSAGES.recordFailedProcessing, { reason: "not-json", detail: "not JSON: Unexpected token" }, { dedupKey: "k|1" });
    outcomes.refuse(second, LOG_MESSAGES.parkedRecord, { reason: "not-an-archive-record", detail: 'not an archive record: no "key"' });
    expect(warnings).to.deep.equal([
      { message: "record failed processing", recordId: "record1", reason: "not-json", detail: "not JSON: Unexpected token", dedupKey: "k|1" },
      { message: "parked record", recordId: "record2", reason: "not-an-archive-record", detail: 'not an archive record: no "key"' },
    ]);
    expect(outcomes.refused).to.equal(2);
    expect(outcomes.failed).to.equal(0);
    expect(outcomes.retried).to.deep.equal([]);
  });

  it("collects each record to retry once, by its ID, in the order first marked, with its latest why", () => {
    const { warnings, log } = recordingLog();
    const outcomes = outcomesOf(log);
    outcomes.retry(second, "write failed, record will be retried", { reason: "throttled" });
    outcomes.retry(first, "write failed, record will be retried", { reason: "throttled" });
    outcomes.retry(second, LOG_MESSAGES.parkingFailed, { reason: "AccessDenied: no" });
    expect(outcomes.failed).to.equal(2);
    expect(outcomes.refused).to.equal(0);
    expect(outcomes.retried).to.deep.equal([
      { id: "record2", record: second, why: { reason: "AccessDenied: no" } },
      { id: "record1", record: first, why: { reason: "throttled" } },
    ]);
    expect(warnings.map((w) => [w.message, w.recordId])).to.deep.equal([
      ["write failed, record will be retried", "record2"],
      ["write failed, record will be retried", "record1"],
      [LOG_MESSAGES.parkingFailed, "record2"],
    ]);
  });
});
