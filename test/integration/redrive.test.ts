import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { forwardDecision } from "../../functions/forward/core";
import { createTransformer } from "../../functions/transform/core";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startS3Engine, type Engine } from "../../engines";
import { redrive, type RedriveOptions } from "../../tools/redrive";
import { clickItem, DEDUP_KEYS, streamRecord } from "../support/dynamodb-stream";

/** A line of Firehose's processing-failed output for one record. */
function errorLine(data: Buffer): string {
  return JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: 1764151200000,
    errorCode: "Lambda.ProcessingFailed",
    errorMessage: "The Lambda function was successfully invoked but it returned an error result.",
    attemptEndingTimestamp: 1764151201000,
    rawData: data.toString("base64"),
    lambdaArn: "arn:aws:lambda:eu-west-1:999999999999:function:clicks-transform-function-1a2b3c4:$LATEST",
  });
}

function archiveRecord(n: number, overrides: Record<string, unknown> = {}): Buffer {
  const decision = forwardDecision(streamRecord("INSERT", clickItem(n, overrides), String(n)), { keyAttributes: DEDUP_KEYS, removeMode: "marker" });
  if (decision.kind !== "send") throw new Error("not an archive record");
  return decision.data;
}

describe("re-driving failed records from S3 on a local engine", function () {
  this.timeout(60_000);
  // Mocked from the first hook to the last, not while other files run: mockClient patches the class.
  let firehose: AwsClientStub<FirehoseClient>;
  let engine: Engine;
  let s3: S3Client;
  let buckets = 0;

  before(async () => {
    firehose = mockClient(FirehoseClient);
    engine = await startS3Engine();
    s3 = new S3Client({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });

  after(async () => {
    firehose.restore();
    s3?.destroy();
    await engine?.stop();
  });

  beforeEach(() => {
    firehose.reset();
    firehose.on(PutRecordBatchCommand).callsFake(async (input) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_: unknown, i: number) => ({ RecordId: `r${i}` })),
    }));
  });

  /** A bucket holding: a plain object with two fixed records and a broken line, and a GZIP object with one still-invalid record and one fixed. */
  async function bucketWithFailures(): Promise<string> {
    const bucket = `archive-${++buckets}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const plain = [errorLine(archiveRecord(1)), errorLine(archiveRecord(2)), "not a firehose error record"].join("\n");
    const gzipped = gzipSync([errorLine(archiveRecord(3, { Hits: "many" })), errorLine(archiveRecord(4))].join("\n"));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "failed/processing-failed/2026/11/26/10/clicks-1-2026-11-26-10-00-00-a", Body: plain }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "failed/processing-failed/2026/11/26/11/clicks-1-2026-11-26-11-00-00-b.gz", Body: gzipped }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "processed/2026/11/26/10/clicks-1-2026-11-26-10-00-00-c.csv", Body: "x,y\n" }));
    return bucket;
  }

  const options = (bucket: string, extra: Partial<RedriveOptions> = {}): RedriveOptions => ({
    s3,
    firehose: new FirehoseClient({ region: LOCAL_REGION }),
    bucket,
    prefix: "failed/processing-failed/",
    send: { deliveryStreamName: "clicks-archive", maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });

  const sentRecords = () =>
    firehose.commandCalls(PutRecordBatchCommand).flatMap((call) => call.args[0].input.Records!.map((r) => Buffer.from(r.Data!).toString()));

  it("puts every record under the prefix back, byte for byte, from plain and GZIP objects, and counts the unreadable line", async () => {
    const report = await redrive(options(await bucketWithFailures()));
    expect(report).to.deep.include({ objects: 2, records: 4, sent: 4, notAccepted: 0, unreadable: 1, deletedObjects: 0 });
    expect(sentRecords()).to.deep.equal([1, 2, 3, 4].map((n) => archiveRecord(n, n === 3 ? { Hits: "many" } : {}).toString()));
  });

  it("with a schema check, keeps back what the transform would still refuse, and deletes only objects fully re-driven", async () => {
    const bucket = await bucketWithFailures();
    const report = await redrive(options(bucket, { check: createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS), deleteSent: true }));
    expect(report.sent).to.equal(3);
    expect(report.stillInvalid).to.deep.equal({ "schema: item/Hits must be integer": 1 });
    // The plain object had an unreadable line, the GZIP one a record still refused: both stay.
    expect(report.deletedObjects).to.equal(0);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(left.Contents?.map((o) => o.Key)).to.have.length(3);
  });

  it("deletes an object once all its records went back", async () => {
    const bucket = `archive-${++buckets}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "failed/processing-failed/2026/11/26/12/x", Body: errorLine(archiveRecord(5)) }));
    const report = await redrive(options(bucket, { deleteSent: true }));
    expect(report).to.deep.include({ sent: 1, deletedObjects: 1 });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).to.have.length(0);
  });

  it("reports records Firehose keeps refusing, and keeps their object", async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolves({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." }] });
    const bucket = `archive-${++buckets}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "failed/processing-failed/2026/11/26/13/y", Body: errorLine(archiveRecord(6)) }));
    const report = await redrive(options(bucket, { deleteSent: true }));
    expect(report).to.deep.include({ sent: 0, notAccepted: 1, deletedObjects: 0 });
  });

  it("goes on past an object it cannot read, and names it", async () => {
    const bucket = await bucketWithFailures();
    // A client whose GetObject of the GZIP object fails as S3 answers for an object in an archive storage class.
    const s3WithHole = new S3Client({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    s3WithHole.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetObjectCommand" && (args.input as { Key?: string }).Key?.endsWith(".gz")) {
          throw Object.assign(new Error("The operation is not valid for the object's storage class"), { name: "InvalidObjectState" });
        }
        return next(args);
      },
      { step: "initialize", name: "archivedObject" },
    );
    const report = await redrive(options(bucket, { s3: s3WithHole })).finally(() => s3WithHole.destroy());
    expect(report.sent).to.equal(2);
    expect(report.skippedObjects).to.deep.equal([
      {
        key: "failed/processing-failed/2026/11/26/11/clicks-1-2026-11-26-11-00-00-b.gz",
        reason: "InvalidObjectState: The operation is not valid for the object's storage class",
      },
    ]);
  });

  it("counts without sending or deleting in a dry run", async () => {
    const report = await redrive(options(await bucketWithFailures(), { dryRun: true, deleteSent: true }));
    expect(report).to.deep.include({ records: 4, sent: 0, deletedObjects: 0 });
    expect(firehose.commandCalls(PutRecordBatchCommand)).to.have.length(0);
  });
});
