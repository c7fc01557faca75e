import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import * as fc from "fast-check";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type Engine } from "../../engines";
import { createTable } from "../../engines/tables";
import { backfillRecord } from "../../tools/backfill";
import { backfillCommand } from "../../tools/backfill-command";
import { aggregatesIn, changeArbitrary, expectedAggregates, History, HITS_PER_PAGE, image, type ItemState } from "../support/projection-history";
import { propertySettings } from "../support/property";

const ITEMS = 4;
const PAGES = 3;

/** What happens next while a projection added late catches up: the table changes, the live mapping projects, the backfill's scan reads an item, or it projects the page it read. */
type Step = { kind: "change" } | { kind: "live"; records: number } | { kind: "scan"; item: number } | { kind: "flush" };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant<Step>({ kind: "change" }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 4 }).map((records): Step => ({ kind: "live", records })), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: ITEMS - 1 }).map((item): Step => ({ kind: "scan", item })), weight: 1 },
  { arbitrary: fc.constant<Step>({ kind: "flush" }), weight: 1 },
);

const storyArbitrary = fc.record({
  /** Changes older than the stream's 24 hours: only the backfill's scan can see what they left. */
  before: fc.array(changeArbitrary(ITEMS, PAGES), { maxLength: 12, size: "max" }),
  /** Changes the late projection's mapping reads from the trim horizon on. */
  during: fc.array(changeArbitrary(ITEMS, PAGES), { minLength: 1, maxLength: 20, size: "max" }),
  steps: fc.array(stepArbitrary, { maxLength: 60, size: "max" }),
  liveBatch: fc.integer({ min: 1, max: 10 }),
});

describe("a projection added late and backfilled equals the same projection run live from the start (Why: 16 of 21 groups differed once MODIFY and REMOVE changes ran during the backfill)", function () {
  this.timeout(600_000);
  let engine: Engine;
  let dynamodb: DynamoDBClient;
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9" });
  let late: ProjectDependencies;
  let live: ProjectDependencies;

  before(async () => {
    engine = await startDynamoDbLocal();
    dynamodb = new DynamoDBClient({ endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    const projection = async (name: string): Promise<ProjectDependencies> => ({
      dynamodb,
      s3,
      deadLetterBucket: "unused",
      spec: HITS_PER_PAGE,
      tables: {
        target: await createTable(dynamodb, `${name}-hits`, ["group", "S"]),
        ledger: await createTable(dynamodb, `${name}-ledger`, ["eventId", "S"]),
        ledgerTtlDays: 7,
        countedEntriesExpire: false,
      },
      retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50 },
      log: { info() {}, warn() {} },
    });
    late = await projection("late");
    live = await projection("live");
  });

  after(async () => {
    dynamodb?.destroy();
    s3.destroy();
    await engine?.stop();
  });

  async function project(deps: ProjectDependencies, records: DynamoDBRecord[]): Promise<void> {
    if (records.length === 0) return;
    const outcome = await projectBatch({ Records: records }, deps);
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(outcome.counts.parked).to.equal(0);
  }

  it("whatever changes the table makes while the backfill scans, and whenever the scan reads each item", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(storyArbitrary, async ({ before, during, steps, liveBatch }) => {
        const prefix = `r${++run}-`;
        const history = new History(prefix);
        for (const change of before) history.apply(change);
        const windowStart = history.records.length;
        const changes = [...during];
        let projected = windowStart;
        const scanned = new Set<number>();
        let page: DynamoDBRecord[] = [];
        const step = async (next: Step) => {
          if (next.kind === "change" && changes.length > 0) history.apply(changes.shift()!);
          if (next.kind === "live") {
            const to = Math.min(history.records.length, projected + next.records);
            await project(late, history.records.slice(projected, to));
            projected = to;
          }
          if (next.kind === "scan" && !scanned.has(next.item)) {
            scanned.add(next.item);
            const state = history.states.get(next.item);
            // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
            if (state)
              page.push(backfillRecord(image(prefix, next.item, state) as never, ["id"], "arn:aws:dynamodb:eu-west-1:999999999999:table/source", Date.now()));
          }
          if (next.kind === "flush") {
            await project(late, page);
            page = [];
          }
        };
        for (const next of steps) await step(next);
        // The run ends: the table stops changing, the scan reads what it has not read yet, the mapping catches up.
        while (changes.length > 0) await step({ kind: "change" });
        for (let item = 0; item < ITEMS; item++) await step({ kind: "scan", item });
        await step({ kind: "flush" });
        await step({ kind: "live", records: history.records.length });

        for (let from = 0; from < history.records.length; from += liveBatch) await project(live, history.records.slice(from, from + liveBatch));
        const expected = expectedAggregates(prefix, history.states);
        expect(await aggregatesIn(dynamodb, live.tables.target, prefix), "live from the start").to.deep.equal(expected);
        expect(await aggregatesIn(dynamodb, late.tables.target, prefix), "late, backfilled").to.deep.equal(expected);
      }),
      propertySettings(40),
    );
  });

  it("with npm run backfill's own parallel scan running while the live stream brings MODIFY and REMOVE changes", async () => {
    const source = await createTable(dynamodb, "late-source", ["id", "S"]);
    const history = new History("real-");
    const write = async (change: { item: number; next: ItemState | undefined }) => {
      const record = history.apply(change);
      if (!record) return undefined;
      const key = { id: { S: `real-i${change.item}` } };
      // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
      if (change.next) await dynamodb.send(new PutItemCommand({ TableName: source, Item: image("real-", change.item, change.next) as never }));
      else await dynamodb.send(new DeleteItemCommand({ TableName: source, Key: key }));
      return record;
    };
    const [before, during] = fc.sample(
      fc.tuple(fc.array(changeArbitrary(80, 7), { minLength: 150, maxLength: 150 }), fc.array(changeArbitrary(80, 7), { minLength: 200, maxLength: 200 })),
      { seed: 27, numRuns: 1 },
    )[0];
    for (const change of before) await write(change);
    const windowStart = history.records.length;

    const backfill = backfillCommand(
      [
        "--table",
        source,
        "--projection",
        JSON.stringify(HITS_PER_PAGE),
        "--target-table",
        late.tables.target,
        "--ledger-table",
        late.tables.ledger,
        "--dead-letter-bucket",
        "unused",
        "--endpoint-url",
        engine.endpoint,
        "--region",
        LOCAL_REGION,
        "--segments",
        "3",
        "--page-size",
        "5",
        "--items-per-second",
        "300",
      ],
      { out() {}, err: (line) => expect.fail(line) },
    );
    let projected = windowStart;
    for (const [i, change] of during.entries()) {
      await write(change);
      if (i % 4 === 3) {
        await project(late, history.records.slice(projected));
        projected = history.records.length;
      }
    }
    expect(await backfill).to.equal(0);
    await project(late, history.records.slice(projected));

    for (let from = 0; from < history.records.length; from += 25) await project(live, history.records.slice(from, from + 25));
    const expected = expectedAggregates("real-", history.states);
    expect(Object.keys(expected).length).to.be.greaterThan(4);
    expect(await aggregatesIn(dynamodb, live.tables.target, "real-"), "live from the start").to.deep.equal(expected);
    expect(await aggregatesIn(dynamodb, late.tables.target, "real-"), "late, backfilled").to.deep.equal(expected);
  });
});
