import type { DynamoDBStreamEvent } from "aws-lambda";
import { existsSync, readFileSync } from "node:fs";
import { type ProjectionSpec } from "../functions/project/spec";
import { type ProjectionArchiveSettings } from "../components/settings/projection-archive";
import { readFlags, UsageError, wholeNumber } from "./cli-args";
import { backfillProjection, type BackfillProgress } from "./backfill";
import { type ArchiveProgress } from "./backfill-archive";
import { archivePass } from "./backfill-archive-command";
import { archiveSettingsArg, DEFAULT_ARCHIVE, HOUR, schemaHistoryArg, withHistory } from "./backfill-archive-args";

const HELP = "npm run backfill -- --help";

export const BACKFILL_USAGE = `npm run backfill -- --table <dedup table> --projection <spec> --target-table <name> --dead-letter-bucket <name> [options]

Feeds the history already in the dedup table to a projection added later: a rate-limited parallel
scan, each page projected by the projection's own code as if the live stream had brought each
item's insertion. An aggregate counts each item once, in its newest state, whatever the table
changes while the scan runs: run it while the projection is live, and again after a failure. The projection
function's environment (PROJECTION, TARGET_TABLE, LEDGER_TABLE, DEAD_LETTER_BUCKET) has the values.
With --archive-bucket it then reads the archive for the items the table has let expire (and those
users deleted): each row as the stream record it was, with its own stream sequence number.

  --table <name>               the dedup table (stack output tableName); required
  --projection <json|file>     the projection (its PROJECTION variable), as JSON or a JSON file; required
  --target-table <name>        the projection's table (TARGET_TABLE, stack output projectionTables); required
  --ledger-table <name>        the aggregate's ledger (LEDGER_TABLE); required for an aggregate
  --dead-letter-bucket <name>  where items that cannot be projected are parked (DEAD_LETTER_BUCKET); required
  --items-per-second <n>       the rate limit over all segments (default: 200)
  --segments <n>               parallel scan segments (default: 4)
  --page-size <n>              items per scan page and projected batch (default: 100)
  --ledger-ttl-days <n>        the projection's ledgerTtlDays (LEDGER_TTL_DAYS; default: 7)
  --counted-entries-expire     the ledger's entries all expire, as the table's items do
                               (LEDGER_COUNTED_ENTRIES_EXPIRE is true)
  --archive-bucket <name>      after the scan, read the archive (stack output archiveBucketName) for the items
                               the table no longer holds
  --archive-settings <json|file>  the archive's schema and columns: the transform function's environment
                               (SCHEMA, COLUMNS, COLUMN_TYPES) (default: the web-analytics schema and columns)
  --schema-history <file>      the stack output archiveSchemaHistory as a JSON file (default: one version)
  --from <YYYY-MM-DDTHH>       only archive objects of this hour (UTC, as in their keys) and later
  --to <YYYY-MM-DDTHH>         only archive objects of this hour and earlier
  --endpoint-url <url>         a DynamoDB endpoint other than AWS's (the local engines; S3's, for parking, from
                               AWS_ENDPOINT_URL_S3)
  --region <region>            the table's region (default: AWS_REGION, or the profile's region)
  --profile <name>             a profile from ~/.aws/config
  -h, --help                   this text`;

export interface BackfillArgs {
  table: string;
  spec: ProjectionSpec;
  targetTable: string;
  ledgerTable?: string;
  deadLetterBucket: string;
  itemsPerSecond: number;
  segments: number;
  pageSize: number;
  ledgerTtlDays: number;
  countedEntriesExpire: boolean;
  /** The archive pass: its bucket, schema and columns, and hour range. */
  archive?: { bucket: string; settings: ProjectionArchiveSettings; from?: string; to?: string };
  endpointUrl?: string;
  region?: string;
  profile?: string;
}

