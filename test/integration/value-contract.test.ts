import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord, FirehoseTransformationEvent, KinesisStreamRecord } from "aws-lambda";
import { expect } from "chai";
import * as fc from "fast-check";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { schemaColumnProblems } from "../../components/internal/schema-columns";
import { forwardBatch } from "../../functions/forward/forward-batch";
import { HASH_KEY, RANGE_KEY } from "../../functions/ingest/core";
import { ingestBatch } from "../../functions/ingest/ingest-batch";
import { loadEvent } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { type LoadTarget } from "../../functions/load/sql";
import { projectBatch } from "../../functions/project/project-batch";
import { PARKED_PREFIX } from "../../functions/shared/dead-letter";
import { columnSqlTypes, createTransformer, FIXED_COLUMNS, type ArchiveColumn } from "../../functions/transform/core";
import { transformBatch } from "../../functions/transform/transform-batch";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startMariaDb, startS3Engine, type Engine, type MySqlEngine } from "../../engines";
import { createTable } from "../../engines/tables";
import { anyKey, anyValue, codePoint, isObject, parseLossless, sameJson, sameNumber, write, type Written } from "../support/json-values";
import { kinesisRecord, sequenceNumber } from "../support/kinesis";
import { propertySettings } from "../support/property";
import { rawDynamoDb, type RawItem } from "../support/raw-dynamodb";

/**
 * The value contract (README, "The value contract"), generated: records of every value kind,
 * hostile ones included, go through the real functions on the local engines (ingest on DynamoDB
 * Local, forward on its stream, the transform, the loader on MariaDB, and both projections), and
 * every record must end exactly in MySQL or parked with a reason, never both and never neither.
 * Valid records must arrive; records with a defect must be parked. Some items are deleted after
 * they land, and the archive's objects load in a shuffled order with one loaded twice: each row
 * must still hold its item's newest change.
 */

const COLUMNS: ArchiveColumn[] = [
  { name: "s", path: "s" },
  { name: "v", path: "v" },
  { name: "i", path: "i" },
  { name: "dec", path: "dec" },
  { name: "dbl", path: "dbl" },
  { name: "b", path: "b" },
  { name: "t", path: "t" },
  { name: "day", path: "day" },
  { name: "j", path: "j" },
  { name: "p", path: "__proto__.x" },
  { name: "c", path: "constructor" },
];
const TYPES: Record<string, string> = {
  v: "VARCHAR(8)",
  i: "BIGINT",
  dec: "DECIMAL(20,6)",
  dbl: "DOUBLE",
  b: "BOOLEAN",
  t: "DATETIME(3)",
  day: "DATE",
  j: "JSON",
  c: "JSON",
};
/** The table holds `i` as INT, narrower than the transform's BIGINT (a column altered by hand): the database itself refuses some rows. */
const DB_TYPES = { ...TYPES, i: "INT" };
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, "null"], ...extra });
const SCHEMA = {
  type: "object",
  properties: {
    v: nullable("string", { maxLength: 8 }),
    // As a user writes BIGINT's bounds in a JSON schema: JSON.parse reads them as the same doubles.
    // eslint-disable-next-line no-loss-of-precision
    i: nullable("integer", { minimum: -9223372036854775808, maximum: 9223372036854775807 }),
    dec: nullable("number", { minimum: -99999999999999, maximum: 99999999999999 }),
    dbl: nullable("number"),
    b: nullable("boolean"),
    t: nullable("string"),
    day: nullable("string"),
  },
};
const INT_RANGE = [-2147483648n, 2147483647n];

/** A record as produced: its fields, and the defect that must get it parked, if any. */
interface Produced {
  fields: [string, Written][];
  /** The index's range key: unique in a run. */
  r: string;
  /** Bytes that replace the JSON text: not UTF-8, or a BOM in front. */
  bytes?: (text: string) => Buffer;
  defect?: string;
  /** Deleted from the dedup table after it lands: its row must end as the REMOVE marker. */
  deleted: boolean;
  group?: string;
  amountMicros?: bigint;
}

