import { PutRecordBatchCommand, type FirehoseClient } from "@aws-sdk/client-firehose";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { forwardBatch } from "../functions/forward/forward-batch";
import { tableStreamRecords } from "./archive-records";
import { benchSize, checkSizes } from "./sizes";
import { printTable } from "./table";

const RECORDS = benchSize("BENCH_FORWARD_RECORDS");
/** Lambda's largest batch from a DynamoDB stream. */
const BATCH_SIZE = 10_000;

/** A Firehose that takes every record and counts the calls made to it. */
function countingFirehose() {
  const counter = { calls: 0, records: 0 };
  const client: Pick<FirehoseClient, "send"> = {
    send: (async (command: PutRecordBatchCommand) => {
      counter.calls += 1;
      counter.records += command.input.Records!.length;
      return { FailedPutCount: 0, RequestResponses: command.input.Records!.map((_, i) => ({ RecordId: String(i) })) };
    }) as unknown as FirehoseClient["send"],
  };
  return { client, counter };
}

/** Firehose calls per BENCH_FORWARD_RECORDS stream records: the forward function vs the cross-account replication design's one put_record per record. */
export async function benchForward(): Promise<void> {
  checkSizes("BENCH_FORWARD_RECORDS");
  const records = tableStreamRecords(RECORDS);
  const rows: string[][] = [["mapping batch size", "records", "PutRecordBatch calls", "put_record calls (one per record)", "ours/baseline"]];
  for (const batchSize of [100, 1_000, BATCH_SIZE]) {
    const { client, counter } = countingFirehose();
    for (let i = 0; i < records.length; i += batchSize) {
      const event: DynamoDBStreamEvent = { Records: records.slice(i, i + batchSize) };
      const outcome = await forwardBatch(event, {
        keyAttributes: ["seqNumbershardIdHash", "sequenceNumber"],
        removeMode: "marker",
        firehose: client,
        s3: { send: async () => ({}) } as never,
        deadLetterBucket: "unused",
        send: { deliveryStreamName: "bench", maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        log: { info() {}, warn() {} },
      });
      if (outcome.counts.sent !== event.Records.length) throw new Error(`forward did not send batch ${i} whole`);
    }
    if (counter.records !== RECORDS) throw new Error(`Firehose received ${counter.records} records, expected ${RECORDS}`);
    rows.push([String(batchSize), String(RECORDS), String(counter.calls), String(RECORDS), `${(counter.calls / RECORDS).toFixed(4)}x`]);
  }
  console.log(`## Forward: Firehose API calls for ${RECORDS} table stream records\n`);
  printTable(rows);
}
