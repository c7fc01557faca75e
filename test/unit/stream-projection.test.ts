import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { resolveStreamProjection } from "../../components/settings/stream-projection";
import { projectionSettings, StreamProjection } from "../../components/stream-projection";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const TABLE_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3";
const TABLE_STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;

describe("StreamProjection", () => {
  describe("a per-user index", () => {
    const cloud = new MockCloud();
    let component: StreamProjection;

    before(async () => {
      await cloud.install();
      component = new StreamProjection("by-user", {
        tableStreamArn: TABLE_STREAM_ARN,
        projection: { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp", attributes: ["page_id", "event"], ttlDays: 30 },
      });
      await cloud.settle();
    });

    it("keys its table by the chosen attributes, expires items by TTL, and keeps no ledger", () => {
      const table = cloud.named("by-user-table").inputs;
      expect(table).to.include({ hashKey: "useremail", rangeKey: "nanotimestamp", billingMode: "PAY_PER_REQUEST" });
      expect(table.attributes).to.deep.equal([
        { name: "useremail", type: "S" },
        { name: "nanotimestamp", type: "S" },
      ]);
      expect(table.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
      expect(table.pointInTimeRecovery).to.deep.equal({ enabled: true });
      expect(cloud.has("by-user-ledger")).to.equal(false);
    });

    it("lets its function read only the table's stream and put and delete only index items", () => {
      const statements = policyOf(cloud.named("by-user-project-policy")).Statement.slice(1, 4);
      expect(statements).to.deep.equal([
        {
          Sid: "ReadTableStream",
          Effect: "Allow",
          Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
          Resource: TABLE_STREAM_ARN,
        },
        { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
        { Sid: "WriteIndex", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: cloud.named("by-user-table").state.arn },
      ]);
    });

    it("maps the stream with bisect, bounded retries, partial batches and an on-failure bucket, and passes the projection", async () => {
      const mapping = cloud.named("by-user-project-mapping").inputs;
      expect(mapping).to.include({ eventSourceArn: TABLE_STREAM_ARN, batchSize: 100, bisectBatchOnFunctionError: true, maximumRetryAttempts: 10 });
      expect(mapping.destinationConfig.onFailure.destinationArn).to.equal(cloud.named("by-user-dead-letter").state.arn);
      const variables = cloud.named("by-user-project-function").inputs.environment.variables;
      expect(JSON.parse(variables.PROJECTION)).to.deep.equal({
        kind: "index",
        hashKey: "useremail",
        rangeKey: "nanotimestamp",
        attributes: ["page_id", "event"],
        ttlDays: 30,
      });
      expect(variables.TARGET_TABLE).to.equal(cloud.named("by-user-table").state.name);
      expect(await resolve(component.ledgerTableName)).to.equal(undefined);
      expect((await cloud.childrenOf(component)).length).to.equal(cloud.resources.length - 1);
    });
  });

  describe("an aggregate", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new StreamProjection("hits-per-page", {
        tableStreamArn: TABLE_STREAM_ARN,
        projection: {
          kind: "aggregate",
          groupBy: [{ attribute: "page_id" }, { attribute: "client_timestamp", period: "day" }],
          sums: [{ name: "hits", attribute: "Hits" }],
        },
        ledgerTtlDays: 3,
      });
      await cloud.settle();
    });

    it("keys aggregates by group, and remembers applied records in a ledger that expires them", () => {
      expect(cloud.named("hits-per-page-table").inputs).to.include({ hashKey: "group" });
      const ledger = cloud.named("hits-per-page-ledger").inputs;
      expect(ledger).to.include({ hashKey: "eventId" });
      expect(ledger.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
      expect(cloud.named("hits-per-page-project-function").inputs.environment.variables).to.include({
        LEDGER_TABLE: cloud.named("hits-per-page-ledger").state.name,
        LEDGER_TTL_DAYS: "3",
        LEDGER_COUNTED_ENTRIES_EXPIRE: "false",
      });
    });

    it("on a table whose items expire, expires every ledger entry, a day past the items by default, and refuses a ledger that forgets an item before the table does", () => {
      const resolved = (args: { ledgerTtlDays?: number; tableItemExpireAfterDays?: number }) =>
        resolveStreamProjection("hits", { projection: { kind: "aggregate", groupBy: [{ attribute: "page_id" }] }, ...args });
      expect(resolved({ tableItemExpireAfterDays: 9 }).settings.ledger).to.deep.equal({ ttlDays: 10, countedEntriesExpire: true });
      expect(resolved({ tableItemExpireAfterDays: 2 }).settings.ledger).to.deep.equal({ ttlDays: 7, countedEntriesExpire: true });
      expect(resolved({ tableItemExpireAfterDays: 9, ledgerTtlDays: 9 }).problems).to.deep.equal([
        "ledgerTtlDays 9 must outlast the table's items, which expire after 9 days (tableItemExpireAfterDays): a record delivered again after its ledger entry expired would be counted twice",
      ]);
    });

    it("hands its function the spec in the short form the function reads (an entry without a period as the attribute's name)", () => {
      expect(cloud.named("hits-per-page-project-function").inputs.environment.variables.PROJECTION).to.equal(
        JSON.stringify({
          kind: "aggregate",
          groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
          sums: [{ name: "hits", attribute: "Hits" }],
        }),
      );
    });

    it("lets its function update only aggregates and add only ledger entries", () => {
      const statements = policyOf(cloud.named("hits-per-page-project-policy")).Statement.slice(3, 5);
      expect(statements).to.deep.equal([
        { Sid: "UpdateAggregates", Effect: "Allow", Action: "dynamodb:UpdateItem", Resource: cloud.named("hits-per-page-table").state.arn },
        { Sid: "RecordAppliedRecords", Effect: "Allow", Action: "dynamodb:PutItem", Resource: cloud.named("hits-per-page-ledger").state.arn },
      ]);
    });
  });

  describe("reading another account's table stream, before that account has shared it", () => {
    const cloud = new MockCloud();
    let component: StreamProjection;
    const OWN_KEY = "arn:aws:kms:eu-west-1:999999999999:key/5e6f7a8b-1111-4111-8111-111111111111";

    before(async () => {
      await cloud.install();
      component = new StreamProjection("scores-by-user", {
        projection: { kind: "aggregate", groupBy: [{ attribute: "Username" }], sums: [{ name: "score", attribute: "Score" }] },
        table: { kmsKeyArn: OWN_KEY },
      });
      await cloud.settle();
    });

    it("deploys its function and role without a mapping or stream access, so the other account can grant the role", async () => {
      expect(cloud.has("scores-by-user-project-mapping")).to.equal(false);
      expect(policyOf(cloud.named("scores-by-user-project-policy")).Statement.map((s) => s.Sid)).to.not.include("ReadTableStream");
      expect(await resolve(component.projectRoleArn)).to.equal(cloud.named("scores-by-user-project-role").state.arn);
      expect(component.project.mapping).to.equal(undefined);
    });

    it("may use its own tables' customer key through DynamoDB, and protects its tables and dead-letter bucket", () => {
      expect(policyOf(cloud.named("scores-by-user-project-policy")).Statement).to.deep.include({
        Sid: "UseProjectionTableKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: OWN_KEY,
        Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
      });
      for (const name of ["scores-by-user-table", "scores-by-user-ledger", "scores-by-user-dead-letter"])
        expect(cloud.named(name).protect, name).to.equal(true);
    });
  });

  describe("what a late backfill from the archive would miss, said at preview", () => {
    const cloud = new MockCloud();
    const archive = { schema: WEB_ANALYTICS_SCHEMA, columns: WEB_ANALYTICS_COLUMNS, columnTypes: WEB_ANALYTICS_COLUMN_TYPES };
    /** The warnings the component logs while it is built, on itself. */
    function warnings(name: string, args: Omit<ConstructorParameters<typeof StreamProjection>[1], "tableStreamArn">): string[] {
      const said: string[] = [];
      const original = pulumi.log.warn;
      pulumi.log.warn = (message: string, resource?: pulumi.Resource) => {
        if (resource instanceof StreamProjection) said.push(message);
        return Promise.resolve();
      };
      try {
        new StreamProjection(name, { tableStreamArn: TABLE_STREAM_ARN, ...args });
      } finally {
        pulumi.log.warn = original;
      }
      return said;
    }

    before(() => cloud.install());

    it("warns on the per-user index of the example config: its range key in no column, its hash key of no known type, and every attribute copied", () => {
      expect(warnings("by-user", { projection: { kind: "index", hashKey: "useremail", rangeKey: "nanotimestamp" }, archive })).to.deep.equal([
        'StreamProjection "by-user": projection.hashKey reads useremail, which the archive\'s schema gives no type (column user_email): a CSV field cannot tell the string "42" from the number 42, so a backfill from the archive parks the rows of expired items whose useremail reads as a number, true, false or JSON, and those items are missing from the index; give item.useremail a "type" in the schema',
        'StreamProjection "by-user": projection.rangeKey reads nanotimestamp, which no column of the archive holds (a column whose path is "nanotimestamp"): a backfill from the archive parks the rows of every item the table has let expire, so those items are missing from the index',
        'StreamProjection "by-user": the index\'s copy of every attribute reads event, which the archive\'s schema gives no type (column event): a CSV field cannot tell the string "42" from the number 42, so a backfill from the archive parks the rows of expired items whose event reads as a number, true, false or JSON, and those items are missing from the index; give item.event a "type" in the schema',
        'StreamProjection "by-user": the index\'s copy of every attribute reads client_timestamp, which the archive\'s schema gives no type (column client_timestamp): a CSV field cannot tell the string "42" from the number 42, so a backfill from the archive parks the rows of expired items whose client_timestamp reads as a number, true, false or JSON, and those items are missing from the index; give item.client_timestamp a "type" in the schema',
        'StreamProjection "by-user": the index copies every attribute (projection.attributes is not set), but the archive holds only seqNumbershardIdHash, sequenceNumber, page_id, Hits, event, useremail, client_timestamp, approximateArrivalTimestamp: the index items a backfill from the archive writes for items the table has let expire hold only those; name the attributes to copy in projection.attributes',
      ]);
    });

    it("says nothing of an aggregate whose every attribute the archive gives exactly, and names a sum in no column and a group-by column that came later", () => {
      const pages = { kind: "aggregate" as const, groupBy: [{ attribute: "page_id" }], sums: [{ name: "hits", attribute: "Hits" }] };
      expect(warnings("hits", { projection: pages, archive })).to.deep.equal([]);
      const later = {
        ...archive,
        columns: [...WEB_ANALYTICS_COLUMNS, { name: "region", path: "region" }],
        schema: { ...WEB_ANALYTICS_SCHEMA, properties: { ...WEB_ANALYTICS_SCHEMA.properties, region: { type: "string" } } },
      };
      const history = [
        { version: 1, columns: WEB_ANALYTICS_COLUMNS.map((c) => c.name), columnTypes: WEB_ANALYTICS_COLUMN_TYPES },
        { version: 2, columns: later.columns.map((c) => c.name), columnTypes: WEB_ANALYTICS_COLUMN_TYPES },
      ];
      expect(
        warnings("by-region", {
          projection: { kind: "aggregate", groupBy: [{ attribute: "region" }], sums: [{ name: "score", attribute: "Score" }] },
          archive: { ...later, schemaHistory: history },
        }),
      ).to.deep.equal([
        'StreamProjection "by-region": projection.groupBy region reads region, whose column region came with schema version 2: rows written before lack it, and a backfill from the archive parks those of expired items, so those items are missing from its counts and sums',
        'StreamProjection "by-region": projection.sums score reads Score, which no column of the archive holds (a column whose path is "Score"): a backfill from the archive parks the rows of every item the table has let expire, so those items are missing from its counts and sums',
      ]);
    });

    it("names a time kept in a DATETIME column, which holds MySQL's form of it, and checks nothing without the archive", () => {
      const daily = { kind: "aggregate" as const, groupBy: [{ attribute: "client_timestamp", period: "day" as const }] };
      expect(
        warnings("daily", { projection: daily, archive: { ...archive, columnTypes: { ...WEB_ANALYTICS_COLUMN_TYPES, client_timestamp: "DATETIME(3)" } } }),
      ).to.deep.equal([
        'StreamProjection "daily": projection.groupBy client_timestamp_day reads client_timestamp, whose column client_timestamp holds MySQL\'s form of the time, not the text the item held: a backfill from the archive parks the rows of expired items that have one, so those items are missing from its counts and sums; archive client_timestamp in a TEXT column too',
      ]);
      expect(warnings("daily-unchecked", { projection: daily })).to.deep.equal([]);
    });

    it("refuses an archive that is not FirehoseArchive's settings", () => {
      expect(
        () =>
          new StreamProjection("odd", {
            tableStreamArn: TABLE_STREAM_ARN,
            projection: { kind: "index", hashKey: "useremail" },
            archive: { schema: [] as never, columns: [{ name: "a" }] as never },
          }),
      ).to.throw(
        /archive\.schema must be the archive's JSON Schema, an object\n {2}- archive\.columns must be the archive's columns, a list of \{name, path\}/,
      );
    });
  });

  describe("argument validation", () => {
    before(() => new MockCloud().install());

    it("refuses a name that makes function, role or bucket names AWS refuses, before anything is created", () => {
      const named = (name: string) => () =>
        new StreamProjection(name, { tableStreamArn: TABLE_STREAM_ARN, projection: { kind: "index", hashKey: "useremail" } });
      expect(named("page_views")).to.throw(/name "page_views" makes the S3 bucket name "page_views-dead-letter-0000000", which AWS refuses: lowercase letters/);
      expect(named("hits-per-page-and-per-device-per-hour-xy")).to.throw(
        /makes the Lambda function name "hits-per-page-and-per-device-per-hour-xy-project-function-0000000" 65 characters long; AWS allows 64/,
      );
      expect(named("hits-per-page-and-per-device-per-hour-x")).to.not.throw();
    });

    it("refuses a log retention CloudWatch Logs does not offer", () => {
      expect(
        () => new StreamProjection("ok", { tableStreamArn: TABLE_STREAM_ARN, projection: { kind: "index", hashKey: "useremail" }, logRetentionDays: 13 }),
      ).to.throw(/logRetentionDays must be a retention CloudWatch Logs accepts/);
    });

    it("refuses, at preview, a field of the other kind in the flat projection settings", () => {
      const build = () =>
        new StreamProjection("mixed", {
          tableStreamArn: TABLE_STREAM_ARN,
          projection: { kind: "index", hashKey: "useremail", groupBy: [{ attribute: "page_id" }] },
        });
      expect(build).to.throw(/projection\.groupBy is for kind "aggregate"; this projection is "index"/);
    });

    it("hands the function the short spec the stacks' config writes: a group-by entry without a period as its attribute's name", () => {
      expect(projectionSettings({ kind: "aggregate", groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }] })).to.deep.equal({
        kind: "aggregate",
        groupBy: [{ attribute: "page_id" }, { attribute: "client_timestamp", period: "day" }],
      });
    });

    it("names every problem with an aggregate at once", () => {
      const build = () =>
        new StreamProjection("bad", {
          tableStreamArn: TABLE_STREAM_ARN,
          projection: {
            kind: "aggregate",
            groupBy: [{ attribute: "client_timestamp", period: "week" as "day" }, { attribute: "count" }],
            sums: [{ name: "count", attribute: "Hits" }],
          },
          ledgerTtlDays: 0,
        });
      expect(build).to.throw(
        /StreamProjection "bad": invalid arguments:\n {2}- projection\.groupBy\[0\]\.period must be one of "hour", "day", "month", got "week"\n {2}- projection\.groupBy\[1\] is named "count", which the aggregate item uses itself\n {2}- projection\.sums\[0\]\.name must be an attribute name other than group, count, expiresAt, sourceSequence, got "count"\n {2}- ledgerTtlDays must be an integer from 1 to 365, got 0/,
      );
    });

    it("refuses index keys and attributes the index item writes itself (the copy's item and sequence, the expiry with ttlDays)", () => {
      const build = (projection: Record<string, unknown>) => () =>
        new StreamProjection("bad", { tableStreamArn: TABLE_STREAM_ARN, projection: { kind: "index", hashKey: "useremail", ...projection } as never });
      expect(build({ hashKey: "sourceItem", rangeKey: "sourceSequence" })).to.throw(
        /- projection\.hashKey is "sourceItem", which the index item uses itself\n {2}- projection\.rangeKey is "sourceSequence", which the index item uses itself/,
      );
      expect(build({ attributes: ["page_id", "expiresAt"], ttlDays: 30 })).to.throw(
        /- projection\.attributes\[1\] is "expiresAt", which the index item uses itself/,
      );
      expect(build({ attributes: ["page_id", "expiresAt"] })).to.not.throw();
    });

    it("requires an index's hash key", () => {
      expect(() => new StreamProjection("bad", { tableStreamArn: TABLE_STREAM_ARN, projection: { kind: "index", hashKey: "" } })).to.throw(
        /projection\.hashKey is required for an index/,
      );
    });
  });
});