const num = (text: string): Written => ({ number: text });
const optional = (value: fc.Arbitrary<Written>) => fc.option(value, { nil: undefined, freq: 4 });
const date = fc.date({ min: new Date("1000-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true });
/** Doubles DynamoDB holds: 0, or a magnitude from 1E-130 to 1E+125, as JavaScript prints them. */
const doubleText = fc
  .double({ min: -1e125, max: 1e125, noNaN: true })
  .filter((d) => d === 0 || Math.abs(d) >= 1e-130)
  .map(String);
/** A JSON column's numbers: MySQL's JSON type keeps 64-bit integers and doubles. */
const jsonNumberText = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), doubleText);

const validFields = fc.record({
  s: optional(anyValue()),
  v: optional(
    fc.oneof(
      fc.array(codePoint, { maxLength: 8 }).map((p) => String.fromCodePoint(...p)),
      fc.constant(null),
    ),
  ),
  i: optional(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: INT_RANGE[0], max: INT_RANGE[1] })).map((n) => num(String(n)))),
  dec: optional(
    fc.tuple(fc.bigInt({ min: -(10n ** 19n) + 1n, max: 10n ** 19n - 1n }), fc.constantFrom("plain", "zeros", "exponent")).map(([micros, form]) => {
      const negative = micros < 0n;
      const text = (negative ? -micros : micros).toString().padStart(7, "0");
      const plain = `${negative ? "-" : ""}${text.slice(0, -6)}.${text.slice(-6)}`;
      return num(form === "plain" ? plain.replace(/\.?0+$/, "") || "0" : form === "zeros" ? plain : `${micros}E-6`);
    }),
  ),
  dbl: optional(doubleText.map(num)),
  b: optional(fc.oneof(fc.boolean(), fc.constant(null))),
  t: optional(fc.tuple(date, fc.boolean()).map(([d, mysql]) => (mysql ? d.toISOString().replace("T", " ").replace("Z", "") : d.toISOString()))),
  day: optional(date.map((d) => d.toISOString().slice(0, 10))),
  j: optional(fc.oneof(anyValue(jsonNumberText), fc.constant(null))),
  proto: optional(anyValue().map((x): Written => ({ pairs: [["x", x]] }))),
  ctor: optional(anyValue(jsonNumberText)),
  extra: fc.uniqueArray(
    fc.tuple(
      anyKey.filter((k) => !["s", "v", "i", "dec", "dbl", "b", "t", "day", "j", "g", "amount", "u", "r", "__proto__", "constructor"].includes(k)),
      anyValue(),
    ),
    { maxLength: 2, selector: ([k]) => k },
  ),
  group: fc.option(fc.constantFrom("a", "b", "ü"), { nil: undefined }),
  amountMicros: fc.option(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { nil: undefined }),
  user: fc.option(fc.constantFrom("ana@example.com", "bo@example.com", "__proto__"), { nil: undefined }),
});

