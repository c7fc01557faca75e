import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { loadEvent } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { type LoadTarget } from "../../functions/load/sql";
import { createTransformer, FIXED_COLUMNS } from "../../functions/transform/core";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../engines";
import { rebuildFromArchive, type RebuildProgress } from "../../tools/rebuild";
import { rebuildCommand } from "../../tools/rebuild-command";
import { databaseRepair } from "../../tools/rebuild-repair";
import { archiveLine, withLoadingEngines } from "../support/archive-loading";
import { clickItem } from "../support/dynamodb-stream";

const BUCKET = "archive";
const COLUMNS = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];
const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_COLUMN_TYPES);

/** The CSV line for click `n` as of table-stream sequence `sequence`: a later sequence carries more hits, so newest-wins shows. */
const line = (n: number, sequence: number) => archiveLine(transform, clickItem(n, { Hits: n + sequence }), sequence);

/**
 * Twelve objects over three hours, as Firehose writes them: clicks 1 to 60, some delivered twice
 * (a replay), some changed later in another object (a newer sequence), so that a rebuild that
 * loaded in a different order or twice would show it.
 */
const OBJECTS = Array.from({ length: 12 }, (_, i) => {
  const hour = 10 + Math.floor(i / 4);
  const clicks = Array.from({ length: 5 }, (_, j) => i * 5 + j + 1);
  const replayed = i > 0 ? [clicks[0] - 5] : [];
  const body = [...clicks.map((n) => line(n, 1000 + n)), ...replayed.map((n) => line(n, 1000 + n)), ...(i === 11 ? [line(3, 5000), line(7, 5001)] : [])].join(
    "",
  );
  return { key: `processed/2026/11/26/${hour}/clicks-delivery-1-2026-11-26-${hour}-00-00-${i}.csv`, body };
});