/** The projection, inline or from a file, checked for what the projection code needs. */
function projectionSpec(raw: string): ProjectionSpec | string {
  let spec: unknown;
  try {
    spec = JSON.parse(raw.trim().startsWith("{") || !existsSync(raw) ? raw : readFileSync(raw, "utf8"));
  } catch (error) {
    return `--projection must be the projection as JSON or a JSON file, got "${raw.slice(0, 60)}": ${(error as Error).message}`;
  }
  const kind = (spec as { kind?: unknown })?.kind;
  if (kind === "aggregate" && Array.isArray((spec as { groupBy?: unknown }).groupBy)) return spec as ProjectionSpec;
  if (kind === "index" && typeof (spec as { hashKey?: unknown }).hashKey === "string") return spec as ProjectionSpec;
  return `--projection must be {"kind": "aggregate", "groupBy": [...], ...} or {"kind": "index", "hashKey": ..., ...}, as the function's PROJECTION variable, got ${JSON.stringify(spec).slice(0, 80)}`;
}

/** The archive pass's arguments, when --archive-bucket is given; each problem added to `problems`. */
function archiveArgs(text: (name: string) => string | undefined, problems: string[]): BackfillArgs["archive"] {
  const bucket = text("archive-bucket");
  const given = ["archive-settings", "schema-history", "from", "to"].filter((name) => text(name));
  if (!bucket) {
    if (given.length > 0) problems.push(`${given.map((name) => `--${name}`).join(", ")} ${given.length > 1 ? "are" : "is"} for the archive pass: give --archive-bucket too`);
    return undefined;
  }
  for (const flag of ["from", "to"]) if (text(flag) && !HOUR.test(text(flag)!)) problems.push(`--${flag} takes an hour as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "${text(flag)}"`);
  if (text("from") && text("to") && text("from")! > text("to")!) problems.push(`--from ${text("from")} is after --to ${text("to")}`);
  const settings = text("archive-settings") ? archiveSettingsArg(text("archive-settings")!) : DEFAULT_ARCHIVE;
  if ("problem" in settings) problems.push(`--archive-settings ${settings.problem}`);
  const history = text("schema-history") ? schemaHistoryArg(text("schema-history")!) : undefined;
  if (history && "problem" in history) problems.push(`--schema-history ${history.problem}`);
  if ("problem" in settings || (history && "problem" in history)) return undefined;
  const archive = withHistory(settings, history);
  if ("problem" in archive) problems.push(archive.problem);
  return "problem" in archive ? undefined : { bucket, settings: archive, from: text("from"), to: text("to") };
}

/** The backfill command's arguments: "help" when asked for it; a UsageError naming every problem. */
export function parseBackfillArgs(argv: readonly string[]): BackfillArgs | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const strings = ["table", "projection", "target-table", "ledger-table", "dead-letter-bucket", "items-per-second", "segments", "page-size", "ledger-ttl-days", "archive-bucket", "archive-settings", "schema-history", "from", "to", "endpoint-url", "region", "profile"];
  const values = readFlags(argv, { ...Object.fromEntries(strings.map((name) => [name, { type: "string" as const }])), help: { type: "boolean", short: "h" }, "counted-entries-expire": { type: "boolean" } }, HELP);
  const text = (name: string) => (typeof values[name] === "string" && (values[name] as string).trim() !== "" ? (values[name] as string) : undefined);
  const problems: string[] = [];
  for (const name of ["table", "projection", "target-table", "dead-letter-bucket"]) if (!text(name)) problems.push(`--${name} is required`);
  for (const name of strings) if (values[name] !== undefined && !text(name)) problems.push(`--${name} needs a value`);
  const spec = text("projection") ? projectionSpec(text("projection")!) : undefined;
  if (typeof spec === "string") problems.push(spec);
  if (typeof spec === "object" && spec.kind === "aggregate" && !text("ledger-table")) problems.push("--ledger-table is required for an aggregate: its ledger keeps each item counted once");
  const numbers: Record<string, number> = {};
  for (const [flag, fallback, min, max] of [["items-per-second", 200, 1, 1_000_000], ["segments", 4, 1, 1_000_000], ["page-size", 100, 1, 1_000], ["ledger-ttl-days", 7, 1, 365]] as const) {
    try {
      numbers[flag] = wholeNumber(flag, text(flag), fallback, min, max, HELP);
    } catch (error) {
      problems.push((error as Error).message.replace(/; see .*$/, ""));
    }
  }
  const archive = archiveArgs(text, problems);
  if (problems.length > 0) throw new UsageError(`${problems.join("; ")}; see ${HELP}`);
  return {
    table: text("table")!,
    spec: spec as ProjectionSpec,
    targetTable: text("target-table")!,
    ledgerTable: text("ledger-table"),
    deadLetterBucket: text("dead-letter-bucket")!,
    itemsPerSecond: numbers["items-per-second"],
    segments: numbers.segments,
    pageSize: numbers["page-size"],
    ledgerTtlDays: numbers["ledger-ttl-days"],
    countedEntriesExpire: values["counted-entries-expire"] === true,
    archive,
    endpointUrl: text("endpoint-url"),
    region: text("region"),
    profile: text("profile"),
  };
}

