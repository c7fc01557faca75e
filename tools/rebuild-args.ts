import { PROCESSED_PREFIX } from "../components/internal/archive-layout";
import { auroraLoaderDefaults } from "../components/settings/aurora-loader";
import { awsOptions, endpointUrlOption } from "./aws-access";
import { choice, converted, flag, hour, text, whole, type Command, type Parsed } from "./cli-args";

/** The database's address and user, from mysql://user[:password]@host[:port]/database. */
export interface DatabaseAddress {
  host: string;
  port: number;
  user: string;
  password?: string;
  name: string;
}

function databaseUrl(raw: string): DatabaseAddress | { problem: string } {
  const wrong = { problem: `must be mysql://user[:password]@host[:port]/database, got "${raw}"` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return wrong;
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (url.protocol !== "mysql:" || !url.hostname || !url.username || !name) return wrong;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    name,
  };
}

const tableName = (help: string, fallback: string) =>
  text({ value: "name", help, default: fallback, pattern: /^[A-Za-z0-9_]{1,64}$/, says: '1 to 64 letters, digits or "_"' });

const options = {
  bucket: text({ value: "name", help: "the archive bucket (stack output archiveBucketName)", required: true }),
  "database-url": converted(
    {
      value: "url",
      help: "mysql://user[:password]@host[:port]/database (stack outputs clusterEndpoint, clusterPort, databaseName); the password may come from MYSQL_PWD instead",
      required: true,
    },
    databaseUrl,
  ),
  run: text({
    value: "name",
    help: "the run's name; the same name resumes a run",
    pattern: /^[A-Za-z0-9_.:-]{1,64}$/,
    says: '1 to 64 letters, digits or "_.:-"',
    shownDefault: "rebuild-<UTC time>",
  }),
  from: hour({ help: "only objects of this hour (UTC, as in their keys) and later" }),
  to: hour({ help: "only objects of this hour and earlier" }),
  table: tableName("the rows' table", auroraLoaderDefaults.database.table),
  "manifest-table": tableName("the table of objects loaded", auroraLoaderDefaults.database.manifestTable),
  "rejects-table": tableName("the table of rows refused", auroraLoaderDefaults.database.rejectsTable),
  "schema-history": text({
    value: "file",
    help: "the archive's schema versions, a JSON file of the stack output archiveSchemaHistory",
    shownDefault: "the web-analytics columns, one version",
  }),
  "load-mode": choice(["s3", "streamed"], {
    default: "s3",
    help: "s3: Aurora reads each object itself (LOAD DATA FROM S3); streamed: this command streams it (LOAD DATA LOCAL INFILE, MySQL and MariaDB)",
  }),
  tls: flag({
    help: "connect with TLS, checking the server against the Amazon RDS certificate authorities mysql2 ships, as Aurora requires (require_secure_transport); the password (MYSQL_PWD) may then be an IAM authentication token",
  }),
  batch: whole({ help: "objects per progress step", min: 1, max: 1000, default: 20 }),
  "endpoint-url": endpointUrlOption("an S3 endpoint other than AWS's (the local engines)"),
  ...awsOptions("the archive's"),
};

export const REBUILD: Command<typeof options> = {
  name: "npm run rebuild",
  about: `Loads the archive's processed objects into the MySQL table again, with the loader's own code and
LOAD DATA: after the table was dropped or damaged, or to fill a new database. Each object's load
is recorded in the manifest under the run's name; run the same command with the same --run to
resume after a crash. Over the whole archive it repairs: the table ends equal to a clean load of
the archive (rows changed by hand are replaced, rows no object holds deleted). With --from/--to it
only adds: rows already in the table are replaced only by newer changes.`,
  options,
  check: ({ from, to }) => (from && to && from > to ? [`--from ${from} is after --to ${to}`] : []),
  exit: { done: "when every object loaded", failed: "when the rebuild stopped (its last line says whether to resume it with --run)" },
  aws: true,
};

export interface RebuildArgs {
  bucket: string;
  database: DatabaseAddress & { tls: boolean };
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

/** The rebuild's settings from its command line: the password from MYSQL_PWD unless the URL has one, the run named by the time unless named. */
export function rebuildArgs(values: Parsed<typeof options>, env: NodeJS.ProcessEnv = process.env, now = new Date()): RebuildArgs {
  const database = values["database-url"];
  return {
    bucket: values.bucket,
    database: { ...database, password: database.password ?? env.MYSQL_PWD, tls: values.tls },
    run: values.run ?? `rebuild-${now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`,
    from: values.from,
    to: values.to,
    tables: { table: values.table, manifestTable: values["manifest-table"], rejectsTable: values["rejects-table"] },
    schemaHistory: values["schema-history"],
    loadMode: values["load-mode"],
    batchObjects: values.batch,
    prefix: PROCESSED_PREFIX,
    endpointUrl: values["endpoint-url"],
    region: values.region,
    profile: values.profile,
  };
}
