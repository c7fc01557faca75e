import { expect } from "chai";
import * as fc from "fast-check";
import type { RowDataPacket } from "mysql2/promise";
import { loadEvent } from "../../functions/load/load-event";
import { type LoadTarget } from "../../functions/load/sql";
import { mapWithConcurrency } from "../../functions/shared/retry";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { CSV_COLUMNS, csvRow } from "../support/archive";
import { withLoadingEngines } from "../support/archive-loading";
import { propertySettings } from "../support/property";

const BUCKET = "archive";

type Change = { item: number; change: "INSERT" | "MODIFY" | "REMOVE"; sequence: number; hits: number };
type ArchiveObject = { key: string; changes: Change[] };

/** The items' order, drawn from the seed: fast-check's shuffle, so a failing run replays from its seed. */
const shuffled = <T>(items: readonly T[], seed: number): T[] =>
  fc.sample(fc.shuffledSubarray([...items], { minLength: items.length }), { seed, numRuns: 1 })[0];

/**
 * Loaders as AWS runs them: one invocation per S3 object, many at once, each with its own
 * connection. Whatever they do at once must end exactly as the same objects loaded one by one.
 */
describe("loaders at once on overlapping objects (Why: two loaders on changes of the same items deadlocked, and objects went to the failed-events queue)", function () {
  this.timeout(600_000);
  const engines = withLoadingEngines(BUCKET);
  let runs = 0;

  const target = (name: string): LoadTarget => ({
    database: `${name}_${runs}`,
    table: "web_analytics",
    manifestTable: "loaded_objects",
    rejectsTable: "rejected_rows",
    columns: CSV_COLUMNS,
    columnTypes: { hits: "INT" },
  });
  const rows = async (t: LoadTarget) => (await engines.admin.query<RowDataPacket[]>("SELECT * FROM ??.?? ORDER BY dedup_key", [t.database, t.table]))[0];
  const rejects = async (t: LoadTarget) => (await engines.admin.query<RowDataPacket[]>("SELECT * FROM ??.??", [t.database, t.rejectsTable]))[0];

  async function put(objects: ArchiveObject[]) {
    return Promise.all(objects.map((o) => engines.put(o.key, o.changes.map((c) => csvRow(c.item, { Hits: c.hits }, c.change, String(c.sequence))).join(""))));
  }

  /**
   * Loads the events, `concurrency` at a time, each by a loader of its own (a new container);
   * answers the warnings they logged. Every load must succeed: a failure is what sends an object
   * to the failed-events queue.
   */
  async function loadAtOnce(t: LoadTarget, events: { Records: unknown[] }[], concurrency: number) {
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    await mapWithConcurrency(events, concurrency, async (event) => {
      const loader = await engines.loader(t);
      try {
        await loadEvent(event, { ...loader, log: { info() {}, warn: (message, fields = {}) => warnings.push({ message, fields }) } });
      } finally {
        await loader.end();
      }
    });
    return warnings;
  }

  async function loadOneByOne(t: LoadTarget, events: { Records: unknown[] }[]) {
    const loader = await engines.loader(t);
    for (const event of events) await loadEvent(event, loader);
    await loader.end();
  }

  /** Every warning is a retry of a lock conflict, with the object, the attempt and the conflict. */
  function expectOnlyRetries(warnings: { message: string; fields: Record<string, unknown> }[]) {
    for (const { message, fields } of warnings) {
      expect(message, JSON.stringify(fields)).to.equal(LOG_MESSAGES.loadRetried);
      expect(fields).to.have.keys("bucket", "key", "attempt", "attempts", "delayMs", "code", "error");
      expect(fields.code).to.be.oneOf(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);
    }
  }

  it("applies rows in key order, so two loaders updating the same items from objects in opposite line orders wait for each other instead of deadlocking", async () => {
    runs += 1;
    const t = target("opposite");
    const items = [...Array(2000).keys()];
    const object = (name: string, order: number[], sequence: number): ArchiveObject => ({
      key: `processed/2026/11/30/${runs}/${name}.csv`,
      changes: order.map((item) => ({ item, change: "MODIFY", sequence: sequence + item, hits: sequence })),
    });
    const [first] = await put([object("first", items, 10_000)]);
    await loadOneByOne(t, [first]);
    // Every key has a row, so both objects take the staged path. A third session holds the row of
    // the item in the middle of both objects, so both loaders stop there, each holding the rows it
    // reached before; then it lets go. In file order they would now need each other's rows.
    // However slow the machine, the first loader to stop must still be waiting when the second arrives.
    const [[{ lockWait }]] = await engines.admin.query<RowDataPacket[]>("SELECT @@GLOBAL.innodb_lock_wait_timeout AS lockWait");
    await engines.admin.query("SET GLOBAL innodb_lock_wait_timeout = 3600");
    const holder = await engines.loader(t);
    const held = await holder.connect();
    await held.query("BEGIN");
    await held.query("SELECT * FROM ??.?? WHERE page_id = ? FOR UPDATE", [t.database, t.table, `p-${1000 + items.length / 2}`]);
    const events = await put([object("ascending", items, 20_000), object("descending", [...items].reverse(), 30_000)]);
    // No retry is allowed: a deadlock fails one of the loads.
    const loads = events.map(async (event) => {
      const loader = await engines.loader(t);
      return loadEvent(event, { ...loader, lockRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }).finally(() => loader.end());
    });
    // A load that ends before both wait (it failed) ends the wait too: its error is the test's answer.
    let ended = false;
    const settled = Promise.allSettled(loads).finally(() => (ended = true));
    // InnoDB's own report counts the waits: information_schema.INNODB_TRX can leave out a transaction
    // waiting inside an INSERT … SELECT (MariaDB 10.11 did, and the wait never ended).
    for (let waiting = 0; waiting < 2 && !ended; await new Promise((done) => setTimeout(done, 50))) {
      const [[status]] = await engines.admin.query<RowDataPacket[]>("SHOW ENGINE INNODB STATUS");
      waiting = String(status.Status).split("TRX HAS BEEN WAITING").length - 1;
    }
    await held.query("ROLLBACK");
    await holder.end();
    const outcomes = await settled;
    await engines.admin.query("SET GLOBAL innodb_lock_wait_timeout = ?", [lockWait]);
    expect(outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : o.status))).to.deep.equal(["fulfilled", "fulfilled"]);
    expect((await rows(t)).every((row) => row.hits === 30_000)).to.equal(true);
  });

  it("ends with exactly the rows of a serial load when every loader holds changes of the same items, in any order, some objects notified twice", async () => {
    const ITEMS = 240;
    const OBJECTS = 8;
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        runs += 1;
        // Object o holds a change of every item; which object holds the newest change is drawn, and so is each object's line order.
        const newest = shuffled([...Array(OBJECTS).keys()], seed);
        const objects: ArchiveObject[] = newest.map((rank, o) => ({
          key: `processed/2026/11/28/${String(runs).padStart(2, "0")}/same-items-${o}.csv`,
          changes: shuffled([...Array(ITEMS).keys()], seed + o).map((item) => ({
            item,
            change: o === 0 ? "INSERT" : item % 7 === rank ? "REMOVE" : "MODIFY",
            sequence: 100_000 + rank * 1_000 + item,
            hits: o,
          })),
        }));
        const events = await put(objects);
        const [parallel, serial] = [target("parallel"), target("serial")];
        const warnings = await loadAtOnce(parallel, [...events, events[1], events[OBJECTS - 1]], events.length + 2);
        await loadOneByOne(serial, events);
        expectOnlyRetries(warnings);
        expect(await rows(parallel)).to.deep.equal(await rows(serial));
        expect(await rows(parallel)).to.have.length(ITEMS);
        expect(await rejects(parallel)).to.deep.equal([]);
      }),
      propertySettings(3),
    );
  });

  it("ends with exactly the rows of a serial load when many objects of overlapping items load at once", async () => {
    const OBJECTS = 30;
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        runs += 1;
        // Object k holds items 12k to 12k + 47: each item is in four objects, its newest change in any of them.
        const order = shuffled([...Array(OBJECTS).keys()], seed);
        const objects: ArchiveObject[] = order.map((rank, k) => ({
          key: `processed/2026/11/29/${String(runs).padStart(2, "0")}/overlap-${k}.csv`,
          changes: shuffled(
            [...Array(48).keys()].map((j) => 12 * k + j),
            seed + k,
          ).map((item) => ({ item, change: "MODIFY", sequence: 200_000 + rank * 1_000 + item, hits: k })),
        }));
        const events = await put(objects);
        const [parallel, serial] = [target("many"), target("many_serial")];
        const warnings = await loadAtOnce(parallel, shuffled(events, seed), 8);
        await loadOneByOne(serial, events);
        expectOnlyRetries(warnings);
        expect(await rows(parallel)).to.deep.equal(await rows(serial));
        expect(await rejects(parallel)).to.deep.equal([]);
      }),
      propertySettings(3),
    );
  });
});