export const archiveLine = (p: ArchiveProgress) =>
  `backfill from the archive: ${p.objectsRead.toLocaleString("en")} of ${p.objects.toLocaleString("en")} objects read (${p.objectsAlreadyRead.toLocaleString("en")} read by an earlier run), ${p.rows.toLocaleString("en")} rows: ${p.inTable.toLocaleString("en")} of items still in the table, ${p.written.toLocaleString("en")} projected, ${p.replayed.toLocaleString("en")} already counted, ${p.skipped.toLocaleString("en")} skipped, ${p.parked.toLocaleString("en")} parked`;

export const backfillLine = (p: BackfillProgress) =>
  `backfill: ${p.scanned.toLocaleString("en")} items read, ${p.written.toLocaleString("en")} projected, ${p.replayed.toLocaleString("en")} already counted, ${p.skipped.toLocaleString("en")} skipped, ${p.parked.toLocaleString("en")} parked`;

/**
 * `npm run backfill`: the history in the dedup table through a projection's own code. Exit status
 * 0 when every item was read and projected (or parked), 1 when it stopped (run it again), 2 on a
 * usage problem. Progress at most once a second.
 */
export async function backfillCommand(argv: readonly string[], io: { out(line: string): void; err(line: string): void }): Promise<number> {
  let args: BackfillArgs | "help";
  try {
    args = parseBackfillArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    return 2;
  }
  if (args === "help") {
    io.out(BACKFILL_USAGE);
    return 0;
  }
  const { DynamoDBClient } = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { projectBatch } = require("../functions/project/project-batch") as typeof import("../functions/project/project-batch");
  const settings = { ...(args.region && { region: args.region }), ...(args.profile && { profile: args.profile }) };
  const dynamodb = new DynamoDBClient({ ...settings, ...(args.endpointUrl && { endpoint: args.endpointUrl }) });
  // Parking goes to S3 at AWS's endpoint, or the one AWS_ENDPOINT_URL_S3 names.
  const s3 = new S3Client(settings);
  const tables = { target: args.targetTable, ledger: args.ledgerTable ?? "", ledgerTtlDays: args.ledgerTtlDays, countedEntriesExpire: args.countedEntriesExpire };
  const log = { info() {}, warn: (message: string, fields?: object) => io.err(`${message} ${JSON.stringify(fields ?? {})}`) };
  const project = (event: DynamoDBStreamEvent) => projectBatch(event, { dynamodb, s3, deadLetterBucket: args.deadLetterBucket, spec: args.spec, tables, retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000 }, log });
  let shown = 0;
  try {
    io.out(`backfill: ${args.table} into ${args.targetTable}, at most ${args.itemsPerSecond.toLocaleString("en")} items a second over ${args.segments} segments`);
    const done = await backfillProjection(
      { table: args.table, segments: args.segments, itemsPerSecond: args.itemsPerSecond, pageSize: args.pageSize, maxAttempts: 6 },
      {
        dynamodb,
        project,
        progress: (p) => {
          if (Date.now() - shown < 1_000) return;
          shown = Date.now();
          io.out(backfillLine(p));
        },
      },
    );
    io.out(`${backfillLine(done)}; done`);
    if (args.archive) {
      shown = 0;
      const archived = await archivePass({ ...args, archive: args.archive }, { dynamodb, s3, project }, {
        ...io,
        progress: (p) => {
          if (Date.now() - shown < 1_000) return;
          shown = Date.now();
          io.out(archiveLine(p));
        },
      });
      io.out(`${archiveLine(archived)}; done`);
    }
    return 0;
  } catch (error) {
    io.err(`backfill stopped: ${(error as Error).message}`);
    return 1;
  } finally {
    dynamodb.destroy();
    s3.destroy();
  }
}
