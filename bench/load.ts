import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Event } from "aws-lambda";
import { parse } from "csv-parse/sync";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../components/internal/web-analytics";
import { loadEvent } from "../functions/load/load-event";
import { s3Opener } from "../functions/load/s3-source";
import { loadStatement, schemaStatements, type LoadTarget } from "../functions/load/sql";
import { createTransformer, FIXED_COLUMNS } from "../functions/transform/core";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startMariaDb, startS3Engine } from "../engines";
import { archiveRecords } from "./archive-records";
import { median } from "./median";
import { thisMachine, writeMeasuredPart } from "./figures-file";
import { atFullSize, benchSize, checkSizes } from "./sizes";
import { printTable } from "./table";

const ROWS = benchSize("BENCH_LOAD_ROWS");
const ROUNDS = benchSize("BENCH_LOAD_ROUNDS");
/** The baseline takes one round trip per row: a part of the object gives it a stable rate. */
const BASELINE_ROWS = Math.min(ROWS, benchSize("BENCH_LOAD_BASELINE_ROWS"));
const COLUMNS = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];
const KEY = "processed/2026/11/26/10/bench.csv";

function csvObject(rows: number): string {
  const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
  return archiveRecords(rows)
    .map((data) => {
      const result = transform(data);
      if (!result.ok) throw new Error(result.detail);
      return result.line;
    })
    .join("");
}

async function freshTarget(connection: Connection, name: string): Promise<LoadTarget> {
  const target: LoadTarget = {
    database: name,
    table: "web_analytics",
    manifestTable: "loaded_objects",
    rejectsTable: "rejected_rows",
    columns: COLUMNS,
    columnTypes: WEB_ANALYTICS_COLUMN_TYPES,
  };
  await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
  for (const statement of schemaStatements(target)) await connection.query(statement);
  return target;
}

async function count(connection: Connection, target: LoadTarget): Promise<number> {
  const [[row]] = await connection.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM ??.??", [target.database, target.table]);
  return Number(row.n);
}

/**
 * The loader against raw `LOAD DATA LOCAL INFILE` from a local file (the ceiling: no S3, no
 * manifest, no checks), on MariaDB, in ROUNDS rounds on fresh databases, each round back to back:
 * the loader on a fresh table (its fast path), raw LOAD DATA on a fresh table, and the loader again
 * on the same rows as a new object (every row loaded already: its staged path, newest wins). Prints
 * each contender's median and the ratios ours/raw and staged/raw, of the medians and per round; a
 * row-by-row INSERT baseline runs once, on the first BASELINE_ROWS rows. With `write` (and full
 * sizes), writes the loader's rows per second to capacity/measured-figures.json.
 */
