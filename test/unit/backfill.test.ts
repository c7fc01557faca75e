import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import * as fc from "fast-check";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { archiveAttributes, neededAttributes, type ProjectionArchiveSettings } from "../../components/settings/projection-archive";
import { forwardDecision } from "../../functions/forward/core";
import { AttributeConverter } from "../../functions/ingest/attribute-values";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { itemLedgerKey } from "../../functions/project/item-state";
import { type AggregateSpec, type IndexSpec, type ProjectionSpec } from "../../functions/project/spec";
import { parseExactJson } from "../../functions/shared/exact-json";
import { createTransformer, FIXED_COLUMNS } from "../../functions/transform/core";
import { backfillRecord, rateLimiter } from "../../tools/backfill";
import { DEFAULT_ARCHIVE } from "../../tools/backfill-archive-args";
import { archiveRecord, type RowReading } from "../../tools/backfill-archive-row";
import { csvRow } from "../support/archive";
import { clickItem, streamRecord } from "../support/dynamodb-stream";
import { anyValue, isNumber, write } from "../support/json-values";
import { propertySettings } from "../support/property";
import { archiveOf, BACKFILL, backfillCommand, type BackfillArgs } from "../../tools/backfill-command";
import { readCommandLine } from "../../tools/cli-args";
import { runEntry } from "../support/command-line";

describe("backfill", () => {
  it("reads no faster than the rate limit over all workers, and waits only when ahead of it", async () => {
    let clock = 0;
    const waits: number[] = [];
    const take = rateLimiter(
      100,
      () => clock,
      async (ms) => void waits.push(ms),
    );
    // Four workers asking for pages of 50 at the same moment: at 100 items a second, one page every 0.5 s.
    await Promise.all([take(50), take(50), take(50), take(50)]);
    expect(waits).to.deep.equal([500, 1000, 1500]);
    // Once the clock has passed the turns owed, the next page goes at once.
    clock = 10_000;
    await take(50);
    expect(waits).to.have.length(3);
  });

  it("makes an item the INSERT the live stream would bring, whose ledger entry is the one every live change of the item has", () => {
    const item = { hash: { S: "12_shardId-000000000000" }, range: { S: "4964" }, page_id: { S: "p-1" } };
    const record = backfillRecord(item, ["hash", "range"], "arn:aws:dynamodb:eu-west-1:999999999999:table/dedup", 1_764_151_200_123);
    expect(record).to.deep.include({ eventName: "INSERT", eventID: 'backfill:[{"S":"12_shardId-000000000000"},{"S":"4964"}]' });
    expect(record.dynamodb).to.deep.equal({
      Keys: { hash: item.hash, range: item.range },
      NewImage: item,
      SequenceNumber: "0",
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ApproximateCreationDateTime: 1_764_151_200,
    });
    const live = {
      eventID: "shardId-1:49",
      eventName: "INSERT" as const,
      dynamodb: { Keys: { range: item.range, hash: item.hash }, NewImage: item, SequenceNumber: "4900" },
    };
    expect(itemLedgerKey(record)).to.equal('item:[["hash",{"S":"12_shardId-000000000000"}],["range",{"S":"4964"}]]');
    expect(itemLedgerKey(live)).to.equal(itemLedgerKey(record));
    expect(itemLedgerKey({ ...live, eventName: "MODIFY" })).to.equal(itemLedgerKey(record));
    expect(itemLedgerKey({ ...live, dynamodb: { ...live.dynamodb, Keys: {} } })).to.equal(undefined);
    // A binary key: the stream gives it as base64, a scan as bytes.
    const scanned = backfillRecord({ hash: { B: Uint8Array.from([0, 1, 255]) } }, ["hash"], "arn:aws:dynamodb:eu-west-1:999999999999:table/dedup", 0);
    expect(itemLedgerKey(scanned)).to.equal(itemLedgerKey({ eventName: "REMOVE", dynamodb: { Keys: { hash: { B: "AAH/" } } } }));
  });

  it("reads the projection from JSON or a file, and refuses one the projection code cannot use", () => {
    const base = ["--table", "t", "--target-table", "x", "--dead-letter-bucket", "b"];
    const args = readCommandLine(BACKFILL, [...base, "--projection", '{"kind":"index","hashKey":"useremail"}']);
    expect(args).to.deep.include({
      projection: { kind: "index", hashKey: "useremail" },
      "items-per-second": 200,
      segments: 4,
      "page-size": 100,
      "ledger-ttl-days": 7,
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), "backfill-")), "projection.json");
    writeFileSync(file, '{"kind":"aggregate","groupBy":["page_id"]}');
    expect(readCommandLine(BACKFILL, [...base, "--projection", file, "--ledger-table", "l"])).to.deep.include({
      projection: { kind: "aggregate", groupBy: ["page_id"] },
    });
    expect(() => readCommandLine(BACKFILL, [...base, "--projection", '{"kind":"sum"}'])).to.throw(/^--projection must be \{"kind": "aggregate"/);
    expect(() => readCommandLine(BACKFILL, [...base, "--projection", "no-such-file.json"])).to.throw(
      /^--projection must be the projection as JSON or a JSON file, got "no-such-file.json"/,
    );
  });
});

