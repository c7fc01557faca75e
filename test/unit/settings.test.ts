import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as fc from "fast-check";
import { auroraLoaderDefaults, resolveAuroraLoader } from "../../components/settings/aurora-loader";
import { keysOf, SettingsCheck } from "../../components/settings/check";
import { crossAccountStreamSourceDefaults, resolveCrossAccountStreamSource } from "../../components/settings/cross-account-stream-source";
import { dedupTableDefaults, resolveDedupTable } from "../../components/settings/dedup-table";
import { firehoseArchiveDefaults, resolveFirehoseArchive } from "../../components/settings/firehose-archive";
import { pushIngestDefaults, resolvePushIngest } from "../../components/settings/push-ingest";
import { resolveStreamProjection, streamProjectionDefaults } from "../../components/settings/stream-projection";
import { propertySettings } from "../support/property";

const ROOT = path.join(__dirname, "..", "..");
const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const TABLE_STREAM = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026-01-01T00:00:00.000";
const BUCKET = {
  archiveBucketName: "archive",
  archiveBucketArn: "arn:aws:s3:::archive",
  columns: ["dedup_key", "change", "changed_at", "stream_sequence", "page_id"],
};

/** Every settings model, with the least arguments each needs. */
const MODELS: Record<string, (args: Record<string, unknown>) => { settings: object; problems: string[] }> = {
  CrossAccountStreamSource: (args) => resolveCrossAccountStreamSource("clicks", args),
  DedupTable: (args) => resolveDedupTable("clicks", args),
  PushIngest: (args) => resolvePushIngest("clicks", { streamArn: STREAM_ARN, ...args }),
  FirehoseArchive: (args) => resolveFirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM, ...args }),
  StreamProjection: (args) => resolveStreamProjection("clicks", { projection: { kind: "index", hashKey: "useremail" }, ...args }),
  AuroraLoader: (args) => resolveAuroraLoader("clicks", { ...BUCKET, ...args } as never),
};

/**
 * The settings models (components/settings/): each component's arguments to its resolved settings
 * and problems, tested with plain objects, no Pulumi.
 */