describe("npm run rebuild on MariaDB: the table again from the archive", function () {
  this.timeout(180_000);
  const engines = withLoadingEngines(BUCKET);
  let databases = 0;

  /** A database the live loader filled from the archive, object by object as S3 notified it. */
  async function liveLoaded(): Promise<LoadTarget> {
    const target: LoadTarget = {
      database: `rebuilt_${++databases}`,
      table: "web_analytics",
      manifestTable: "loaded_objects",
      rejectsTable: "rejected_rows",
      columns: COLUMNS,
      columnTypes: WEB_ANALYTICS_COLUMN_TYPES,
    };
    const live = await engines.loader(target);
    for (const object of OBJECTS) await loadEvent(await engines.put(object.key, object.body), live);
    await live.end();
    return target;
  }
  const rows = async (t: LoadTarget) => (await engines.admin.query<RowDataPacket[]>("SELECT * FROM ??.?? ORDER BY dedup_key", [t.database, t.table]))[0];
  const rebuild = async (t: LoadTarget, ...flags: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const { database, objects } = engines;
    const url = `mysql://${encodeURIComponent(database.user)}:${encodeURIComponent(database.password)}@${database.host}:${database.port}/${t.database}`;
    const bucket = flags.includes("--bucket") ? [] : ["--bucket", BUCKET];
    const code = await rebuildCommand(
      [...bucket, "--database-url", url, "--load-mode", "streamed", "--endpoint-url", objects.endpoint, "--region", LOCAL_REGION, "--batch", "3", ...flags],
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
    );
    return { code, out, err };
  };

  before(() => {
    process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  });

  it("restores exactly the rows the table had, after it was dropped", async () => {
    const target = await liveLoaded();
    const before = await rows(target);
    expect(before).to.have.length(60);
    expect(before.find((r) => r.page_id === "p-1003")?.hits).to.equal(5003);
    await engines.admin.query("DROP TABLE ??.??", [target.database, target.table]);

    const { code, out, err } = await rebuild(target, "--run", "after-drop");
    expect(err, err.join("\n")).to.deep.equal([]);
    expect(code).to.equal(0);
    expect(await rows(target)).to.deep.equal(before);
    expect(out[0]).to.match(
      /^rebuild after-drop: s3:\/\/archive\/processed\/ into rebuilt_\d+\.web_analytics; if it stops, run the same command with --run after-drop to resume$/,
    );
    expect(out.at(-1)).to.equal(
      "rebuild after-drop: 12 objects, 12 loaded now, 0 already loaded by this run (100% of those listed so far); 73 rows, 0 refused; the table now holds the archive exactly (0 rows no object holds removed); done",
    );

    // The same run again: nothing to do, the same rows.
    const again = await rebuild(target, "--run", "after-drop");
    expect(again.out.at(-1)).to.equal(
      "rebuild after-drop: 12 objects, 0 loaded now, 12 already loaded by this run (100% of those listed so far); 0 rows, 0 refused; done",
    );
    expect(await rows(target)).to.deep.equal(before);
  });

  describe("a rebuild repairs (Why: rows altered in place stayed altered, as a row was replaced only by a newer change)", () => {
    it("ends, after rows were changed, deleted and added by hand, with exactly a clean load of the archive", async () => {
      const target = await liveLoaded();
      const key = async (page: string) =>
        (await engines.admin.query<RowDataPacket[]>("SELECT dedup_key FROM ??.?? WHERE page_id = ?", [target.database, target.table, page]))[0][0].dedup_key;
      const [altered, advanced, deleted] = [await key("p-1005"), await key("p-1007"), await key("p-1009")];
      // A value changed; a row given a sequence newer than any change of its item (newest wins would keep it); a row deleted; a row no object holds.
      await engines.admin.query("UPDATE ??.?? SET hits = -1, country = 'XX' WHERE dedup_key = ?", [target.database, target.table, altered]);
      await engines.admin.query("UPDATE ??.?? SET hits = -2, stream_sequence = '99999999999999999999' WHERE dedup_key = ?", [
        target.database,
        target.table,
        advanced,
      ]);
      await engines.admin.query("DELETE FROM ??.?? WHERE dedup_key = ?", [target.database, target.table, deleted]);
      await engines.admin.query("INSERT INTO ??.?? (dedup_key, `change`, stream_sequence, hits) VALUES ('00_shardId-000000000000|made-up', 'INSERT', '1', 7)", [
        target.database,
        target.table,
      ]);

      const { code, out, err } = await rebuild(target, "--run", "repair");
      expect(err, err.join("\n")).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(out.at(-1)).to.match(/; the table now holds the archive exactly \(1 rows no object holds removed\); done$/);
      const clean = await liveLoaded();
      expect(await rows(target)).to.deep.equal(await rows(clean));
    });

    it("keeps what the live loader loads while it runs, also new items in an object the listing did not see", async () => {
      const target = await liveLoaded();
      await engines.admin.query("UPDATE ??.?? SET hits = -1", [target.database, target.table]);
      // While the rebuild loads its second batch, Firehose delivers an object: new items, and newer changes of items the run has loaded already and of items it has not.
      const late = {
        key: "processed/2026/11/26/13/clicks-delivery-1-2026-11-26-13-00-00-late.csv",
        body: [line(200, 9000), line(201, 9001), line(2, 9002), line(58, 9003)].join(""),
      };
      const { database, s3 } = engines;
      const connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
      let batches = 0;
      const live = await engines.loader(target);
      const load = (event: Parameters<typeof loadEvent>[0]) =>
        loadEvent(event, {
          connect: async () => connection,
          target,
          mode: { kind: "local", open: s3Opener(s3) },
          prefix: "processed/",
          log: { info() {}, warn() {} },
        });
      const done = await rebuildFromArchive(
        { bucket: BUCKET, prefix: "processed/", run: "with-live-loads", batchObjects: 3 },
        {
          s3,
          load: async (event) => {
            if (++batches === 2) await loadEvent(await engines.put(late.key, late.body), live);
            return load(event);
          },
          progress: () => undefined,
          repair: databaseRepair(connection, target, { bucket: BUCKET, prefix: "processed/" }),
        },
      ).finally(() => Promise.all([connection.end(), live.end()]));
      const clean = await liveLoaded();
      const cleanLive = await engines.loader(clean);
      await loadEvent(await engines.put(late.key, late.body), cleanLive);
      await cleanLive.end();
      expect((await rows(target)).map((r) => r.page_id)).to.include.members(["p-1200", "p-1201"]);
      expect(await rows(target)).to.deep.equal(await rows(clean));
      // The late object, loaded by the live loader after the listing, was loaded by the run too before it ended.
      expect(done).to.include({ listed: 13, done: 13, removed: 0 });
    });

    it("leaves the table as it is when it finds no object at all, rather than emptying it", async () => {
      const target = await liveLoaded();
      const before = await rows(target);
      await engines.s3.send(new CreateBucketCommand({ Bucket: "empty" }));
      const { code, out } = await rebuild(target, "--run", "wrong-bucket", "--bucket", "empty");
      expect(code).to.equal(0);
      expect(out.at(-1)).to.equal("rebuild wrong-bucket: no objects under s3://empty/processed/: nothing loaded, the table left as it is");
      expect(await rows(target)).to.deep.equal(before);
    });
  });

  it("ends with the same rows when a rebuild interrupted halfway is started again with its run name", async () => {
    const target = await liveLoaded();
    const before = await rows(target);
    await engines.admin.query("DROP TABLE ??.??", [target.database, target.table]);

    // The first attempt loses its database connection in the middle of its third batch of three objects.
    const { database, s3 } = engines;
    const connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
    let batches = 0;
    const seen: RebuildProgress[] = [];
    const crashed = await rebuildFromArchive(
      { bucket: BUCKET, prefix: "processed/", run: "interrupted", batchObjects: 3 },
      {
        s3,
        load: async (event) => {
          const load = (e: typeof event) =>
            loadEvent(e, {
              connect: async () => connection,
              target,
              mode: { kind: "local", open: s3Opener(s3) },
              prefix: "processed/",
              log: { info() {}, warn() {} },
            });
          if (++batches < 3) return load(event);
          // The third batch: its first object loads, then the connection is gone.
          await load({ ...event, Records: event.Records.slice(0, 1) });
          connection.destroy();
          return load({ ...event, Records: event.Records.slice(1) });
        },
        progress: (p) => seen.push(p),
        repair: databaseRepair(connection, target, { bucket: BUCKET, prefix: "processed/" }),
      },
    ).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(crashed, "the first attempt stops").to.be.instanceOf(Error);
    expect(seen.at(-1)?.done).to.equal(6);
    const partial = (await rows(target)).length;
    expect(partial).to.be.within(1, 77);

    const { code, out } = await rebuild(target, "--run", "interrupted");
    expect(code).to.equal(0);
    const last = /: 12 objects, (\d+) loaded now, (\d+) already loaded by this run/.exec(out.at(-1)!);
    expect(Number(last?.[2]), "objects the first attempt loaded are skipped").to.equal(7);
    expect(Number(last?.[1]) + Number(last?.[2])).to.equal(12);
    expect(await rows(target)).to.deep.equal(before);
  });

  it("reloads only the hours asked for", async () => {
    const target = await liveLoaded();
    await engines.admin.query("TRUNCATE TABLE ??.??", [target.database, target.table]);
    const { code, out } = await rebuild(target, "--run", "hour-11", "--from", "2026-11-26T11", "--to", "2026-11-26T11");
    expect(code).to.equal(0);
    expect(out.at(-1)).to.match(/^rebuild hour-11: 4 objects, 4 loaded now/);
    // Objects 4 to 7 hold clicks 21 to 40, and replays of 16, 21, 26 and 31.
    const clicks = (await rows(target)).map((r) => Number(String(r.page_id).slice(2)) - 1000).sort((a, b) => a - b);
    expect(clicks).to.deep.equal([16, ...Array.from({ length: 20 }, (_, i) => 21 + i)]);
  });

  it("offers to resume a run once it started: its start is recorded, so the same --run goes on from there", async () => {
    const target = await liveLoaded();
    const { database, objects } = engines;
    const url = `mysql://${encodeURIComponent(database.user)}:${encodeURIComponent(database.password)}@${database.host}:${database.port}/${target.database}`;
    const out: string[] = [];
    const err: string[] = [];
    const code = await rebuildCommand(
      [
        "--bucket",
        "no-such-bucket",
        "--database-url",
        url,
        "--load-mode",
        "streamed",
        "--endpoint-url",
        objects.endpoint,
        "--region",
        LOCAL_REGION,
        "--run",
        "listing-fails",
      ],
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
    );
    expect(code).to.equal(1);
    expect(err).to.have.length(2);
    expect(err[0]).to.match(/^rebuild listing-fails stopped: \w+/);
    expect(err[1]).to.equal("run the same command with --run listing-fails to resume: objects this run loaded are skipped");
  });

  it("says what is wrong with its arguments, exit status 2", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await rebuildCommand(["--bucket", BUCKET, "--database-url", "postgres://x", "--from", "2026-11-26", "--run", "no spaces"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).to.equal(2);
    expect(err[0]).to.equal(
      '--database-url must be mysql://user[:password]@host[:port]/database, got "postgres://x"; --run takes 1 to 64 letters, digits or "_.:-", got "no spaces"; --from takes an hour of the calendar as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "2026-11-26"; see npm run rebuild -- --help',
    );
  });
});