describe("npm run backfill's command line", function () {
  this.timeout(30_000);
  const required = ["--table", "t", "--projection", '{"kind":"index","hashKey":"useremail"}', "--target-table", "x", "--dead-letter-bucket", "b"];
  const refusal = async (argv: string[]) => {
    const err: string[] = [];
    const code = await backfillCommand(argv, { out() {}, err: (l) => err.push(l) });
    return { code, err };
  };

  it("answers --help at once: no AWS call, no child process, exit 0", () => {
    const result = runEntry("tools/backfill-cli.ts", ["--help"], { forbidSideEffects: true });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(
      /^npm run backfill -- --table <name> --projection <json\|file> --target-table <name> --dead-letter-bucket <name> \[options\]\n/,
    );
  });

  it("calls a negative number out of range, in one line that points to --help", async () => {
    expect(await refusal([...required, "--segments", "-2"])).to.deep.equal({
      code: 2,
      err: ['--segments takes a whole number from 1 to 1,000,000, got "-2"; see npm run backfill -- --help'],
    });
    expect(await refusal([...required, "--page-size", "1001", "--ledger-ttl-days", "0"])).to.deep.equal({
      code: 2,
      err: [
        '--page-size takes a whole number from 1 to 1,000, got "1001"; --ledger-ttl-days takes a whole number from 1 to 365, got "0"; see npm run backfill -- --help',
      ],
    });
  });

  it("refuses an endpoint that is not a URL", async () => {
    expect((await refusal([...required, "--endpoint-url", "localhost:8000"])).err).to.deep.equal([
      '--endpoint-url takes an http:// or https:// URL, got "localhost:8000"; see npm run backfill -- --help',
    ]);
  });
});

