import { DynamoDBClient, GetItemCommand, ScanCommand, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { expect } from "chai";
import { projectBatch, type ProjectDependencies } from "../../functions/project/project-batch";
import { type AggregateSpec, type IndexSpec, type ProjectionSpec } from "../../functions/project/spec";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type Engine } from "../../engines";
import { createTable } from "../../engines/tables";

const HITS_PER_PAGE_PER_DAY: AggregateSpec = {
  kind: "aggregate",
  groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
  sums: [{ name: "hits", attribute: "Hits" }],
};
const BY_USER: IndexSpec = { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" };

type Image = Record<string, AttributeValue>;
const click = (n: number, page: string, hits: number, day = "26"): Image => ({
  seqNumbershardIdHash: { S: `${String(n).padStart(2, "0")}_shardId-000000000000` },
  sequenceNumber: { S: `4964879841111116976520153432267684134824699035${String(n).padStart(10, "0")}` },
  useremail: { S: `user${n % 3}@example.com` },
  nanotimestamp: { S: `17641512${String(n).padStart(11, "0")}` },
  page_id: { S: page },
  Hits: { N: String(hits) },
  client_timestamp: { S: `2026-11-${day}T10:00:00.000Z` },
});

/** The consumer table's key (the dedup key) of the item an image is of. */
const keyOf = ({ seqNumbershardIdHash, sequenceNumber }: Image): Image => ({ seqNumbershardIdHash, sequenceNumber });

let sequence = 1_000;
function change(eventName: "INSERT" | "MODIFY" | "REMOVE", images: { NewImage?: Image; OldImage?: Image }): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventSource: "aws:dynamodb",
    eventSourceARN: "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026-01-01T00:00:00.000",
    dynamodb: {
      ApproximateCreationDateTime: 1764151200,
      SequenceNumber: String(100_000_000_000 + sequence),
      StreamViewType: "NEW_AND_OLD_IMAGES",
      Keys: keyOf((images.NewImage ?? images.OldImage)!),
      ...images,
    },
  };
}

/** 20 clicks on 3 pages over 2 days, then changes: hits raised, a click moved to another page, two removed. */
function clickHistory(): DynamoDBStreamEvent {
  const records: DynamoDBRecord[] = [];
  const images = Array.from({ length: 20 }, (_, n) => click(n, `p-${n % 3}`, 1 + (n % 4), n < 12 ? "26" : "27"));
  for (const image of images) records.push(change("INSERT", { NewImage: image }));
  records.push(change("MODIFY", { OldImage: images[0], NewImage: { ...images[0], Hits: { N: "10" } } }));
  records.push(change("MODIFY", { OldImage: images[1], NewImage: { ...images[1], page_id: { S: "p-0" } } }));
  records.push(change("REMOVE", { OldImage: images[2] }));
  records.push(change("REMOVE", { OldImage: images[19] }));
  return { Records: records };
}

/** The aggregates as they must be, computed from scratch from the final items. */
function expectedAggregates(): Record<string, { count: number; hits: number }> {
  const finals = Array.from({ length: 20 }, (_, n) => ({ page: `p-${n % 3}`, hits: 1 + (n % 4), day: n < 12 ? "26" : "27" }));
  finals[0].hits = 10;
  finals[1].page = "p-0";
  const expected: Record<string, { count: number; hits: number }> = {};
  finals.forEach((f, n) => {
    if (n === 2 || n === 19) return;
    const group = `${f.page}|2026-11-${f.day}`;
    expected[group] ??= { count: 0, hits: 0 };
    expected[group].count += 1;
    expected[group].hits += f.hits;
  });
  return expected;
}

