import { readFileSync } from "node:fs";
import type { Connection } from "mysql2/promise";
import { type ArchiveSchemaVersion } from "../components";
import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS } from "../components/internal/web-analytics";
import { type LoadTarget } from "../functions/load/sql";
import { FIXED_COLUMNS } from "../functions/transform/core";
import { checkAwsAccess, clientSettings } from "./aws-access";
import { UsageError } from "./cli-args";
import { oneLine, runCommand, type Io } from "./cli-run";
import { REBUILD, rebuildArgs, type RebuildArgs } from "./rebuild-args";
import { type RebuildProgress } from "./rebuild";

/** The archive's schema versions, from the stack output archiveSchemaHistory saved as a file, or the default columns' one version. */
function schemaHistory(file: string | undefined): ArchiveSchemaVersion[] {
  if (!file) return [{ version: 1, columns: WEB_ANALYTICS_COLUMNS.map((c) => c.name), columnTypes: WEB_ANALYTICS_COLUMN_TYPES }];
  let history: unknown;
  try {
    history = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--schema-history ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  const ok =
    Array.isArray(history) &&
    history.length > 0 &&
    history.every((v, i) => v?.version === i + 1 && Array.isArray(v.columns) && v.columnTypes && typeof v.columnTypes === "object");
  if (!ok)
    throw new UsageError(`--schema-history ${file} must hold the stack output archiveSchemaHistory: [{version: 1, columns: [...], columnTypes: {...}}, ...]`);
  return history as ArchiveSchemaVersion[];
}

/** What the loader loads into, as the deployed loader's environment says it. */
export function rebuildTarget(args: RebuildArgs, history: readonly ArchiveSchemaVersion[]): LoadTarget {
  const newest = history[history.length - 1];
  return {
    database: args.database.name,
    ...args.tables,
    columns: [...FIXED_COLUMNS, ...newest.columns],
    columnTypes: newest.columnTypes,
    versionColumns: history.map((v) => FIXED_COLUMNS.length + v.columns.length),
  };
}

const percent = (p: RebuildProgress) => (p.listed === 0 ? "" : ` (${Math.floor((100 * p.done) / p.listed)}% of those listed so far)`);
export const progressLine = (run: string, p: RebuildProgress) =>
  `rebuild ${run}: ${p.done.toLocaleString("en")} objects, ${p.loaded.toLocaleString("en")} loaded now, ${p.alreadyLoaded.toLocaleString("en")} already loaded by this run${percent(p)}; ${p.rows.toLocaleString("en")} rows, ${p.rejectedRows.toLocaleString("en")} refused`;

/**
 * `npm run rebuild`: reads its arguments, checks the AWS region and credentials, connects to the
 * database and the archive, and reloads the objects with the loader's own code, telling its
 * progress a batch at a time. Exit status 0 when every object loaded, 1 when the rebuild stopped
 * (it says whether the run started, and so whether the same --run resumes it), 2 on a usage problem.
 */
export function rebuildCommand(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(REBUILD, argv, io, (values) => rebuild(rebuildArgs(values), io));
}

async function rebuild(args: RebuildArgs, io: Io): Promise<number> {
  const history = schemaHistory(args.schemaHistory);
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { createConnection } = require("mysql2/promise") as typeof import("mysql2/promise");
  const { s3Opener } = require("../functions/load/s3-source") as typeof import("../functions/load/s3-source");
  const { loadEvent } = require("../functions/load/load-event") as typeof import("../functions/load/load-event");
  const { rebuildFromArchive } = require("./rebuild") as typeof import("./rebuild");
  const { databaseRepair } = require("./rebuild-repair") as typeof import("./rebuild-repair");
  const s3 = new S3Client({ ...clientSettings(args), ...(args.endpointUrl && { endpoint: args.endpointUrl, forcePathStyle: true }) });
  let connection: Connection | undefined;
  const run = args.run;
  // The run has started once it may have recorded something under its name: its start (a repair) or an object's load.
  let started = false;
  try {
    await checkAwsAccess(s3, args);
    const db = args.database;
    // Over TLS the password may be an IAM authentication token, which the server takes as clear text, as the loader signs in.
    connection = await createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.tls && { ssl: "Amazon RDS", enableCleartextPlugin: true }),
    });
    const target = rebuildTarget(args, history);
    const mode = args.loadMode === "streamed" ? { kind: "local" as const, open: s3Opener(s3) } : { kind: "s3" as const };
    const log = { info() {}, warn: (message: string, fields?: object) => io.err(`${message} ${JSON.stringify(fields ?? {})}`) };
    const open = connection;
    const repair = databaseRepair(open, target, { bucket: args.bucket, prefix: args.prefix });
    io.out(
      `rebuild ${run}: s3://${args.bucket}/${args.prefix} into ${db.name}.${args.tables.table}${args.from || args.to ? `, hours ${args.from ?? "…"} to ${args.to ?? "…"}` : ""}; if it stops, run the same command with --run ${run} to resume`,
    );
    const done = await rebuildFromArchive(
      { bucket: args.bucket, prefix: args.prefix, run, from: args.from, to: args.to, batchObjects: args.batchObjects },
      {
        s3,
        load: (event) => {
          started = true;
          return loadEvent(event, { connect: async () => open, target, mode, prefix: args.prefix, log });
        },
        progress: (p) => io.out(progressLine(run, p)),
        repair: {
          begin: async (name) => {
            const begun = await repair.begin(name);
            started = true;
            return begun;
          },
          finish: (name) => repair.finish(name),
        },
      },
    );
    const repaired =
      done.removed === undefined ? "" : `; the table now holds the archive exactly (${done.removed.toLocaleString("en")} rows no object holds removed)`;
    const none = `rebuild ${run}: no objects under s3://${args.bucket}/${args.prefix}${args.from || args.to ? " in that range" : ""}: nothing loaded, the table left as it is`;
    io.out(done.done === 0 ? none : `${progressLine(run, done)}${repaired}; done`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (!started) {
      io.err(`rebuild ${run} could not start: ${oneLine(error)}; nothing was loaded`);
      return 1;
    }
    io.err(`rebuild ${run} stopped: ${oneLine(error)}`);
    io.err(`run the same command with --run ${run} to resume: objects this run loaded are skipped`);
    return 1;
  } finally {
    await connection?.end().catch(() => undefined);
    s3.destroy();
  }
}
