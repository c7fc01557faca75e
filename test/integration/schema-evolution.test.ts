import { expect } from "chai";
import { type RowDataPacket } from "mysql2/promise";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { loadEvent } from "../../functions/load/load-event";
import { type LoadTarget } from "../../functions/load/sql";
import { createTransformer, FIXED_COLUMNS, type ArchiveColumn } from "../../functions/transform/core";
import { archiveLine, withLoadingEngines } from "../support/archive-loading";
import { clickItem } from "../support/dynamodb-stream";

const BUCKET = "archive";

/** Version 2 of the web-analytics archive: a `referrer` column added at the end, with its rule in the schema. */
const V2_COLUMNS: ArchiveColumn[] = [...WEB_ANALYTICS_COLUMNS, { name: "referrer", path: "referrer" }];
const V2_SCHEMA = { ...WEB_ANALYTICS_SCHEMA, properties: { ...WEB_ANALYTICS_SCHEMA.properties, referrer: { type: "string", maxLength: 200 } } };
const V2_TYPES = { ...WEB_ANALYTICS_COLUMN_TYPES, referrer: "VARCHAR(200)" };
const V1_CSV = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];
const V2_CSV = [...V1_CSV, "referrer"];

const transforms = {
  1: createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_COLUMN_TYPES),
  2: createTransformer(V2_SCHEMA, V2_COLUMNS, V2_TYPES),
};

/** The CSV line a transform of that schema version writes for click `n`; clicks carry a referrer, which only version 2 archives. */
const line = (version: 1 | 2, n: number) => archiveLine(transforms[version], clickItem(n, { referrer: `https://example.com/from/${n}` }), 1000 + n);
const lines = (version: 1 | 2, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(version, from + i)).join("");

describe("schema evolution on MariaDB: a column added mid-stream", function () {
  this.timeout(120_000);
  const engines = withLoadingEngines(BUCKET);
  const { loader, put } = engines;
  let databases = 0;

  const targets = () => {
    const name = `evolving_${++databases}`;
    const v1: LoadTarget = {
      database: name,
      table: "web_analytics",
      manifestTable: "loaded_objects",
      rejectsTable: "rejected_rows",
      columns: V1_CSV,
      columnTypes: WEB_ANALYTICS_COLUMN_TYPES,
    };
    const v2: LoadTarget = { ...v1, columns: V2_CSV, columnTypes: V2_TYPES, versionColumns: [V1_CSV.length, V2_CSV.length] };
    return { v1, v2 };
  };
  const rows = async (t: LoadTarget) => (await engines.admin.query<RowDataPacket[]>("SELECT * FROM ??.?? ORDER BY page_id", [t.database, t.table]))[0];
  const clickOf = (row: RowDataPacket) => Number(String(row.page_id).slice(2)) - 1000;

  it("keeps every row: objects written before the change load with NULL in the new column, those after with its values, mixed ones line by line", async () => {
    const { v1, v2 } = targets();
    const before = await loader(v1);
    expect(await loadEvent(await put("processed/2026/11/26/10/before.csv", lines(1, 1, 20)), before)).to.include({ loaded: 1, rows: 20, rejectedRows: 0 });
    await before.end();

    // pulumi up with the column added: the loader of version 2 migrates the table, the new prefix carries the version.
    const after = await loader(v2);
    const written = [
      // Delivered late, under the old prefix, after the migration.
      await put("processed/2026/11/26/10/late.csv", lines(1, 21, 25)),
      // Written while the deployment switched: lines of both versions under the new prefix.
      await put("processed/v2/2026/11/26/11/switch.csv", lines(1, 26, 30) + lines(2, 31, 35)),
      await put("processed/v2/2026/11/26/11/after.csv", lines(2, 36, 60)),
    ];
    for (const event of written) expect(await loadEvent(event, after)).to.include({ loaded: 1, rejectedRows: 0 });

    const loaded = await rows(v2);
    expect(loaded.map(clickOf).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const row of loaded) {
      const n = clickOf(row);
      expect(row.referrer, `click ${n}`).to.equal(n <= 30 ? null : `https://example.com/from/${n}`);
      expect(row.hits, `click ${n}`).to.equal(1 + (n % 5));
    }
    await after.end();
  });

  it("takes the staged path for a mixed object whose keys exist, with the same result", async () => {
    const { v1, v2 } = targets();
    const first = await loader(v1);
    await loadEvent(await put("processed/2026/11/26/12/a.csv", lines(1, 1, 10)), first);
    await first.end();
    const second = await loader(v2);
    // The same clicks again (a replay), now with referrers for 6 to 10: not newer, so nothing changes; 11 to 15 are new.
    expect(await loadEvent(await put("processed/v2/2026/11/26/12/b.csv", lines(1, 1, 5) + lines(2, 6, 15)), second)).to.include({
      loaded: 1,
      rows: 15,
      rejectedRows: 0,
    });
    const loaded = await rows(v2);
    expect(loaded).to.have.length(15);
    expect(
      loaded
        .filter((r) => r.referrer !== null)
        .map(clickOf)
        .sort((a, b) => a - b),
    ).to.deep.equal([11, 12, 13, 14, 15]);
    await second.end();
  });

  it("migrates once when several loaders start at once, and again changes nothing", async () => {
    const { v1, v2 } = targets();
    const old = await loader(v1);
    await loadEvent(await put("processed/2026/11/26/13/a.csv", lines(1, 1, 3)), old);
    await old.end();
    const starting = await Promise.all(Array.from({ length: 6 }, () => loader(v2)));
    const events = await Promise.all(starting.map((_, i) => put(`processed/v2/2026/11/26/13/${i}.csv`, lines(2, 10 + i * 5, 14 + i * 5))));
    const summaries = await Promise.all(starting.map((deps, i) => loadEvent(events[i], deps)));
    expect(summaries.every((s) => s.loaded === 1 && s.rejectedRows === 0)).to.equal(true);
    const [columns] = await engines.admin.query<RowDataPacket[]>(
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'web_analytics' ORDER BY ORDINAL_POSITION",
      [v2.database],
    );
    expect(columns.map((c) => c.name)).to.deep.equal(V2_CSV);
    expect(await rows(v2)).to.have.length(33);
    await Promise.all(starting.map((deps) => deps.end()));
  });

  it("refuses to load an object of a newer version than it knows, so that Lambda retries it, and loads it once it knows", async () => {
    const { v1, v2 } = targets();
    const old = await loader(v1);
    const event = await put("processed/v2/2026/11/26/14/early.csv", lines(2, 1, 3));
    let failure: Error | undefined;
    await loadEvent(event, old).catch((error: Error) => (failure = error));
    expect(failure?.message).to.match(/early\.csv was written with schema version 2, and this loader knows versions up to 1: it is retried/);
    await old.end();
    const updated = await loader(v2);
    expect(await loadEvent(event, updated)).to.include({ loaded: 1, rows: 3 });
    await updated.end();
  });
});