describe("projections on DynamoDB Local", function () {
  this.timeout(120_000);
  let engine: Engine;
  let config: DynamoDBClientConfig;
  let dynamodb: DynamoDBClient;
  let tables = 0;
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9" });

  before(async () => {
    engine = await startDynamoDbLocal();
    config = { endpoint: engine.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient(config);
  });

  after(async () => {
    dynamodb?.destroy();
    s3.destroy();
    await engine?.stop();
  });

  async function deps(spec: ProjectionSpec, client: Pick<DynamoDBClient, "send"> = dynamodb): Promise<ProjectDependencies> {
    const n = ++tables;
    const target =
      spec.kind === "index"
        ? await createTable(dynamodb, `by-user-${n}`, ["useremail", "S"], ["nanotimestamp", "S"])
        : await createTable(dynamodb, `hits-${n}`, ["group", "S"]);
    const ledger = spec.kind === "aggregate" ? await createTable(dynamodb, `ledger-${n}`, ["eventId", "S"]) : "";
    return {
      dynamodb: client,
      s3,
      deadLetterBucket: "unused",
      spec,
      tables: { target, ledger, ledgerTtlDays: 7, countedEntriesExpire: false },
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      log: { info() {}, warn() {} },
    };
  }

  async function aggregates(table: string): Promise<Record<string, { count: number; hits: number }>> {
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
    return Object.fromEntries(
      Items.map((item) => unmarshall(item))
        .filter((a) => a.count !== 0)
        .map((a) => [a.group, { count: a.count, hits: a.hits }]),
    );
  }

  it("keeps every aggregate exact through INSERT, MODIFY and REMOVE", async () => {
    const d = await deps(HITS_PER_PAGE_PER_DAY);
    const outcome = await projectBatch(clickHistory(), d);
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(await aggregates(d.tables.target)).to.deep.equal(expectedAggregates());
  });

  it("leaves every aggregate exact when the same batch is applied twice", async () => {
    const d = await deps(HITS_PER_PAGE_PER_DAY);
    const batch = clickHistory();
    await projectBatch(batch, d);
    const again = await projectBatch(batch, d);
    expect(again.counts).to.include({ written: 0, replayed: 24 });
    expect(await aggregates(d.tables.target)).to.deep.equal(expectedAggregates());
  });

  it("leaves every aggregate exact when a batch crashes halfway and Lambda retries it from the failed record", async () => {
    const real = new DynamoDBClient(config);
    let transactions = 0;
    const crashing: Pick<DynamoDBClient, "send"> = {
      send: ((command: Parameters<DynamoDBClient["send"]>[0]) => {
        if (command.constructor.name === "TransactWriteItemsCommand" && ++transactions === 11) {
          return Promise.reject(Object.assign(new Error("connection reset"), { name: "TimeoutError" }));
        }
        return real.send(command as never);
      }) as DynamoDBClient["send"],
    };
    const d = await deps(HITS_PER_PAGE_PER_DAY, crashing);
    // Records without keys are applied one transaction each, so the eleventh falls halfway through the batch.
    const batch = clickHistory();
    for (const r of batch.Records) delete r.dynamodb!.Keys;
    const first = await projectBatch(batch, d);
    expect(first.batchItemFailures).to.have.length(1);
    expect(first.counts.written).to.equal(10);

    // Lambda resends the batch from the failed record; bisecting or a full resend would replay the first ten as well.
    const failedAt = batch.Records.findIndex((r) => r.dynamodb?.SequenceNumber === first.batchItemFailures[0].itemIdentifier);
    const resumed = await projectBatch({ Records: batch.Records.slice(failedAt) }, { ...d, dynamodb: real });
    expect(resumed.batchItemFailures).to.deep.equal([]);
    const full = await projectBatch(batch, { ...d, dynamodb: real });
    expect(full.counts.written).to.equal(0);
    expect(await aggregates(d.tables.target)).to.deep.equal(expectedAggregates());
    real.destroy();
  });

  it("keeps the per-user index at the newest change, whatever order replays arrive in", async () => {
    const d = await deps(BY_USER);
    const original = click(7, "p-1", 1);
    const insert = change("INSERT", { NewImage: original });
    const modify = change("MODIFY", { OldImage: original, NewImage: { ...original, Hits: { N: "9" } } });
    await projectBatch({ Records: [insert, modify] }, d);
    const replay = await projectBatch({ Records: [insert] }, d);
    expect(replay.counts).to.include({ replayed: 1, written: 0 });
    const key = { useremail: { S: original.useremail.S! }, nanotimestamp: { S: original.nanotimestamp.S! } };
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: d.tables.target, Key: key }));
    expect(unmarshall(Item!)).to.include({ Hits: 9, page_id: "p-1" });

    await projectBatch({ Records: [change("REMOVE", { OldImage: { ...original, Hits: { N: "9" } } })] }, d);
    expect((await dynamodb.send(new GetItemCommand({ TableName: d.tables.target, Key: key }))).Item).to.equal(undefined);
  });

  it("parks a record whose timestamp no Date holds, or whose sum would pass 38 digits, and projects the rest of its batch (Why: retried forever, blocking the shard)", async () => {
    const parked: string[] = [];
    const bucket = {
      send: async (command: { input: { Body: string } }) => (parked.push(JSON.parse(command.input.Body).detail), {}),
    } as unknown as ProjectDependencies["s3"];
    const d = { ...(await deps(HITS_PER_PAGE_PER_DAY)), s3: bucket };
    const at = (n: number, hits: string, when: AttributeValue) => ({ ...click(n, "p-9", 1), Hits: { N: hits }, client_timestamp: when });
    const day = { S: "2026-11-26T10:00:00.000Z" };
    const batch = [
      change("INSERT", { NewImage: at(30, "1", day) }),
      change("INSERT", { NewImage: at(31, "1", { N: "1e20" }) }),
      change("INSERT", { NewImage: at(32, "99999999999999999999999999999999999999", day) }),
      change("INSERT", { NewImage: at(33, "0.5", day) }),
      change("INSERT", { NewImage: at(34, "1", { S: "not a time" }) }),
      change("INSERT", { NewImage: at(35, "-1", day) }),
    ];
    const outcome = await projectBatch({ Records: batch }, d);
    expect(outcome.batchItemFailures).to.deep.equal([]);
    expect(outcome.counts).to.include({ written: 3, parked: 3 });
    expect(parked[0]).to.equal('client_timestamp = "1e20" is not a time between the years -271821 and 275760');
    expect(parked[1]).to.match(/^rejected by DynamoDB: /);
    expect(parked[2]).to.equal('client_timestamp = "not a time" is not a time between the years -271821 and 275760');
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: d.tables.target }));
    expect(Items.map((item) => [item.group.S, item.count.N, item.hits.N])).to.deep.equal([["p-9|2026-11-26", "3", "99999999999999999999999999999999999999"]]);
  });
});
