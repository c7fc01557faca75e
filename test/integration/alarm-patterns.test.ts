import { Logger } from "@aws-lambda-powertools/logger";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord, FirehoseTransformationEvent, S3Event } from "aws-lambda";
import { expect } from "chai";
import { createConnection, type Connection } from "mysql2/promise";
import { forwardBatch } from "../../functions/forward/forward-batch";
import { ingestBatch } from "../../functions/ingest/ingest-batch";
import { loadEvent } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { projectBatch } from "../../functions/project/project-batch";
import { logTo, type Log } from "../../functions/shared/log";
import { createTransformer } from "../../functions/transform/core";
import { transformBatch } from "../../functions/transform/transform-batch";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startMariaDb, startS3Engine, type Engine, type MySqlEngine } from "../../engines";
import { CSV_COLUMNS, csvObject } from "../support/archive";
import { eventOf, fixture, kinesisRecord, sequenceNumber } from "../support/kinesis";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up } from "../support/stacks";

/**
 * A CloudWatch Logs JSON filter pattern of the one form the components write, `{ $.a.b = "text" }`,
 * applied to a log line as CloudWatch does
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events).
 * Any other form fails the test, so a new kind of pattern cannot pass unchecked.
 */
function matches(pattern: string, line: string): boolean {
  const form = /^\{ \$\.([\w.]+) = "([^"*]*)" \}$/.exec(pattern);
  if (!form) throw new Error(`filter pattern ${pattern} is not of the form this test evaluates`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  for (const field of form[1].split(".")) value = (value as Record<string, unknown> | undefined)?.[field];
  return value === form[2];
}

/** Runs `work` with a real Powertools logger, as the handlers build it, and returns the JSON lines it wrote. */
async function linesOf(work: (log: Log) => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) stream.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof stream.write;
  try {
    await work(logTo(new Logger({ serviceName: "alarm-patterns" })));
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]));
  }
  return written
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"));
}

const s3Accepting = { send: async () => ({}) } as never;
const tableRecord = (eventName: string): DynamoDBRecord => ({
  eventName: eventName as never,
  eventSourceARN: "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026",
  dynamodb: { SequenceNumber: "100", Keys: { id: { S: "a" } } },
});

