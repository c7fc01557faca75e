import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ingestBatch } from "../functions/ingest/ingest-batch";
import { clickstreamBatches } from "./clickstream";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startS3Engine, type Engine } from "./engines";
import { countItems, createDedupTable } from "./tables";

/** Reads a number from the environment, within bounds, or says what is wrong with it. */
function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

const RECORDS = setting("RECORDS", 3_000, 1, 1_000_000);
const MALFORMED_SHARE = setting("MALFORMED_SHARE", 0.02, 0, 1);
const REDELIVERED_SHARE = setting("REDELIVERED_SHARE", 0.2, 0, 1);
const TABLE = "clicks";
const BUCKET = "clicks-dead-letter";

/**
 * The dedup path on local engines: a clickstream with malformed records goes through the ingest
 * function batch by batch, and a share of the batches is delivered again, as Kinesis does after a
 * retry or a re-created mapping. The table must end with one item per good record.
 */
async function main(): Promise<void> {
  const engines: Engine[] = [];
  try {
    console.log("starting DynamoDB Local and the S3 engine …");
    engines.push(await startDynamoDbLocal(), await startS3Engine());
    const [ddbEngine, s3Engine] = engines;
    const dynamodb = new DynamoDBClient({ endpoint: ddbEngine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const s3 = new S3Client({ endpoint: s3Engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await createDedupTable(dynamodb, TABLE);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    const batches = clickstreamBatches({ records: RECORDS, batchSize: 300, seed: 7, malformedShare: MALFORMED_SHARE });
    const redelivered = batches.filter((_, i) => (i + 1) % Math.round(1 / Math.max(REDELIVERED_SHARE, 1e-9)) === 0);
    const deliveries = [...batches, ...redelivered].map((batch) => structuredClone(batch));
    const totals = { delivered: 0, written: 0, parked: 0, failed: 0 };
    for (const [i, event] of deliveries.entries()) {
      const { counts } = await ingestBatch(event, {
        dynamodb,
        s3,
        deadLetterBucket: BUCKET,
        write: { tableName: TABLE, concurrency: 4, maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000 },
        log: { info: () => {}, warn: () => {} },
      });
      totals.delivered += counts.received;
      totals.written += counts.written;
      totals.parked += counts.parked;
      totals.failed += counts.failed;
      const label = i < batches.length ? `batch ${i + 1}/${batches.length}` : `redelivery ${i + 1 - batches.length}/${redelivered.length}`;
      console.log(`${label.padEnd(18)} records ${String(counts.received).padStart(4)}  written ${String(counts.written).padStart(4)}  parked ${counts.parked}`);
    }

    const items = await countItems(dynamodb, TABLE);
    const parkedObjects = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "parked/" }))).KeyCount ?? 0;
    console.log(`
produced                 ${RECORDS}
delivered (with repeats) ${totals.delivered}
items in the dedup table ${items}
parked (distinct)        ${parkedObjects}
still to retry           ${totals.failed}`);
    const whole = items + parkedObjects === RECORDS && totals.failed === 0;
    console.log(whole ? "every record is in the table or parked with its reason, once." : "MISMATCH: some records are neither written nor parked.");
    if (!whole) process.exitCode = 1;
    dynamodb.destroy();
    s3.destroy();
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