export async function benchLoad({ write = false } = {}): Promise<void> {
  checkSizes("BENCH_LOAD_ROWS", "BENCH_LOAD_ROUNDS", "BENCH_LOAD_BASELINE_ROWS");
  if (write && !atFullSize("BENCH_LOAD_ROWS", "BENCH_LOAD_ROUNDS"))
    throw new Error("--write takes figures from full-size runs only: unset BENCH_LOAD_ROWS and BENCH_LOAD_ROUNDS");
  const measuredOn = thisMachine();
  const body = csvObject(ROWS);
  const [database, objects] = await Promise.all([startMariaDb(), startS3Engine()]);
  const dir = mkdtempSync(path.join(tmpdir(), "bench-load-"));
  const s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
  try {
    const file = path.join(dir, "rows.csv");
    writeFileSync(file, body);
    await s3.send(new CreateBucketCommand({ Bucket: "archive" }));
    // Larger than the S3 engine takes in one request: uploaded in parts, as Firehose does with large objects.
    const { ETag } = await new Upload({ client: s3, params: { Bucket: "archive", Key: KEY, Body: body }, partSize: 8 * 1024 * 1024 }).done();
    const event = (etag: string) =>
      ({
        Records: [
          { eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "archive" }, object: { key: KEY, eTag: etag, size: body.length } } },
        ],
      }) as unknown as S3Event;
    const loadInto = (target: LoadTarget, etag: string) =>
      loadEvent(event(etag), {
        connect: async () => connection,
        target,
        mode: { kind: "local", open: s3Opener(s3) },
        prefix: "processed/",
        log: { info() {}, warn() {} },
      });
    const time = async (target: LoadTarget, rows: number, run: () => Promise<unknown>): Promise<number> => {
      const started = performance.now();
      await run();
      const seconds = (performance.now() - started) / 1000;
      if ((await count(connection, target)) !== rows) throw new Error(`a load into ${target.database} did not end with ${rows} rows`);
      return seconds;
    };

    const baseline = await freshTarget(connection, "bench_baseline");
    const baselineSeconds = await time(baseline, BASELINE_ROWS, async () => {
      const rows = (parse(body, { cast: (value, context) => (!context.quoting && value === "NULL" ? null : value) }) as (string | null)[][]).slice(
        0,
        BASELINE_ROWS,
      );
      const sql = `REPLACE INTO ${connection.escapeId(baseline.database)}.${connection.escapeId(baseline.table)} (${COLUMNS.map((c) => connection.escapeId(c)).join(", ")}) VALUES (?)`;
      for (const row of rows) await connection.query(sql, [row]);
    });

    const rounds: { ours: number; raw: number; staged: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const ours = await freshTarget(connection, "bench_loader");
      const oursSeconds = await time(ours, ROWS, () => loadInto(ours, (ETag ?? "").replace(/"/g, "")));
      const raw = await freshTarget(connection, "bench_raw");
      const rawSeconds = await time(raw, ROWS, () =>
        connection.query({ sql: loadStatement(raw, { kind: "local" }, "rows"), infileStreamFactory: () => createReadStream(file) }),
      );
      // The same rows once more, as a new object: every key exists, so the loader stages the object and applies only newer changes.
      const stagedSeconds = await time(ours, ROWS, () => loadInto(ours, `another-version-${round}`));
      rounds.push({ ours: oursSeconds, raw: rawSeconds, staged: stagedSeconds });
    }

    const medians = { ours: median(rounds.map((r) => r.ours)), raw: median(rounds.map((r) => r.raw)), staged: median(rounds.map((r) => r.staged)) };
    const spread = (key: keyof typeof medians) => `${Math.min(...rounds.map((r) => r[key])).toFixed(2)}–${Math.max(...rounds.map((r) => r[key])).toFixed(2)}`;
    console.log(
      `## Load: one ${ROWS}-row archive object into MariaDB ${(await connection.query<RowDataPacket[]>("SELECT VERSION() AS v"))[0][0].v}, median of ${ROUNDS} rounds\n`,
    );
    printTable([
      ["contender", "seconds", "rounds", "rows/s"],
      [`baseline (INSERT per row, first ${BASELINE_ROWS} rows, once)`, baselineSeconds.toFixed(2), "", (BASELINE_ROWS / baselineSeconds).toFixed(0)],
      ["ours (loader, streamed from S3, fresh rows)", medians.ours.toFixed(2), spread("ours"), (ROWS / medians.ours).toFixed(0)],
      ["raw (LOAD DATA LOCAL, local file, fresh rows)", medians.raw.toFixed(2), spread("raw"), (ROWS / medians.raw).toFixed(0)],
      ["staged (loader, every row loaded already, newest wins)", medians.staged.toFixed(2), spread("staged"), (ROWS / medians.staged).toFixed(0)],
    ]);
    const perRound = (key: "ours" | "staged") => rounds.map((r) => (r.raw / r[key]).toFixed(2)).join(", ");
    console.log(`\nours/baseline = ${(ROWS / medians.ours / (BASELINE_ROWS / baselineSeconds)).toFixed(2)}x (rows per second)`);
    console.log(`ours/raw      = ${(medians.raw / medians.ours).toFixed(2)}x (goal 0.8; per round ${perRound("ours")})`);
    console.log(
      `staged/raw    = ${(medians.raw / medians.staged).toFixed(2)}x (goal 0.5; per round ${perRound("staged")}; an object whose rows are all loaded already)`,
    );
    if (write)
      writeMeasuredPart("load", { measuredOn, rounds: ROUNDS, rows: ROWS, rowBytes: Buffer.byteLength(body) / ROWS, rowsPerSecond: ROWS / medians.ours });
  } finally {
    await connection.end();
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([database.stop(), objects.stop()]);
  }
}
