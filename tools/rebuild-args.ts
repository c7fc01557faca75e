import { PROCESSED_PREFIX } from "../components/internal/archive-layout";
import { auroraLoaderDefaults } from "../components/settings/aurora-loader";
import { oneOf, readFlags, UsageError, wholeNumber } from "./cli-args";

const HELP = "npm run rebuild -- --help";

export const REBUILD_USAGE = `npm run rebuild -- --bucket <archive bucket> --database-url <mysql://user@host:port/database> [options]

Loads the archive's processed objects into the MySQL table again, with the loader's own code and
LOAD DATA: after the table was dropped or damaged, or to fill a new database. Each object's load
is recorded in the manifest under the run's name; run the same command with the same --run to
resume after a crash. Over the whole archive it repairs: the table ends equal to a clean load of
the archive (rows changed by hand are replaced, rows no object holds deleted). With --from/--to it
only adds: rows already in the table are replaced only by newer changes.

  --bucket <name>            the archive bucket (stack output archiveBucketName); required
  --database-url <url>       mysql://user[:password]@host[:port]/database (stack outputs clusterEndpoint,
                             clusterPort, databaseName); the password may come from MYSQL_PWD instead; required
  --run <name>               the run's name, letters, digits and "_.:-" (default: rebuild-<UTC time>); the same
                             name resumes a run
  --from <YYYY-MM-DDTHH>     only objects of this hour (UTC, as in their keys) and later
  --to <YYYY-MM-DDTHH>       only objects of this hour and earlier
  --table <name>             the rows' table (default: ${auroraLoaderDefaults.database.table}); also --manifest-table
                             (default: ${auroraLoaderDefaults.database.manifestTable}) and --rejects-table (default: ${auroraLoaderDefaults.database.rejectsTable})
  --schema-history <file>    the archive's schema versions, a JSON file of the stack output archiveSchemaHistory
                             (default: the web-analytics columns, one version)
  --load-mode <s3|streamed>  s3: Aurora reads each object itself (LOAD DATA FROM S3); streamed: this command
                             streams it (LOAD DATA LOCAL INFILE, MySQL and MariaDB) (default: s3)
  --tls                      connect with TLS, checking the server against the Amazon RDS certificate
                             authorities mysql2 ships, as Aurora requires (require_secure_transport); the
                             password (MYSQL_PWD) may then be an IAM authentication token
  --batch <n>                objects per progress step (default: 20)
  --endpoint-url <url>       an S3 endpoint other than AWS's (the local engines)
  --region <region>          the archive's region (default: AWS_REGION, or the profile's region)
  --profile <name>           a profile from ~/.aws/config
  -h, --help                 this text`;

export interface RebuildArgs {
  bucket: string;
  database: { host: string; port: number; user: string; password?: string; name: string; tls: boolean };
  run: string;
  from?: string;
  to?: string;
  tables: { table: string; manifestTable: string; rejectsTable: string };
  schemaHistory?: string;
  loadMode: "s3" | "streamed";
  batchObjects: number;
  prefix: string;
  endpointUrl?: string;
  region?: string;
  profile?: string;
}

const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const RUN = /^[A-Za-z0-9_.:-]{1,64}$/;
const NAME = /^[A-Za-z0-9_]{1,64}$/;

/** The rebuild command's arguments: "help" when asked for it; a UsageError naming every problem. */
export function parseRebuildArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): RebuildArgs | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const strings = ["bucket", "database-url", "run", "from", "to", "table", "manifest-table", "rejects-table", "schema-history", "load-mode", "batch", "endpoint-url", "region", "profile"];
  const values = readFlags(argv, { ...Object.fromEntries(strings.map((name) => [name, { type: "string" as const }])), tls: { type: "boolean" }, help: { type: "boolean", short: "h" } }, HELP);
  const text = (name: string) => (typeof values[name] === "string" && (values[name] as string).trim() !== "" ? (values[name] as string) : undefined);
  const problems: string[] = [];
  for (const name of ["bucket", "database-url"]) if (!text(name)) problems.push(`--${name} is required`);
  for (const name of strings) if (values[name] !== undefined && !text(name)) problems.push(`--${name} needs a value`);
  let database: RebuildArgs["database"] | undefined;
  if (text("database-url")) {
    try {
      const url = new URL(text("database-url")!);
      const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
      if (url.protocol !== "mysql:" || !url.hostname || !url.username || !name) throw new Error("incomplete");
      database = { host: url.hostname, port: url.port ? Number(url.port) : 3306, user: decodeURIComponent(url.username), password: url.password ? decodeURIComponent(url.password) : env.MYSQL_PWD, name, tls: values.tls === true };
    } catch {
      problems.push(`--database-url must be mysql://user[:password]@host[:port]/database, got "${text("database-url")}"`);
    }
  }
  for (const flag of ["from", "to"]) if (text(flag) && !HOUR.test(text(flag)!)) problems.push(`--${flag} takes an hour as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "${text(flag)}"`);
  if (text("from") && text("to") && text("from")! > text("to")!) problems.push(`--from ${text("from")} is after --to ${text("to")}`);
  if (text("run") && !RUN.test(text("run")!)) problems.push(`--run takes 1 to 64 letters, digits or "_.:-", got "${text("run")}"`);
  for (const flag of ["table", "manifest-table", "rejects-table"]) if (text(flag) && !NAME.test(text(flag)!)) problems.push(`--${flag} takes 1 to 64 letters, digits or "_", got "${text(flag)}"`);
  let loadMode: "s3" | "streamed" = "s3";
  let batchObjects = 20;
  try {
    loadMode = oneOf("load-mode", text("load-mode"), ["s3", "streamed"], "s3", HELP);
    batchObjects = wholeNumber("batch", text("batch"), 20, 1, 1000, HELP);
  } catch (error) {
    problems.push((error as Error).message.replace(/; see .*$/, ""));
  }
  if (problems.length > 0) throw new UsageError(`${problems.join("; ")}; see ${HELP}`);
  return {
    bucket: text("bucket")!,
    database: database!,
    run: text("run") ?? `rebuild-${now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`,
    from: text("from"),
    to: text("to"),
    tables: { table: text("table") ?? auroraLoaderDefaults.database.table, manifestTable: text("manifest-table") ?? auroraLoaderDefaults.database.manifestTable, rejectsTable: text("rejects-table") ?? auroraLoaderDefaults.database.rejectsTable },
    schemaHistory: text("schema-history"),
    loadMode,
    batchObjects,
    prefix: PROCESSED_PREFIX,
    endpointUrl: text("endpoint-url"),
    region: text("region"),
    profile: text("profile"),
  };
}