/** Defects: each alone gets a record parked, by ingest or by the transform. */
const DEFECTS: [string, (fields: [string, Written][]) => Partial<Produced>][] = [
  ["a number below DynamoDB's range", (f) => ({ fields: [...f, ["bad", num("1e-400")]] })],
  ["a number above DynamoDB's range", (f) => ({ fields: [...f, ["bad", { pairs: [["deep", [num("1E+126")]]] }]] })],
  ["39 significant digits", (f) => ({ fields: [...f, ["bad", num("123456789012345678901234567890123456789")]] })],
  [
    "a key given twice",
    (f) => ({
      fields: [
        ...f,
        [
          "bad",
          {
            pairs: [
              ["k", num("1")],
              ["k", num("2")],
            ],
          },
        ],
      ],
    }),
  ],
  ["a lone surrogate", (f) => ({ fields: [...f, ["bad", "x\ud800"]] })],
  [
    "bytes that are not UTF-8",
    (f) => ({
      fields: f,
      bytes: (text) => Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from(',"bad":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    }),
  ],
  ["a byte order mark before the JSON", (f) => ({ fields: f, bytes: (text) => Buffer.from(`\ufeff${text}`) })],
  ["nesting past 32 levels", (f) => ({ fields: [...f, ["bad", JSON.parse("[".repeat(33) + "]".repeat(33))]] })],
  ["an empty nested field name", (f) => ({ fields: [...f, ["bad", { pairs: [["", "x"]] }]] })],
  ["an integer past BIGINT", (f) => ({ fields: [...f.filter(([k]) => k !== "i"), ["i", num("9223372036854775808")]] })],
  ["a VARCHAR(8) value of 9 characters", (f) => ({ fields: [...f.filter(([k]) => k !== "v"), ["v", "123456789"]] })],
  ["a decimal past DECIMAL(20,6)'s scale", (f) => ({ fields: [...f.filter(([k]) => k !== "dec"), ["dec", num("1.0000001")]] })],
  ["digits a DOUBLE loses", (f) => ({ fields: [...f.filter(([k]) => k !== "dbl"), ["dbl", num("0.1000000000000000055511151231257827")]] })],
  ["a boolean written as text", (f) => ({ fields: [...f.filter(([k]) => k !== "b"), ["b", "true"]] })],
  ["a date that does not exist", (f) => ({ fields: [...f.filter(([k]) => k !== "t"), ["t", "2026-02-30T00:00:00Z"]] })],
  ["a JSON number MySQL's JSON would round", (f) => ({ fields: [...f.filter(([k]) => k !== "j"), ["j", { pairs: [["n", num("12345678901234567890123")]] }]] })],
  ["a string past TEXT's 64 KiB", (f) => ({ fields: [...f.filter(([k]) => k !== "s"), ["s", "é".repeat(32_768)]] })],
];

const produced: fc.Arbitrary<Produced> = fc
  .tuple(
    validFields,
    fc.option(fc.integer({ min: 0, max: DEFECTS.length - 1 }), { nil: undefined, freq: 3 }),
    fc.boolean(),
    fc.string({ minLength: 1, maxLength: 6 }),
  )
  .map(([v, defect, deleted, r]) => {
    const fields: [string, Written][] = [];
    for (const name of ["s", "v", "i", "dec", "dbl", "b", "t", "day", "j"] as const) if (v[name] !== undefined) fields.push([name, v[name] as Written]);
    if (v.proto !== undefined) fields.push(["__proto__", v.proto]);
    if (v.ctor !== undefined) fields.push(["constructor", v.ctor]);
    fields.push(...v.extra);
    if (v.group !== undefined) fields.push(["g", v.group]);
    if (v.amountMicros !== undefined) fields.push(["amount", num(`${v.amountMicros}E-6`)]);
    if (v.user !== undefined) fields.push(["u", v.user], ["r", r]);
    const base: Produced = { fields, r, deleted, group: v.group, amountMicros: v.amountMicros };
    return defect === undefined ? base : { ...base, ...DEFECTS[defect][1](fields), defect: DEFECTS[defect][0] };
  });

const valueOf = (p: Produced, path: string): Written | undefined => {
  const [first, ...rest] = path.split(".");
  let value = p.fields.find(([k]) => k === first)?.[1];
  for (const step of rest) value = value !== undefined && isObject(value) ? value.pairs.find(([k]) => k === step)?.[1] : undefined;
  return value;
};

/** Whether a column's text, as MySQL gives it back, is exactly the produced value (NULL for absent, and for null outside JSON columns). */
function holds(type: string | undefined, db: string | null, value: Written | undefined): boolean {
  if (type === "JSON") return value === undefined ? db === null : db !== null && sameJson(parseLossless(db), value);
  if (value === undefined || value === null) return db === null;
  if (db === null) return false;
  if (type === undefined) {
    if (typeof value === "string") return db === value;
    if (typeof value === "boolean") return db === String(value);
    if (isObject(value) || Array.isArray(value)) return sameJson(parseLossless(db), value);
    return sameNumber(db, value.number);
  }
  if (type === "BOOLEAN") return db === (value ? "1" : "0");
  if (type === "DOUBLE") return Number(db) === Number((value as { number: string }).number);
  if (type === "DATETIME(3)")
    return (
      Date.parse(`${db.replace(" ", "T")}Z`) === Date.parse((value as string).includes("T") ? (value as string) : `${(value as string).replace(" ", "T")}Z`)
    );
  if (type === "DATE" || type.startsWith("VARCHAR")) return db === value;
  return sameNumber(db, (value as { number: string }).number);
}

describe("the value contract, generated, through every function on the local engines", function () {
  this.timeout(600_000);
  let dynamo: Engine;
  let objects: Engine;
  let database: MySqlEngine;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let connection: Connection;
  let run = 0;
  let sequence = 0;

  before(async () => {
    [dynamo, objects, database] = await Promise.all([startDynamoDbLocal(), startS3Engine(), startMariaDb()]);
    dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    for (const Bucket of ["dead-letters", "archive"]) await s3.send(new CreateBucketCommand({ Bucket }));
    connection = await createConnection({
      host: database.host,
      port: database.port,
      user: database.user,
      password: database.password,
      typeCast: (field) => field.string("utf8"),
    });
  });

  after(async () => {
    await connection?.end();
    dynamodb?.destroy();
    s3?.destroy();
    await Promise.all([dynamo?.stop(), objects?.stop(), database?.stop()]);
  });

  it("is the transform's configuration a preview accepts", () => {
    expect(schemaColumnProblems(SCHEMA, COLUMNS, columnSqlTypes(COLUMNS, TYPES))).to.deep.equal([]);
  });

  it("lands every record exactly in MySQL or parks it with a reason, never both, never neither; each row holds its item's newest change", async () => {
    const transform = createTransformer(SCHEMA, COLUMNS, TYPES);
    const silent = { info() {}, warn() {} };
    // What the runs went through, so a generator that stopped reaching a stage fails the test.
    const seen = { arrived: 0, removed: 0, ingest: 0, transform: 0, loader: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(produced, { minLength: 1, maxLength: 12, selector: (p) => p.r }),
        fc.array(fc.nat(3), { minLength: 40, maxLength: 40 }),
        fc.nat(),
        async (records, objectOf, replay) => {
          const n = ++run;
          // Ingest: one Kinesis batch into a dedup table whose stream carries new and old images.
          const table = `contract-${n}`;
          await dynamodb.send(
            new CreateTableCommand({
              TableName: table,
              BillingMode: "PAY_PER_REQUEST",
              AttributeDefinitions: [
                { AttributeName: HASH_KEY, AttributeType: "S" },
                { AttributeName: RANGE_KEY, AttributeType: "S" },
              ],
              KeySchema: [
                { AttributeName: HASH_KEY, KeyType: "HASH" },
                { AttributeName: RANGE_KEY, KeyType: "RANGE" },
              ],
              StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
            }),
          );
          const kinesis: KinesisStreamRecord[] = records.map((p) => {
            const text = write({ pairs: p.fields });
            return kinesisRecord(p.bytes ? p.bytes(text) : Buffer.from(text), sequenceNumber(++sequence));
          });
          const ingested = await ingestBatch(
            { Records: kinesis },
            {
              dynamodb,
              s3,
              deadLetterBucket: "dead-letters",
              write: { tableName: table, concurrency: 4, maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
              log: silent,
            },
          );
          expect(ingested.batchItemFailures).to.deep.equal([]);
          const parkedByIngest = new Set<string>();
          for (const record of kinesis) {
            const key = `${PARKED_PREFIX}web-analytics/shardId-000000000000/${record.kinesis.sequenceNumber}.json`;
            const parked = await s3.send(new GetObjectCommand({ Bucket: "dead-letters", Key: key })).then(
              async (o) => JSON.parse(await o.Body!.transformToString()),
              () => undefined,
            );
            if (parked) {
              expect(parked.reason, "an ingest parking names its reason").to.be.a("string").and.not.equal("");
              parkedByIngest.add(record.kinesis.sequenceNumber);
            }
          }
          const keyOf = (seq: string) => ({ [HASH_KEY]: { S: `${seq.slice(-3, -1)}_shardId-000000000000` }, [RANGE_KEY]: { S: seq } });
          const stored = new Map<string, RawItem>();
          for (const [i, p] of records.entries()) {
            const seq = kinesis[i].kinesis.sequenceNumber;
            if (parkedByIngest.has(seq)) continue;
            stored.set(seq, (await rawDynamoDb(dynamo.endpoint, "GetItem", { TableName: table, Key: keyOf(seq) })).Item);
            if (p.deleted) await rawDynamoDb(dynamo.endpoint, "DeleteItem", { TableName: table, Key: keyOf(seq) });
          }
          // DynamoDB Local 3.x writes an empty map or list in a stream image as {}, without its type
          // (awslabs/amazon-dynamodb-local-samples#37; the service and GetItem are right): the images
          // are taken from GetItem's JSON of the same, unchanged item instead.
          const image = (r: DynamoDBRecord) => stored.get(r.dynamodb!.Keys![RANGE_KEY].S!);

          // The table's stream, read as Lambda delivers it (the service's JSON, not the SDK's objects).
          const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
          const streamArn = Table!.LatestStreamArn!;
          const stream: DynamoDBRecord[] = [];
          const { StreamDescription } = await rawDynamoDb(dynamo.endpoint, "DescribeStream", { StreamArn: streamArn }, "DynamoDBStreams_20120810");
          for (const shard of StreamDescription.Shards) {
            let iterator = (
              await rawDynamoDb(
                dynamo.endpoint,
                "GetShardIterator",
                { StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" },
                "DynamoDBStreams_20120810",
              )
            ).ShardIterator;
            for (let empty = 0; iterator && empty < 2;) {
              const page = await rawDynamoDb(dynamo.endpoint, "GetRecords", { ShardIterator: iterator }, "DynamoDBStreams_20120810");
              stream.push(
                ...page.Records.map((r: DynamoDBRecord) => ({
                  ...r,
                  eventSourceARN: streamArn,
                  dynamodb: { ...r.dynamodb, ...(r.dynamodb!.NewImage && { NewImage: image(r) }), ...(r.dynamodb!.OldImage && { OldImage: image(r) }) },
                })),
              );
              empty = page.Records.length ? 0 : empty + 1;
              iterator = page.NextShardIterator;
            }
          }

          // Forward, then the transform, as Firehose invokes it.
          const archived: Buffer[] = [];
          const firehose = {
            send: async (command: { input: { Records: { Data: Uint8Array }[] } }) => (
              archived.push(...command.input.Records.map((r) => Buffer.from(r.Data))),
              { FailedPutCount: 0, RequestResponses: command.input.Records.map(() => ({ RecordId: "r" })) }
            ),
          };
          const forwarded = await forwardBatch(
            { Records: stream },
            {
              firehose: firehose as never,
              s3,
              deadLetterBucket: "dead-letters",
              keyAttributes: [HASH_KEY, RANGE_KEY],
              removeMode: "marker",
              send: { deliveryStreamName: "d", maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
              log: silent,
            },
          );
          expect(forwarded.counts).to.include({ received: stream.length, sent: stream.length });
          const refusedByTransform = new Map<string, string>();
          const event: FirehoseTransformationEvent = {
            invocationId: "i",
            deliveryStreamArn: "arn:aws:firehose:eu-west-1:999999999999:deliverystream/d",
            region: LOCAL_REGION,
            records: archived.map((data, i) => ({ recordId: String(i), approximateArrivalTimestamp: 0, data: data.toString("base64") })),
          };
          const answer = transformBatch(event, transform, {
            info() {},
            warn: (_message, extra) => refusedByTransform.set(String(extra?.dedupKey), `${extra?.reason}: ${extra?.detail}`),
          });
          const lines = answer.records.filter((r) => r.result === "Ok").map((r) => Buffer.from(r.data!, "base64").toString("utf8"));

          // The loader: the lines in up to four objects, loaded in a shuffled order, one of them twice.
          const target: LoadTarget = {
            database: `contract_${n}`,
            table: "rows",
            manifestTable: "loaded_objects",
            rejectsTable: "rejected_rows",
            columns: [...FIXED_COLUMNS, ...COLUMNS.map((c) => c.name)],
            columnTypes: DB_TYPES,
          };
          const bodies = [0, 1, 2, 3].map((o) => lines.filter((_, i) => objectOf[i % objectOf.length] === o).join("")).filter((body) => body !== "");
          const loads = bodies
            .map((body, o) => ({ body, rank: (o * 7 + replay) % 5 }))
            .sort((a, b) => a.rank - b.rank)
            .map((l) => l.body);
          if (loads.length) loads.push(loads[replay % loads.length]);
          for (const [step, body] of loads.entries()) {
            const key = `processed/${n}/${step}.csv`;
            const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "archive", Key: key, Body: body }));
            await loadEvent(
              {
                Records: [
                  {
                    eventSource: "aws:s3",
                    eventName: "ObjectCreated:Put",
                    s3: { bucket: { name: "archive" }, object: { key, eTag: ETag!.replace(/"/g, ""), size: 1 } },
                  },
                ],
              },
              { connect: async () => connection, target, mode: { kind: "local", open: s3Opener(s3) }, prefix: "processed/", log: silent },
            );
          }
          const rows = new Map<string, Record<string, string | null>>();
          if (bodies.length)
            for (const row of (await connection.query<RowDataPacket[]>("SELECT * FROM ??.??", [target.database, target.table]))[0])
              rows.set(row.dedup_key, row);
          const rejected = new Map<string, string>();
          if (bodies.length)
            for (const row of (
              await connection.query<RowDataPacket[]>("SELECT dedup_key, stream_sequence, error FROM ??.??", [target.database, target.rejectsTable])
            )[0])
              rejected.set(`${row.dedup_key}@${row.stream_sequence}`, row.error);

          // Every record: exactly in MySQL, or parked with a reason; never both, never neither.
          for (const [i, p] of records.entries()) {
            const seq = kinesis[i].kinesis.sequenceNumber;
            const key = `${seq.slice(-3, -1)}_shardId-000000000000|${seq}`;
            const changes = stream.filter((r) => r.dynamodb?.Keys?.[RANGE_KEY]?.S === seq);
            const insert = changes.find((r) => r.eventName === "INSERT");
            const where = `record ${i} (${p.defect ?? "valid"}): ${write({ pairs: p.fields }).slice(0, 300)}`;
            const parkedAt = [
              parkedByIngest.has(seq) && "ingest",
              insert && refusedByTransform.has(key) && `transform: ${refusedByTransform.get(key)}`,
              insert && rejected.has(`${key}@${insert.dynamodb!.SequenceNumber}`) && `loader: ${rejected.get(`${key}@${insert.dynamodb!.SequenceNumber}`)}`,
            ].filter(Boolean) as string[];
            const row = rows.get(key);
            const intOutOfRange = (() => {
              const i_ = valueOf(p, "i");
              return (
                i_ !== undefined &&
                i_ !== null &&
                typeof i_ === "object" &&
                "number" in i_ &&
                (BigInt(i_.number) < INT_RANGE[0] || BigInt(i_.number) > INT_RANGE[1])
              );
            })();
            // A row MySQL refuses is parked by the loader, unless a newer change of its item (its REMOVE) was there first and absorbed it.
            const mustPark = p.defect !== undefined || (intOutOfRange && !p.deleted);
            expect(parkedAt.length, `${where} is parked in ${parkedAt.length} places: ${parkedAt.join(" | ")}`).to.be.at.most(1);
            if (mustPark) expect(parkedAt, `${where} must be parked`).to.have.length(1);
            else if (!intOutOfRange) expect(parkedAt, `${where} must arrive, but was parked`).to.deep.equal([]);
            if (parkedAt.length === 0 && !insert) throw new Error(`${where} is neither parked nor in the table's stream`);
            for (const stage of ["ingest", "transform", "loader"] as const) if (parkedAt[0]?.startsWith(stage)) seen[stage] += 1;

            const removed = changes.find((r) => r.eventName === "REMOVE");
            if (removed) {
              // The newest change wins, whatever order the objects loaded in: the delete marker, and nothing of the insert.
              expect(row, `${where}: its REMOVE must be the row`).to.include({ change: "REMOVE", stream_sequence: removed.dynamodb!.SequenceNumber });
              for (const column of COLUMNS) expect(row![column.name], `${where}: ${column.name} of a removed item`).to.equal(null);
              seen.removed += 1;
              continue;
            }
            if (parkedAt.length) {
              expect(row, `${where} is parked (${parkedAt[0]}) and in MySQL`).to.equal(undefined);
              continue;
            }
            expect(row, `${where} is neither parked nor in MySQL`).to.not.equal(undefined);
            expect(row).to.include({ change: "INSERT", stream_sequence: insert!.dynamodb!.SequenceNumber });
            for (const column of COLUMNS) {
              expect(
                holds(TYPES[column.name], row![column.name], valueOf(p, column.path)),
                `${where}: column ${column.name} holds ${JSON.stringify(row![column.name])}`,
              ).to.equal(true);
            }
            seen.arrived += 1;
          }

          // The projections on the same stream: exact counts and sums per group, and the per-user index, of the items that remain.
          const aggregate = await createTable(dynamodb, `sums-${n}`, ["group", "S"]);
          const ledger = await createTable(dynamodb, `ledger-${n}`, ["eventId", "S"]);
          const index = await createTable(dynamodb, `index-${n}`, ["u", "S"], ["r", "S"]);
          const projectDeps = { dynamodb, s3, deadLetterBucket: "dead-letters", retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 }, log: silent };
          const sums = await projectBatch(
            { Records: stream },
            {
              ...projectDeps,
              spec: { kind: "aggregate", groupBy: ["g"], sums: [{ name: "total", attribute: "amount" }] },
              tables: { target: aggregate, ledger, ledgerTtlDays: 1, countedEntriesExpire: false },
            },
          );
          const indexed = await projectBatch(
            { Records: stream },
            {
              ...projectDeps,
              spec: { kind: "index", hashKey: "u", rangeKey: "r" },
              tables: { target: index, ledger: "", ledgerTtlDays: 1, countedEntriesExpire: false },
            },
          );
          expect([sums.batchItemFailures, indexed.batchItemFailures, sums.counts.parked, indexed.counts.parked]).to.deep.equal([[], [], 0, 0]);
          const remaining = records.filter((p, i) => !parkedByIngest.has(kinesis[i].kinesis.sequenceNumber) && !p.deleted);
          const expected = new Map<string, { count: bigint; micros: bigint }>();
          for (const p of remaining.filter((p) => p.group !== undefined)) {
            const entry = expected.get(p.group!) ?? { count: 0n, micros: 0n };
            expected.set(p.group!, { count: entry.count + 1n, micros: entry.micros + (p.amountMicros ?? 0n) });
          }
          const { Items: groups } = await rawDynamoDb(dynamo.endpoint, "Scan", { TableName: aggregate });
          const actual = new Map<string, { count: bigint; micros: bigint }>(
            groups.filter((g) => g.count.N !== "0").map((g) => [g.group.S!, { count: BigInt(g.count.N!), micros: microsOf(g.total?.N ?? "0") }]),
          );
          expect(actual).to.deep.equal(new Map([...expected].filter(([, e]) => e.count !== 0n)));
          const { Items: copies } = await rawDynamoDb(dynamo.endpoint, "Scan", { TableName: index });
          const images = new Map(stream.filter((r) => r.eventName === "INSERT").map((r) => [r.dynamodb!.NewImage!.r?.S, r.dynamodb!.NewImage!]));
          expect(copies.length).to.equal(remaining.filter((p) => p.fields.some(([k]) => k === "u")).length);
          for (const copy of copies) {
            const { sourceSequence, sourceItem, ...attributes } = copy;
            expect(sourceSequence.S).to.match(/^\d{40}$/);
            expect(JSON.parse(sourceItem.S!), "the copy names its item by the table's key").to.deep.equal(
              [HASH_KEY, RANGE_KEY].sort().map((name) => [name, copy[name]]),
            );
            expect(attributes, "an index item is its source item exactly").to.deep.equal(images.get(copy.r.S));
          }
        },
      ),
      propertySettings(12),
    );
    for (const [what, count] of Object.entries(seen))
      expect(count, `records that ${what === "arrived" || what === "removed" ? what : `were parked by the ${what}`}`).to.be.greaterThan(0);
  });
});

/** A sum's DynamoDB text in millionths, exactly. */
function microsOf(text: string): bigint {
  const [whole, fraction = ""] = text.replace("-", "").split(".");
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6) || "0");
  if (fraction.length > 6) throw new Error(`${text} has more than six decimals`);
  return text.startsWith("-") ? -micros : micros;
}