describe("backfill from the archive: rows as the stream records they were", () => {
  const DEDUP_KEYS = [
    { name: "seqNumbershardIdHash", type: "S" as const },
    { name: "sequenceNumber", type: "S" as const },
  ];
  const TABLE_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/dedup";
  const pages: AggregateSpec = {
    kind: "aggregate",
    groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
    sums: [{ name: "hits", attribute: "Hits" }],
  };
  const archive = DEFAULT_ARCHIVE;
  /** How rows of the default archive become records of a projection. */
  function reading(spec: ProjectionSpec, settings: ProjectionArchiveSettings = archive, changedAt: RowReading["changedAt"] = 1_764_200_000): RowReading {
    const held = archiveAttributes(settings);
    return {
      keys: DEDUP_KEYS,
      tableArn: TABLE_ARN,
      needed: neededAttributes(spec, held).map((attribute) => ({ attribute, held: held.get(attribute.name) })),
      changedAt,
      fieldCount: FIXED_COLUMNS.length + settings.columns.length,
    };
  }
  /** The fields of a CSV line, an unquoted NULL as undefined, as the backfill reads them. */
  const fieldsOf = (line: string) =>
    parseCsv(line, { relax_column_count: true, cast: (value, context) => (context.quoting || value !== "NULL" ? value : undefined) })[0] as (
      string | undefined
    )[];
  const row = (line: string, n = 1) => ({ object: "s3://archive/processed/2026/11/26/10/a.csv", row: n, fields: fieldsOf(line) });

  it("makes an INSERT row the INSERT the stream brought: the key from the dedup key, each attribute the projection reads typed as the item held it, the row's own sequence", () => {
    const outcome = archiveRecord(row(csvRow(7, { Hits: 12 }, "INSERT", "4100")), reading(pages));
    const item = clickItem(7);
    expect(outcome).to.deep.equal({
      dedupKey: `${item.seqNumbershardIdHash}|${item.sequenceNumber}`,
      record: {
        eventID: "archive-4100",
        eventName: "INSERT",
        eventSource: "aws:dynamodb",
        eventSourceARN: `${TABLE_ARN}/stream/archive`,
        dynamodb: {
          Keys: { seqNumbershardIdHash: { S: item.seqNumbershardIdHash }, sequenceNumber: { S: item.sequenceNumber } },
          NewImage: {
            seqNumbershardIdHash: { S: item.seqNumbershardIdHash },
            sequenceNumber: { S: item.sequenceNumber },
            page_id: { S: "p-1007" },
            client_timestamp: { S: "2026-11-26T10:00:01.250Z" },
            Hits: { N: "12" },
          },
          SequenceNumber: "4100",
          StreamViewType: "NEW_AND_OLD_IMAGES",
          ApproximateCreationDateTime: 1_764_200_000,
        },
      },
    });
    // Its ledger entry is the one the live stream's records of the item have.
    const live = streamRecord("MODIFY", item, "4200");
    expect(itemLedgerKey((outcome as { record: DynamoDBRecord }).record)).to.equal(itemLedgerKey(live));
  });

  it("makes a delete marker a REMOVE with the key alone, and dates an index's records by their change, an aggregate's by the backfill", () => {
    const marker = archiveRecord(row(csvRow(7, {}, "REMOVE", "4300")), reading(pages));
    expect((marker as { record: DynamoDBRecord }).record.dynamodb).to.deep.equal({
      Keys: { seqNumbershardIdHash: { S: clickItem(7).seqNumbershardIdHash }, sequenceNumber: { S: clickItem(7).sequenceNumber } },
      SequenceNumber: "4300",
      StreamViewType: "NEW_AND_OLD_IMAGES",
      ApproximateCreationDateTime: 1_764_200_000,
    });
    const index: IndexSpec = { kind: "index", hashKey: "page_id", rangeKey: "sequenceNumber", attributes: ["Hits"] };
    const put = archiveRecord(row(csvRow(7, {}, "INSERT", "4100")), reading(index, archive, "row"));
    // forward's changed_at: the stream record's ApproximateCreationDateTime.
    expect((put as { record: DynamoDBRecord }).record.dynamodb?.ApproximateCreationDateTime).to.equal(1_764_151_200);
    expect(Object.keys((put as { record: DynamoDBRecord }).record.dynamodb!.NewImage!)).to.deep.equal([
      "seqNumbershardIdHash",
      "sequenceNumber",
      "page_id",
      "Hits",
    ]);
  });

  it("parks a row it cannot make the record it was, saying why", () => {
    const good = fieldsOf(csvRow(7));
    const problem = (fields: (string | undefined)[], spec: ProjectionSpec = pages) =>
      (archiveRecord({ object: "o", row: 1, fields }, reading(spec)) as { problem: string }).problem;
    expect(problem(["k", "UPSERT", "", "1"])).to.equal('change is "UPSERT", not INSERT, MODIFY or REMOVE');
    expect(problem([good[0], "INSERT", "", "12a"])).to.equal('stream_sequence is "12a", not a stream sequence number');
    expect(problem(["no-separator", ...good.slice(1)])).to.equal('dedup_key "no-separator" is not the table\'s 2 key values joined by "|"');
    expect(problem([...good, "an extra field"])).to.equal("the row has 18 fields; the archive's rows have 4 to 17");
    // A row of an older schema version, without the column a projection reads.
    expect(problem(good.slice(0, 5), pages)).to.equal(
      "projection.groupBy client_timestamp_day reads client_timestamp, whose column client_timestamp this row lacks: it was written before schema version 1 added the column",
    );
    expect(problem(good, { kind: "aggregate", groupBy: ["country_code"] })).to.equal(
      "projection.groupBy country_code reads country_code, which no column of the archive holds",
    );
    const numberLike = fieldsOf(csvRow(7, { client_timestamp: "20261126" }));
    expect(problem(numberLike)).to.equal(
      'projection.groupBy client_timestamp_day reads client_timestamp: column client_timestamp holds "20261126", which the item held as a string or as a number: the archive\'s schema gives item.client_timestamp no type',
    );
  });

  it("gives back every value exactly as the item held it, or parks its row naming the column: never another value (fast-check)", () => {
    const kinds = ["untyped TEXT", "typed TEXT", "JSON"] as const;
    let rebuilt = 0;
    fc.assert(
      fc.property(anyValue(), fc.constantFrom(...kinds), (written, kind) => {
        const jsonType =
          written === null
            ? undefined
            : typeof written === "string"
              ? "string"
              : typeof written === "boolean"
                ? "boolean"
                : isNumber(written)
                  ? "number"
                  : undefined;
        if (kind === "typed TEXT" && !jsonType) return;
        const settings: ProjectionArchiveSettings = {
          schema: { type: "object", properties: kind === "typed TEXT" ? { x: { type: jsonType } } : {} },
          columns: [{ name: "x", path: "x" }],
          columnTypes: kind === "JSON" ? { x: "JSON" } : {},
        };
        // The item as the ingest function writes it from the payload, and its change through forward and the transform.
        const parsed = parseExactJson(`{"x":${write(written)}}`) as { ok: true; value: Record<string, unknown> };
        const x = new AttributeConverter(false).attribute("x", parsed.value.x) as unknown as AttributeValue;
        const keys = {
          seqNumbershardIdHash: { S: "50_shardId-000000000000" },
          sequenceNumber: { S: "49600000000000000000000000000000000000000000000000000500" },
        };
        const stream: DynamoDBRecord = {
          eventName: "INSERT",
          dynamodb: { Keys: keys, NewImage: { ...keys, x }, SequenceNumber: "4100", ApproximateCreationDateTime: 1_764_151_200 },
        };
        const decision = forwardDecision(stream, { keyAttributes: DEDUP_KEYS.map((k) => k.name), removeMode: "marker" });
        const line = decision.kind === "send" ? createTransformer(settings.schema, settings.columns, settings.columnTypes)(decision.data) : undefined;
        if (!line?.ok) return;
        const outcome = archiveRecord(row(line.line), reading({ kind: "aggregate", groupBy: ["x"] }, settings));
        if ("problem" in outcome) return void expect(outcome.problem).to.match(/^projection\.groupBy x reads x: column x holds /);
        rebuilt += 1;
        const image = outcome.record.dynamodb!.NewImage!;
        // A null is NULL in a text column, which an absent value is too: the attribute is left out. A JSON column holds the JSON null.
        if (written === null && kind !== "JSON") expect(image).to.not.have.property("x");
        else expect(JSON.stringify(image.x)).to.equal(JSON.stringify(x));
      }),
      propertySettings(300),
    );
    expect(rebuilt).to.be.greaterThan(100);
  });

  it("reads the archive's settings from the transform function's environment, and its schema history, refusing what does not match", () => {
    const base = ["--table", "t", "--target-table", "x", "--dead-letter-bucket", "b", "--projection", '{"kind":"index","hashKey":"page_id"}'];
    const read = (argv: string[]) => archiveOf(readCommandLine(BACKFILL, [...base, ...argv]) as BackfillArgs);
    const environment = {
      SCHEMA: JSON.stringify(WEB_ANALYTICS_SCHEMA),
      COLUMNS: JSON.stringify(WEB_ANALYTICS_COLUMNS),
      COLUMN_TYPES: "{}",
      POWERTOOLS_SERVICE_NAME: "transform",
    };
    expect(read(["--archive-bucket", "archive", "--archive-settings", JSON.stringify(environment), "--from", "2026-11-01T00"])).to.deep.equal({
      bucket: "archive",
      settings: { schema: WEB_ANALYTICS_SCHEMA, columns: WEB_ANALYTICS_COLUMNS, columnTypes: {} },
      from: "2026-11-01T00",
      to: undefined,
    });
    expect(read(["--archive-bucket", "archive"])).to.deep.equal({ bucket: "archive", settings: DEFAULT_ARCHIVE, from: undefined, to: undefined });
    expect(read([])).to.equal(undefined);
    expect(() => read(["--from", "2026-11-01T00", "--schema-history", "[]"])).to.throw(/^--schema-history must hold the stack output archiveSchemaHistory/);
    expect(() => read(["--from", "2026-11-01T00"])).to.throw(/^--from is for the archive pass: give --archive-bucket too$/);
    expect(() => read(["--archive-bucket", "a", "--from", "2026-11-02T00", "--to", "2026-11-01T23"])).to.throw(
      /^--from 2026-11-02T00 is after --to 2026-11-01T23$/,
    );
    expect(() => read(["--archive-bucket", "a", "--to", "2026-11-01"])).to.throw(/^--to takes an hour of the calendar as YYYY-MM-DDTHH/);
    expect(() => read(["--archive-bucket", "a", "--archive-settings", '{"SCHEMA": "{}", "COLUMNS": "[]"}'])).to.throw(
      /^--archive-settings must be the transform function's environment, .*: COLUMNS is not a list of \{name, path\}/,
    );
    const history = JSON.stringify([{ version: 1, columns: ["page_id"], columnTypes: {} }]);
    expect(() => read(["--archive-bucket", "a", "--schema-history", history])).to.throw(
      /^--schema-history ends with the columns page_id, but the archive's are page_id, hits, event/,
    );
  });
});
