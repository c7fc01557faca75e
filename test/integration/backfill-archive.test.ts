import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import * as fc from "fast-check";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { SOURCE_SEQUENCE, type AggregateSpec, type IndexSpec, type ProjectionSpec } from "../../functions/project/spec";
import { EXPIRES_AT } from "../../functions/shared/dedup-key";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startS3Engine, type Engine } from "../../engines";
import { createDedupTable, createTable } from "../../engines/tables";
import { backfillCommand } from "../../tools/backfill-command";
import { csvRow } from "../support/archive";
import { clickItem, streamRecord } from "../support/dynamodb-stream";
import { propertySettings } from "../support/property";

const HITS_PER_PAGE_PER_DAY: AggregateSpec = {
  kind: "aggregate",
  groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
  sums: [{ name: "hits", attribute: "Hits" }],
};
const BY_PAGE: IndexSpec = { kind: "index", hashKey: "page_id", rangeKey: "sequenceNumber", attributes: ["Hits", "client_timestamp"] };
const NOW = Math.floor(Date.now() / 1000);

/** A click's projected values: its page, hits and day. */
const stateArbitrary = fc.record({ page: fc.integer({ min: 0, max: 3 }), hits: fc.integer({ min: 0, max: 9 }), day: fc.integer({ min: 24, max: 26 }) });
type State = { page: number; hits: number; day: number };

/** What happens to a click after its insertion: a user changes it or deletes it, or the table lets it expire (DynamoDB deletes it later, or already has). */
const changeArbitrary = fc.record({
  click: fc.nat(),
  kind: fc.constantFrom("modify", "modify", "remove", "expire", "expired-not-yet-deleted"),
  next: stateArbitrary,
});

const storyArbitrary = fc.record({
  inserts: fc.array(stateArbitrary, { minLength: 6, maxLength: 24 }),
  changes: fc.array(changeArbitrary, { maxLength: 30 }),
  /** How many of the last user changes the late projection's mapping reads (the stream keeps 24 hours). */
  liveTail: fc.nat({ max: 20 }),
  /** Rows per archive object, and whether Firehose delivered an object's first row again in the next one. */
  objectRows: fc.integer({ min: 1, max: 7 }),
  replays: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
});

const overrides = (s: State) => ({ page_id: `p-${s.page}`, Hits: s.hits, client_timestamp: `2026-11-${s.day}T10:00:00.000Z` });

/** The table stream's record of a user's change, with both images, as a projection's mapping reads it. */
function change(kind: "INSERT" | "MODIFY" | "REMOVE", click: number, sequence: string, before?: State, after?: State): DynamoDBRecord {
  const record = streamRecord(kind, clickItem(click, overrides((after ?? before)!)), sequence);
  record.dynamodb!.StreamViewType = "NEW_AND_OLD_IMAGES";
  // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
  if (before)
    record.dynamodb!.OldImage = marshall(clickItem(click, overrides(before)), { removeUndefinedValues: true }) as unknown as Record<string, AttributeValue>;
  return record;
}