describe("the components' settings models", () => {
  it("load without Pulumi, as the capacity model and `npm run plan` need them to", () => {
    const script = [
      "for (const m of ['components/settings/aurora-loader', 'components/settings/cross-account-stream-source', 'components/settings/dedup-table', 'components/settings/firehose-archive', 'components/settings/push-ingest', 'components/settings/stream-projection', 'components/settings/function-environments', 'capacity/settings', 'capacity/model']) require('./' + m);",
      "process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('node_modules/@pulumi/'))));",
    ].join("\n");
    const loaded = JSON.parse(execFileSync(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: ROOT, encoding: "utf8" })) as string[];
    expect(loaded).to.deep.equal([]);
  });

  it("fill every default from the component's defaults object, when nothing is given", () => {
    const dedup = resolveDedupTable("clicks", {}).settings;
    expect(dedup.table).to.include({
      billingMode: dedupTableDefaults.table.billingMode,
      streamViewType: dedupTableDefaults.table.streamViewType,
      deletionProtection: false,
    });
    expect(dedup.pull!.ingest).to.deep.include({ ...dedupTableDefaults.ingest, logRetentionDays: dedupTableDefaults.logRetentionDays });
    expect(dedup.protectData).to.equal(true);
    expect(resolvePushIngest("clicks", { streamArn: STREAM_ARN }).settings.ingest).to.deep.include(pushIngestDefaults.ingest);
    const archive = resolveFirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM }).settings;
    expect(archive.delivery).to.include(firehoseArchiveDefaults.delivery);
    expect(archive.bucket).to.include(firehoseArchiveDefaults.bucket);
    expect(archive.forward).to.deep.include({ ...firehoseArchiveDefaults.forward, logRetentionDays: 30 });
    expect(archive.transform).to.deep.include(firehoseArchiveDefaults.transform);
    expect(resolveStreamProjection("x", { projection: { kind: "aggregate", groupBy: [{ attribute: "page_id" }] } }).settings).to.deep.include({
      ledger: { ttlDays: streamProjectionDefaults.ledgerTtlDays, countedEntriesExpire: false },
    });
    const loader = resolveAuroraLoader("clicks", BUCKET).settings;
    expect(loader.database).to.deep.include(auroraLoaderDefaults.database);
    expect(loader.load).to.deep.include(auroraLoaderDefaults.load);
    expect(loader).to.include({ mode: auroraLoaderDefaults.loadMode, createEndpoints: true });
    expect(resolveCrossAccountStreamSource("clicks", {}).settings).to.deep.include({
      stream: { name: undefined, shardCount: undefined, retentionHours: crossAccountStreamSourceDefaults.stream.retentionHours },
      keyDeletionWindowDays: 30,
    });
  });

  it("give each role's logs the component's retention unless the role says otherwise", () => {
    const archive = resolveFirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM, logRetentionDays: 90, transform: { logRetentionDays: 7 } }).settings;
    expect([archive.logRetentionDays, archive.forward.logRetentionDays, archive.transform.logRetentionDays]).to.deep.equal([90, 90, 7]);
    const loader = resolveAuroraLoader("clicks", { ...BUCKET, logRetentionDays: 14 }).settings;
    expect([loader.load.logRetentionDays, loader.dbSetup.logRetentionDays]).to.deep.equal([14, 14]);
  });

  it("name each problem by its argument's path, and collect them all", () => {
    const { problems } = resolveDedupTable("clicks", {
      table: { billingMode: "PROVISIONED", capacity: { read: 0, write: 5, targetUtilization: 95 } },
      ingest: { memorySize: 64 },
    });
    expect(problems).to.deep.equal([
      "table.capacity.read must be an integer from 1 to 40000, got 0",
      "table.capacity.targetUtilization must be an integer from 20 to 90, got 95",
      "ingest.memorySize must be an integer from 128 to 10240, got 64",
    ]);
  });

  it("take a value not known yet (an output, a promise) without judging it, as the resource it reaches will", () => {
    const pending = { apply: () => pending };
    expect(resolveDedupTable("clicks", { pull: { streamArn: pending as never, streamKmsKeyArn: Promise.resolve("x") } }).problems).to.deep.equal([]);
    expect(resolveFirehoseArchive("clicks", { tableStreamArn: pending as never }).problems).to.deep.equal([]);
  });

  it("never throw, whatever a caller without the type checker passes: every mistake is a problem", () => {
    const junk = fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true });
    const keys = fc.constantFrom(
      "pull",
      "push",
      "table",
      "ingest",
      "tags",
      "stream",
      "sharedTable",
      "projection",
      "project",
      "delivery",
      "bucket",
      "forward",
      "columns",
      "columnTypes",
      "schemaHistory",
      "database",
      "load",
      "network",
      "overrides",
      "monitoring",
      "logRetentionDays",
      "protectData",
      "writer",
      "sharedTableReaderRoleArns",
      "nope",
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(MODELS)), fc.dictionary(keys, junk), (component, args) => {
        const { problems } = MODELS[component](args);
        expect(problems).to.be.an("array");
        for (const problem of problems)
          expect(problem)
            .to.be.a("string")
            .and.not.match(/Cannot read propert|is not a function|is not iterable/);
      }),
      propertySettings(400),
    );
  });

  describe("the unknown-key check", () => {
    it("suggests the closest known key only when it is close", () => {
      const check = new SettingsCheck();
      check.knownKeys("delivery", { bufferSize: 5, zzz: 1 }, ["bufferSizeMiB", "bufferIntervalSeconds"]);
      expect(check.problems).to.deep.equal([
        "delivery.bufferSize is not an argument of delivery: did you mean bufferSizeMiB?",
        "delivery.zzz is not an argument of delivery; known: bufferSizeMiB, bufferIntervalSeconds",
      ]);
    });

    it("refuses a list or a plain value where an object of arguments belongs", () => {
      const check = new SettingsCheck();
      expect(check.knownKeys("table", ["x"], ["name"])).to.equal(false);
      expect(check.knownKeys("", "clicks", ["pull"])).to.equal(false);
      expect(check.problems).to.deep.equal(["table must be an object, got a list", 'the arguments must be an object, got "clicks"']);
    });

    it("lists keys the compiler holds to the interface: none missing, none extra", () => {
      interface Two {
        a?: number;
        b: string;
      }
      expect(keysOf<Two>()("a", "b")).to.deep.equal(["a", "b"]);
      // @ts-expect-error: "b" is missing, so the list would let a misspelt "b" through unnoticed.
      keysOf<Two>()("a");
      // @ts-expect-error: "c" is not a key of Two.
      keysOf<Two>()("a", "b", "c");
    });
  });
});