describe("alarm filter patterns match what the functions log", function () {
  this.timeout(180_000);
  let database: MySqlEngine;
  let objects: Engine;
  let s3: S3Client;
  let connection: Connection;
  /** Every log metric filter of both stacks (pull with projections, and push), with the log group it reads. */
  const filters: { name: string; pattern: string; logGroup: string }[] = [];

  before(async () => {
    [database, objects] = await Promise.all([startMariaDb(), startS3Engine()]);
    s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: "archive" }));
    connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
    const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, {});
    const poc = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, prod.outputs);
    const pushPoc = await up(
      "consumer",
      { ...stackConfig("poc"), accessMode: "push", writerExternalId: "poc-writer-7f3a" },
      (await up("source", { ...stackConfig("prod"), accessMode: "push" }, {})).outputs,
    );
    const pushProd = await up("source", { ...stackConfig("prod"), accessMode: "push" }, pushPoc.outputs);
    for (const { cloud } of [prod, poc, pushProd]) {
      for (const filter of cloud.ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter")) {
        const logGroup = cloud.ofType("aws:cloudwatch/logGroup:LogGroup").find((group) => group.state.name === filter.inputs.logGroupName);
        filters.push({ name: filter.name, pattern: filter.inputs.pattern, logGroup: logGroup?.name ?? "(none)" });
      }
    }
  });

  after(async () => {
    await connection?.end();
    s3?.destroy();
    await Promise.all([database?.stop(), objects?.stop()]);
  });

  /** The lines each function writes when it meets what its alarm is about, by the suffix of its log group's logical name. */
  const writers: Record<string, () => Promise<string[]>> = {
    "ingest-logs": () =>
      linesOf((log) =>
        ingestBatch(eventOf(kinesisRecord("not json", sequenceNumber(1))), {
          dynamodb: s3Accepting,
          s3: s3Accepting,
          deadLetterBucket: "dlq",
          write: { tableName: "t", concurrency: 1, maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
          log,
        }),
      ),
    "forward-logs": () =>
      linesOf((log) =>
        forwardBatch(
          { Records: [tableRecord("TRUNCATE")] },
          {
            firehose: s3Accepting,
            s3: s3Accepting,
            deadLetterBucket: "dlq",
            keyAttributes: ["id"],
            removeMode: "marker",
            send: { deliveryStreamName: "d", maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
            log,
          },
        ),
      ),
    "project-logs": () =>
      linesOf((log) =>
        projectBatch(
          { Records: [tableRecord("INSERT")] },
          {
            dynamodb: s3Accepting,
            s3: s3Accepting,
            deadLetterBucket: "dlq",
            spec: { kind: "aggregate", groupBy: ["Username"], sums: [{ name: "score", attribute: "Score" }] },
            tables: { target: "t", ledger: "l", ledgerTtlDays: 1, countedEntriesExpire: false },
            retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
            log,
          },
        ),
      ),
    "transform-logs": async () => {
      const event: FirehoseTransformationEvent = {
        invocationId: "i",
        deliveryStreamArn: "arn:aws:firehose:eu-west-1:999999999999:deliverystream/d",
        region: "eu-west-1",
        records: [{ recordId: "r1", approximateArrivalTimestamp: 0, data: Buffer.from("not json").toString("base64") }],
      };
      return linesOf(async (log) => transformBatch(event, createTransformer({ type: "object" }, [], {}), log));
    },
    "load-logs": async () => {
      const key = "processed/2026/11/26/16/broken.csv";
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "archive", Key: key, Body: `${csvObject(1, 2)}only,three,fields\n` }));
      const event = fixture<S3Event>("s3-object-created-encoded-key.json");
      Object.assign(event.Records[0].s3, {
        bucket: { ...event.Records[0].s3.bucket, name: "archive" },
        object: { ...event.Records[0].s3.object, key, eTag: (ETag ?? "").replace(/"/g, "") },
      });
      const target = {
        database: "alarms",
        table: "web_analytics",
        manifestTable: "loaded_objects",
        rejectsTable: "rejected_rows",
        columns: CSV_COLUMNS,
        columnTypes: { hits: "INT" },
      };
      return linesOf((log) =>
        loadEvent(event, { connect: async () => connection, target, mode: { kind: "local", open: s3Opener(s3) }, prefix: "processed/", log }),
      );
    },
  };

  it("finds a filter on every function that parks or refuses: ingest (pull and push), forward, each projection, transform, load", () => {
    expect(filters.map((f) => f.logGroup)).to.include.members([
      "clicks-ingest-logs",
      "clicks-forward-logs",
      "by-user-project-logs",
      "scores-by-user-project-logs",
      "clicks-transform-logs",
      "clicks-load-logs",
    ]);
    expect(filters.filter((f) => f.logGroup === "clicks-ingest-logs")).to.have.length(2);
  });

  it("each filter counts the line its function writes for it, and only that line", async () => {
    for (const filter of filters) {
      const writer = Object.entries(writers).find(([suffix]) => filter.logGroup.endsWith(suffix));
      expect(writer, `${filter.name} reads ${filter.logGroup}, which no function here writes`).to.not.equal(undefined);
      const lines = await writer![1]();
      expect(
        lines.filter((line) => matches(filter.pattern, line)),
        `${filter.name} (${filter.pattern}) in ${lines.join("\n")}`,
      ).to.have.length(1);
    }
  });

  it("the evaluator itself tells a matching line from others", () => {
    expect(matches('{ $.message = "parked record" }', '{"level":"WARN","message":"parked record"}')).to.equal(true);
    expect(matches('{ $.message = "parked record" }', '{"level":"WARN","message":"parked records"}')).to.equal(false);
    expect(matches('{ $.message = "parked record" }', "parked record")).to.equal(false);
  });
});
