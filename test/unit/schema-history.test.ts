import { expect } from "chai";
import { AuroraLoader } from "../../components/aurora-loader";
import { FirehoseArchive } from "../../components/firehose-archive";
import { nextSchema, typeChange, type ArchiveSchemaVersion } from "../../components/internal/schema-history";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { parseSqlType, type SqlType } from "../../functions/shared/sql-columns";
import { MockCloud } from "../harness/mock-cloud";
import { up } from "../support/stacks";

const TABLE_STREAM_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3/stream/2026-01-01T00:00:00.000";
const type = (name: string) => parseSqlType(name) as SqlType;
const V1: ArchiveSchemaVersion = { version: 1, columns: ["page_id", "hits", "country"], columnTypes: { hits: "INT", country: "VARCHAR(2)" } };

describe("schema history: what a change of the archive's columns becomes", () => {
  it("is version 1 at the first deployment, and stays the deployed version while nothing changes", () => {
    expect(nextSchema(undefined, V1.columns, V1.columnTypes)).to.deep.equal({ history: [V1], version: 1, problems: [] });
    expect(nextSchema([V1], [...V1.columns], { ...V1.columnTypes })).to.deep.equal({ history: [V1], version: 1, problems: [] });
  });

  it("makes columns added at the end, or a VARCHAR widened in place, the next version", () => {
    const added = nextSchema([V1], [...V1.columns, "referrer"], { ...V1.columnTypes, referrer: "VARCHAR(200)" });
    expect(added.problems).to.deep.equal([]);
    expect(added.version).to.equal(2);
    expect(added.history[1]).to.deep.equal({
      version: 2,
      columns: ["page_id", "hits", "country", "referrer"],
      columnTypes: { hits: "INT", country: "VARCHAR(2)", referrer: "VARCHAR(200)" },
    });
    const widened = nextSchema(added.history, added.history[1].columns, { ...added.history[1].columnTypes, country: "VARCHAR(3)" });
    expect(widened).to.include({ version: 3 });
    expect(widened.problems).to.deep.equal([]);
  });

  it("refuses a column removed or renamed, naming it and saying what to do instead", () => {
    const removed = nextSchema([V1], ["page_id", "hits"], V1.columnTypes);
    expect(removed.problems).to.deep.equal([
      "column country was removed: objects written since version 1 hold it and MySQL keeps it, so columns cannot be removed or renamed. Keep country (a path that no longer matches anything leaves it NULL) and add new columns at the end",
    ]);
    expect(removed.version).to.equal(1);
    expect(removed.history).to.deep.equal([V1]);
    expect(nextSchema([V1], ["page_id", "hits", "nation"], { hits: "INT", nation: "VARCHAR(2)" }).problems[0]).to.match(
      /^column country was removed \(renamed to nation\?\)/,
    );
  });

  it("refuses columns that changed places", () => {
    expect(nextSchema([V1], ["hits", "page_id", "country"], V1.columnTypes).problems).to.deep.equal([
      "columns page_id, hits changed places: every column keeps its place in the row, as objects already written have it there; add new columns at the end",
    ]);
  });

  it("refuses a type that would lose data, and one MySQL would change by copying the table", () => {
    const problems = nextSchema([V1], V1.columns, { hits: "SMALLINT", country: "VARCHAR(100)" }).problems;
    expect(problems).to.deep.equal([
      "column hits: changing its type from INT to SMALLINT would lose data, as SMALLINT cannot hold every value INT holds; add a column of the new type at the end instead",
      "column country: changing its type from VARCHAR(2) to VARCHAR(100) loses nothing, but MySQL would copy the whole table to do it, blocking every load until it is done (a VARCHAR stays in place within 1 to 63 or within 64 to 16383 characters); add a column of the new type at the end instead",
    ]);
  });

  it("refuses a history that is not a component's schemaHistory output", () => {
    expect(nextSchema([{ version: 2, columns: ["a"], columnTypes: {} }], ["a"], {}).problems[0]).to.match(
      /^schemaHistory\[0\] must be \{version: 1, columns: \[names\], columnTypes: \{…\}\}/,
    );
  });

  it("knows which type changes keep every value", () => {
    const cases: [string, string, ReturnType<typeof typeChange>][] = [
      ["INT", "INT", "same"],
      ["INT", "BIGINT", "copy"],
      ["BIGINT", "INT", "lossy"],
      ["INT", "DECIMAL(10,0)", "copy"],
      ["INT", "DECIMAL(9,0)", "lossy"],
      ["DECIMAL(6,2)", "DECIMAL(8,3)", "copy"],
      ["DECIMAL(6,2)", "DECIMAL(6,1)", "lossy"],
      ["VARCHAR(10)", "VARCHAR(63)", "in-place"],
      ["VARCHAR(63)", "VARCHAR(64)", "copy"],
      ["VARCHAR(64)", "VARCHAR(500)", "in-place"],
      ["VARCHAR(64)", "VARCHAR(10)", "lossy"],
      ["VARCHAR(100)", "TEXT", "copy"],
      ["TEXT", "VARCHAR(100)", "lossy"],
      ["DATETIME(3)", "DATETIME", "lossy"],
      ["DATETIME", "DATETIME(3)", "copy"],
      ["INT", "TEXT", "lossy"],
    ];
    for (const [from, to, expected] of cases) expect(typeChange(type(from), type(to)), `${from} → ${to}`).to.equal(expected);
  });
});

