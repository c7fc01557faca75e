import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { type AggregateSpec } from "../../functions/project/spec";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type Engine } from "../../engines";
import { createDedupTable, createTable } from "../../engines/tables";
import { backfillCommand } from "../../tools/backfill-command";
import { clickItem, DEDUP_KEYS } from "../support/dynamodb-stream";

const HITS_PER_PAGE_PER_DAY: AggregateSpec = {
  kind: "aggregate",
  groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
  sums: [{ name: "hits", attribute: "Hits" }],
};
const ITEMS = 300;

/** Click n on one of 7 pages over 3 days, as the ingest function leaves it in the dedup table. */
const item = (n: number) =>
  marshall(clickItem(n, { page_id: `p-${n % 7}`, Hits: 1 + (n % 9), client_timestamp: `2026-11-${24 + (n % 3)}T10:00:00.000Z` }), {
    removeUndefinedValues: true,
  });

/** The table stream's INSERT for click n, as Lambda delivers it: its key, its new image, an eventID of its own. */
function insert(n: number): DynamoDBRecord {
  const image = item(n) as unknown as Record<string, AttributeValue>;
  return {
    eventID: `stream-event-${n}`,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    eventSourceARN: "arn:aws:dynamodb:eu-west-1:000000000000:table/dedup/stream/2026-01-01T00:00:00.000",
    dynamodb: {
      Keys: Object.fromEntries(DEDUP_KEYS.map((k) => [k, image[k]])),
      NewImage: image,
      SequenceNumber: String(200_000_000_000 + n),
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ApproximateCreationDateTime: 1764151200,
    },
  };
}

describe("npm run backfill on DynamoDB Local: a projection added late", function () {
  this.timeout(180_000);
  let engine: Engine;
  let dynamodb: DynamoDBClient;
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9" });
  let table: string;
  let projections = 0;

  before(async () => {
    engine = await startDynamoDbLocal();
    dynamodb = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    table = await createDedupTable(dynamodb, "dedup");
    for (let n = 1; n <= ITEMS; n += 25) {
      const requests = Array.from({ length: Math.min(25, ITEMS - n + 1) }, (_, i) => ({ PutRequest: { Item: item(n + i) } }));
      await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
    }
  });

  after(async () => {
    dynamodb?.destroy();
    s3.destroy();
    await engine?.stop();
  });

  async function projection(): Promise<ProjectDependencies> {
    const n = ++projections;
    const target = await createTable(dynamodb, `hits-${n}`, ["group", "S"]);
    const ledger = await createTable(dynamodb, `ledger-${n}`, ["eventId", "S"]);
    return {
      dynamodb,
      s3,
      deadLetterBucket: "unused",
      spec: HITS_PER_PAGE_PER_DAY,
      tables: { target, ledger, ledgerTtlDays: 7, countedEntriesExpire: false },
      retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50 },
      log: { info() {}, warn() {} },
    };
  }
  /** The live projection: the stream's records from click `from` to `to`, in batches of 40 as a mapping would send them. */
  async function live(deps: ProjectDependencies, from: number, to: number) {
    for (let n = from; n <= to; n += 40) {
      const outcome = await projectBatch({ Records: Array.from({ length: Math.min(40, to - n + 1) }, (_, i) => insert(n + i)) }, deps);
      expect(outcome.batchItemFailures).to.deep.equal([]);
    }
  }
  async function aggregates(target: string): Promise<Record<string, { count: number; hits: number }>> {
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: target }));
    return Object.fromEntries(Items.map((i) => unmarshall(i)).map((a) => [a.group, { count: a.count, hits: a.hits }]));
  }
  const backfill = async (deps: ProjectDependencies, ...flags: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await backfillCommand(
      [
        "--table",
        table,
        "--projection",
        JSON.stringify(deps.spec),
        "--target-table",
        deps.tables.target,
        "--ledger-table",
        deps.tables.ledger,
        "--dead-letter-bucket",
        "unused",
        "--endpoint-url",
        engine.endpoint,
        "--region",
        LOCAL_REGION,
        ...flags,
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    return { code, out, err };
  };

  it("gives the aggregate a projection that saw the whole stream live has, while the live stream goes on, and again when run twice", async () => {
    const wholeStream = await projection();
    await live(wholeStream, 1, ITEMS);
    const expected = await aggregates(wholeStream.tables.target);
    expect(Object.values(expected).reduce((sum, a) => sum + a.count, 0)).to.equal(ITEMS);

    // A projection deployed when click 181 arrived: its mapping starts at the stream's trim horizon, 60 clicks back, and goes on while the backfill runs.
    const late = await projection();
    const [run] = await Promise.all([backfill(late, "--segments", "3", "--page-size", "25", "--items-per-second", "5000"), live(late, 121, ITEMS)]);
    expect(run.err, run.err.join("\n")).to.deep.equal([]);
    expect(run.code).to.equal(0);
    expect(run.out.at(-1)).to.match(/^backfill: 300 items read, \d+ projected, \d+ already counted, 0 skipped, 0 parked; done$/);
    const projected = Number(/(\d+) projected/.exec(run.out.at(-1)!)![1]);
    const counted = Number(/(\d+) already counted/.exec(run.out.at(-1)!)![1]);
    expect(projected + counted).to.equal(ITEMS);
    expect(await aggregates(late.tables.target)).to.deep.equal(expected);

    const again = await backfill(late, "--items-per-second", "5000");
    expect(again.out.at(-1)).to.equal("backfill: 300 items read, 0 projected, 300 already counted, 0 skipped, 0 parked; done");
    expect(await aggregates(late.tables.target)).to.deep.equal(expected);
  });

  it("counts each item once when the live stream brings it after the backfill did", async () => {
    const wholeStream = await projection();
    await live(wholeStream, 1, ITEMS);
    const late = await projection();
    expect((await backfill(late, "--items-per-second", "5000")).code).to.equal(0);
    await live(late, 121, ITEMS);
    expect(await aggregates(late.tables.target)).to.deep.equal(await aggregates(wholeStream.tables.target));
  });

  it("says what is wrong with its arguments, exit status 2", async () => {
    const err: string[] = [];
    const code = await backfillCommand(
      ["--table", "t", "--projection", '{"kind":"aggregate","groupBy":["a"]}', "--target-table", "x", "--items-per-second", "0"],
      { out() {}, err: (l) => err.push(l) },
    );
    expect(code).to.equal(2);
    expect(err[0]).to.equal(
      '--dead-letter-bucket is required; --items-per-second takes a whole number from 1 to 1,000,000, got "0"; --ledger-table is required for an aggregate: its ledger keeps each item counted once; see npm run backfill -- --help',
    );
  });
});
