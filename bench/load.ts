import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Event } from "aws-lambda";
import { parse } from "csv-parse/sync";
import { createConnection, type Connection } from "mysql2/promise";
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
import { printTable } from "./table";

const ROWS = Number(process.env.BENCH_LOAD_ROWS ?? 100_000);
const COLUMNS = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];

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
  const target: LoadTarget = { database: name, table: "web_analytics", manifestTable: "loaded_objects", rejectsTable: "rejected_rows", columns: COLUMNS, columnTypes: WEB_ANALYTICS_COLUMN_TYPES };
  for (const statement of schemaStatements(target)) await connection.query(statement);
  return target;
}

async function count(connection: Connection, target: LoadTarget): Promise<number> {
  const [[row]] = await connection.query<any[]>("SELECT COUNT(*) AS n FROM ??.??", [target.database, target.table]);
  return Number(row.n);
}

/** The loader vs a row-by-row INSERT baseline vs LOAD DATA LOCAL INFILE from a local file, on MariaDB. */
export async function benchLoad(): Promise<void> {
  if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error(`BENCH_LOAD_ROWS must be a positive integer, got "${process.env.BENCH_LOAD_ROWS}"`);
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
    const { ETag } = await new Upload({ client: s3, params: { Bucket: "archive", Key: "processed/2026/11/26/10/bench.csv", Body: body }, partSize: 8 * 1024 * 1024 }).done();

    const results: { name: string; seconds: number }[] = [];
    const time = async (name: string, target: LoadTarget, run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      results.push({ name, seconds: (performance.now() - started) / 1000 });
      if ((await count(connection, target)) !== ROWS) throw new Error(`${name} did not load ${ROWS} rows`);
    };

    const baseline = await freshTarget(connection, "bench_baseline");
    await time("baseline (INSERT per row)", baseline, async () => {
      const rows = parse(body, { cast: (value, context) => (!context.quoting && value === "NULL" ? null : value) }) as (string | null)[][];
      const sql = `REPLACE INTO ${connection.escapeId(baseline.database)}.${connection.escapeId(baseline.table)} (${COLUMNS.map((c) => connection.escapeId(c)).join(", ")}) VALUES (?)`;
      for (const row of rows) await connection.query(sql, [row]);
    });

    const ours = await freshTarget(connection, "bench_loader");
    const event = (etag: string) =>
      ({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "archive" }, object: { key: "processed/2026/11/26/10/bench.csv", eTag: etag, size: body.length } } }] }) as unknown as S3Event;
    const loadInto = (target: LoadTarget, etag: string) =>
      loadEvent(event(etag), { connect: async () => connection, target, mode: { kind: "local", open: s3Opener(s3) }, prefix: "processed/", log: { info() {}, warn() {} } });
    await time("ours (loader, streamed from S3)", ours, () => loadInto(ours, (ETag ?? "").replace(/"/g, "")));

    const ceiling = await freshTarget(connection, "bench_ceiling");
    await time("ceiling (LOAD DATA LOCAL, local file)", ceiling, () => connection.query({ sql: loadStatement(ceiling, { kind: "local" }, "rows"), infileStreamFactory: () => createReadStream(file) }));

    // The same rows once more, as a new object: every key exists, so the loader stages the object and applies only newer changes.
    await time("ours, every row already loaded (staged, newest wins)", ours, () => loadInto(ours, "another-version"));

    console.log(`## Load: one ${ROWS}-row archive object into MariaDB ${(await connection.query<any[]>("SELECT VERSION() AS v"))[0][0].v}\n`);
    printTable([["contender", "seconds", "rows/s"], ...results.map((r) => [r.name, r.seconds.toFixed(2), (ROWS / r.seconds).toFixed(0)])]);
    const [base, mine, top, staged] = results;
    console.log(`\nours/baseline = ${(base.seconds / mine.seconds).toFixed(2)}x`);
    console.log(`ours/ceiling  = ${(top.seconds / mine.seconds).toFixed(2)}x`);
    console.log(`staged/ceiling = ${(top.seconds / staged.seconds).toFixed(2)}x (an object whose rows are all loaded already)`);
  } finally {
    await connection.end();
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([database.stop(), objects.stop()]);
  }
}