describe("npm run backfill from the archive: a projection added after the table let events expire still counts every event", function () {
  this.timeout(900_000);
  let dynamo: Engine;
  let objects: Engine;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let runs = 0;

  before(async () => {
    [dynamo, objects] = await Promise.all([startDynamoDbLocal(), startS3Engine()]);
    dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    // The command's S3 client: the archive and the dead-letter bucket.
    process.env.AWS_ENDPOINT_URL_S3 = objects.endpoint;
    await s3.send(new CreateBucketCommand({ Bucket: "dead-letter" }));
  });

  after(async () => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    dynamodb?.destroy();
    s3?.destroy();
    await Promise.all([dynamo?.stop(), objects?.stop()]);
  });

  async function projection(name: string, spec: ProjectionSpec): Promise<ProjectDependencies> {
    const target =
      spec.kind === "aggregate"
        ? await createTable(dynamodb, `${name}-target`, ["group", "S"])
        : await createTable(dynamodb, `${name}-target`, [spec.hashKey, "S"], [spec.rangeKey!, "S"]);
    const ledger = spec.kind === "aggregate" ? await createTable(dynamodb, `${name}-ledger`, ["eventId", "S"]) : "";
    return {
      dynamodb,
      s3,
      deadLetterBucket: "dead-letter",
      spec,
      tables: { target, ledger, ledgerTtlDays: 7, countedEntriesExpire: true },
      retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50 },
      log: { info() {}, warn() {} },
    };
  }

  async function project(deps: ProjectDependencies, records: DynamoDBRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const outcome = await projectBatch({ Records: records.slice(i, i + 10) }, deps);
      expect(outcome.batchItemFailures).to.deep.equal([]);
      expect(outcome.counts.parked).to.equal(0);
    }
  }

  /** The projection's table as comparable values: an aggregate's groups that count something, an index's items without the sequence of the change that wrote them (the scan's is its own). */
  async function contents(deps: ProjectDependencies): Promise<Record<string, unknown>> {
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: deps.tables.target, ConsistentRead: true }));
    const rows = Items.map((i) => unmarshall(i));
    // A group whose items all left it in other batches stays, with nothing: which batches the records came in decides that, for the live projection too.
    if (deps.spec.kind === "aggregate")
      return Object.fromEntries(rows.filter((a) => a.count !== 0 || a.hits !== 0).map((a) => [a.group, { count: a.count, hits: a.hits }]));
    return Object.fromEntries(rows.map(({ [SOURCE_SEQUENCE]: _sequence, ...item }) => [`${item.page_id}/${item.sequenceNumber}`, item]));
  }

  const backfill = async (table: string, bucket: string, deps: ProjectDependencies) => {
    const out: string[] = [];
    const err: string[] = [];
    const ledger = deps.spec.kind === "aggregate" ? ["--ledger-table", deps.tables.ledger, "--counted-entries-expire"] : [];
    const code = await backfillCommand(
      [
        "--table",
        table,
        "--projection",
        JSON.stringify(deps.spec),
        "--target-table",
        deps.tables.target,
        ...ledger,
        "--dead-letter-bucket",
        "dead-letter",
        "--archive-bucket",
        bucket,
        "--endpoint-url",
        dynamo.endpoint,
        "--region",
        LOCAL_REGION,
        "--page-size",
        "4",
        "--items-per-second",
        "100000",
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    return { code, out, err };
  };

  it("for an aggregate and an index, whatever the users changed and deleted and the table let expire, and a re-run changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(storyArbitrary, async ({ inserts, changes, liveTail, objectRows, replays }) => {
        const run = ++runs;
        const table = await createDedupTable(dynamodb, `dedup-${run}`);
        const bucket = `archive-${run}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));

        // The clicks' lives: the stream's user changes (an expiry is a TTL REMOVE, which every mapping filters), the archive's rows, the table at the end.
        let sequence = 1_000;
        const records: DynamoDBRecord[] = [];
        const rows: string[] = [];
        const states = new Map<number, State>();
        /** Expired clicks DynamoDB has not deleted yet: the table still returns them. */
        const lingering = new Map<number, State>();
        const userChange = (kind: "INSERT" | "MODIFY" | "REMOVE", click: number, before?: State, after?: State) => {
          const seq = String((sequence += 10));
          records.push(change(kind, click, seq, before, after));
          rows.push(csvRow(click, overrides((after ?? before)!), kind, seq));
        };
        inserts.forEach((state, i) => {
          states.set(i + 1, state);
          userChange("INSERT", i + 1, undefined, state);
        });
        for (const { click: pick, kind, next } of changes) {
          const present = [...states.keys()];
          if (present.length === 0) break;
          const click = present[pick % present.length];
          const before = states.get(click)!;
          if (kind === "modify") {
            states.set(click, next);
            userChange("MODIFY", click, before, next);
          } else if (kind === "remove") {
            states.delete(click);
            userChange("REMOVE", click, before);
          } else {
            states.delete(click);
            if (kind === "expired-not-yet-deleted") lingering.set(click, before);
          }
        }
        const item = (click: number, state: State, expiresAt: number) =>
          marshall({ ...clickItem(click, overrides(state)), [EXPIRES_AT]: expiresAt }, { removeUndefinedValues: true });
        const inTable = [
          ...[...states].map(([click, state]) => item(click, state, NOW + 86_400)),
          ...[...lingering].map(([click, state]) => item(click, state, NOW - 3_600)),
        ];
        for (let i = 0; i < inTable.length; i += 25)
          await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: inTable.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
        // Firehose's objects, in hours: at least once, so an object may begin with the last row of the one before.
        for (let i = 0, o = 0; i < rows.length; i += objectRows, o++) {
          const replayed = o > 0 && replays[o % replays.length] ? [rows[i - 1]] : [];
          const hour = String(8 + Math.floor(o / 3)).padStart(2, "0");
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `processed/2026/11/26/${hour}/clicks-1-2026-11-26-${hour}-00-00-${String(o).padStart(4, "0")}`,
              Body: [...replayed, ...rows.slice(i, i + objectRows)].join(""),
            }),
          );
        }

        for (const [name, spec] of [
          ["hits", HITS_PER_PAGE_PER_DAY],
          ["by-page", BY_PAGE],
        ] as const) {
          const live = await projection(`${name}-live-${run}`, spec);
          await project(live, records);
          const late = await projection(`${name}-late-${run}`, spec);
          // Deployed late: its mapping starts at the stream's trim horizon and goes on while the backfill runs.
          const tail = records.slice(Math.max(0, records.length - liveTail));
          const [first] = await Promise.all([backfill(table, bucket, late), project(late, tail)]);
          // What preview says too: the web-analytics schema gives client_timestamp no type; these clicks' timestamps read as text.
          const problems = first.err.filter((line) => !line.startsWith("warning: "));
          expect(problems, problems.join("\n")).to.deep.equal([]);
          expect(first.code).to.equal(0);
          expect(first.out.at(-1)).to.match(/^backfill from the archive: \d+ of \d+ objects read .* 0 parked; done$/);
          const expected = await contents(live);
          expect(await contents(late), `${name}: late, backfilled from the table and the archive`).to.deep.equal(expected);

          const again = await backfill(table, bucket, late);
          expect(again.code).to.equal(0);
          expect(await contents(late), `${name}: after a re-run`).to.deep.equal(expected);
          if (spec.kind === "aggregate")
            expect(again.out.at(-1)).to.match(/^backfill from the archive: 0 of (\d+) objects read \(\1 read by an earlier run\), 0 rows: .*0 projected/);
        }
      }),
      propertySettings(6),
    );
  });

  it("parks a row it cannot make a record, and an object that is not the archive's CSV, with the reason, and counts every good row", async () => {
    const table = await createDedupTable(dynamodb, "dedup-parking");
    const bucket = "archive-parking";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const hour = "processed/2026/11/26/09/";
    const rows = [csvRow(1, { Hits: 3 }, "INSERT", "2010"), "not-a-key,UPSERT,2026-11-26T09:00:00.000Z,2020\n", csvRow(2, { Hits: 4 }, "INSERT", "2030")];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${hour}clicks-a`, Body: rows.join("") }));
    // A compressed object under a key that does not end in .gz.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${hour}clicks-b`, Body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x0a]) }));
    const late = await projection("parking-late", HITS_PER_PAGE_PER_DAY);

    const run = await backfill(table, bucket, late);
    expect(run.code, run.err.join("\n")).to.equal(0);
    expect(run.out.at(-1)).to.equal(
      "backfill from the archive: 1 of 2 objects read (0 read by an earlier run), 3 rows: 0 of items still in the table, 2 projected, 0 already counted, 0 skipped, 2 parked; done",
    );
    expect(await contents(late)).to.deep.equal({ "p-1001|2026-11-26": { count: 1, hits: 3 }, "p-1002|2026-11-26": { count: 1, hits: 4 } });
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: "dead-letter", Prefix: `parked/archive/${hour}` }));
    const parked = await Promise.all(
      Contents.map(async ({ Key }) => [Key, JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: "dead-letter", Key }))).Body!.transformToString())]),
    );
    expect(Object.fromEntries(parked.map(([key, body]) => [key, { reason: body.reason, detail: body.detail }]))).to.deep.equal({
      [`parked/archive/${hour}clicks-a/row-2.json`]: { reason: "not-projectable", detail: 'change is "UPSERT", not INSERT, MODIFY or REMOVE' },
      [`parked/archive/${hour}clicks-b.json`]: {
        reason: "not-projectable",
        detail:
          "it cannot be read as the archive's CSV after 0 rows: it starts with GZIP's signature (1f 8b): a compressed object under a key that does not end in .gz, or one compressed twice",
      },
    });
  });
});