describe("schema history in the components", () => {
  before(() => new MockCloud().install());
  const deployed: ArchiveSchemaVersion = { version: 1, columns: WEB_ANALYTICS_COLUMNS.map((c) => c.name), columnTypes: WEB_ANALYTICS_COLUMN_TYPES };
  const v2Args = {
    tableStreamArn: TABLE_STREAM_ARN,
    schema: { ...WEB_ANALYTICS_SCHEMA, properties: { ...WEB_ANALYTICS_SCHEMA.properties, referrer: { type: "string", maxLength: 200 } } },
    columns: [...WEB_ANALYTICS_COLUMNS, { name: "referrer", path: "referrer" }],
    columnTypes: { ...WEB_ANALYTICS_COLUMN_TYPES, referrer: "VARCHAR(200)" },
  };

  it("FirehoseArchive writes a new version's objects under processed/v<n>/ and exports the history with it", async () => {
    const cloud = new MockCloud();
    await cloud.install();
    const archive = new FirehoseArchive("clicks", { ...v2Args, schemaHistory: [deployed] });
    await cloud.settle();
    expect(cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs.extendedS3Configuration.prefix).to.equal(
      "processed/v2/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/",
    );
    expect(archive.schemaVersion).to.equal(2);
    expect(archive.schemaHistory.map((v) => v.columns.length)).to.deep.equal([deployed.columns.length, deployed.columns.length + 1]);
  });

  it("FirehoseArchive fails at preview on a column removed since the deployed version", () => {
    const deployedV2: ArchiveSchemaVersion = { version: 2, columns: v2Args.columns.map((c) => c.name), columnTypes: v2Args.columnTypes };
    expect(() => new FirehoseArchive("bad", { tableStreamArn: TABLE_STREAM_ARN, schemaHistory: [deployed, deployedV2] })).to.throw(
      /FirehoseArchive "bad": invalid arguments:\n {2}- against the deployed schema version 2: column referrer was removed: objects written since version 2 hold it/,
    );
  });

  it("AuroraLoader tells the loader each version's column count, and refuses a history whose newest version is not its columns", async () => {
    const cloud = new MockCloud();
    await cloud.install();
    const archive = new FirehoseArchive("clicks", { ...v2Args, schemaHistory: [deployed] });
    new AuroraLoader("clicks", {
      archiveBucketName: "clicks-archive",
      archiveBucketArn: "arn:aws:s3:::clicks-archive",
      columns: archive.csvColumns,
      columnTypes: archive.columnTypes,
      schemaHistory: archive.schemaHistory,
    });
    await cloud.settle();
    expect(JSON.parse(cloud.named("clicks-load-function").inputs.environment.variables.SCHEMA_VERSIONS)).to.deep.equal([
      4 + deployed.columns.length,
      5 + deployed.columns.length,
    ]);
    expect(
      () =>
        new AuroraLoader("bad", {
          archiveBucketName: "clicks-archive",
          archiveBucketArn: "arn:aws:s3:::clicks-archive",
          columns: archive.csvColumns.slice(0, -1),
          schemaHistory: archive.schemaHistory,
        }),
    ).to.throw(/schemaHistory's newest version \(2\) has other columns than columns/);
  });
});

describe("schema history in the poc stack", function () {
  this.timeout(120_000);

  it("starts at version 1, then compares the columns with those its last deployment exported, at preview", async () => {
    const first = await up("consumer", {});
    expect(first.outputs.archiveSchemaVersion).to.equal(1);
    const history = first.outputs.archiveSchemaHistory as ArchiveSchemaVersion[];
    expect(history).to.have.length(1);

    // The same config again: the same version, the same prefix.
    const again = await up("consumer", {}, undefined, undefined, { lastDeployment: first.outputs });
    expect(again.outputs.archiveSchemaHistory).to.deep.equal(history);

    // A column removed since: refused, naming it.
    const removed = { ...history[0], columns: [...history[0].columns, "referrer"], columnTypes: { ...history[0].columnTypes, referrer: "VARCHAR(200)" } };
    const failure = await up("consumer", {}, undefined, undefined, { lastDeployment: { ...first.outputs, archiveSchemaHistory: [removed] } }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.match(/against the deployed schema version 1: column referrer was removed/);
  });
});
