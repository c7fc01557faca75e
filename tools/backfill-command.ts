import type { DynamoDBStreamEvent } from "aws-lambda";
import { type ProjectionArchiveSettings } from "../components/settings/projection-archive";
import { type ProjectionSpec } from "../functions/project/spec";
import { awsOptions, checkAwsAccess, clientSettings, endpointUrlOption } from "./aws-access";
import { converted, flag, hour, text, UsageError, whole, type Command, type Parsed, type Values } from "./cli-args";
import { oneLine, runCommand, type Io } from "./cli-run";
import { type BackfillProgress } from "./backfill";
import { type ArchiveProgress } from "./backfill-archive";
import { archiveSettingsArg, DEFAULT_ARCHIVE, jsonOf, schemaHistoryArg, withHistory } from "./backfill-archive-args";

/** The projection, inline or from a file, checked for what the projection code needs. */
function projectionSpec(raw: string): ProjectionSpec | { problem: string } {
  const json = jsonOf(raw, "the projection as JSON");
  if ("problem" in json) return json;
  const spec = json.value;
  const kind = (spec as { kind?: unknown })?.kind;
  if (kind === "aggregate" && Array.isArray((spec as { groupBy?: unknown }).groupBy)) return spec as ProjectionSpec;
  if (kind === "index" && typeof (spec as { hashKey?: unknown }).hashKey === "string") return spec as ProjectionSpec;
  return {
    problem: `must be {"kind": "aggregate", "groupBy": [...], ...} or {"kind": "index", "hashKey": ..., ...}, as the function's PROJECTION variable, got ${JSON.stringify(spec).slice(0, 80)}`,
  };
}

const options = {
  table: text({ value: "name", help: "the dedup table (stack output tableName)", required: true }),
  projection: converted({ value: "json|file", help: "the projection (its PROJECTION variable), as JSON or a JSON file", required: true }, projectionSpec),
  "target-table": text({ value: "name", help: "the projection's table (TARGET_TABLE, stack output projectionTables)", required: true }),
  "ledger-table": text({ value: "name", help: "the aggregate's ledger (LEDGER_TABLE); required for an aggregate" }),
  "dead-letter-bucket": text({ value: "name", help: "where items that cannot be projected are parked (DEAD_LETTER_BUCKET)", required: true }),
  "items-per-second": whole({ help: "the rate limit over all segments", min: 1, max: 1_000_000, default: 200 }),
  segments: whole({ help: "parallel scan segments", min: 1, max: 1_000_000, default: 4 }),
  "page-size": whole({ help: "items per scan page and projected batch", min: 1, max: 1_000, default: 100 }),
  "ledger-ttl-days": whole({ help: "the projection's ledgerTtlDays, its LEDGER_TTL_DAYS", min: 1, max: 365, default: 7 }),
  "counted-entries-expire": flag({ help: "the ledger's entries all expire, as the table's items do (LEDGER_COUNTED_ENTRIES_EXPIRE is true)" }),
  "archive-bucket": text({ value: "name", help: "after the scan, read the archive (stack output archiveBucketName) for the items the table no longer holds" }),
  "archive-settings": converted(
    {
      value: "json|file",
      help: "the archive's schema and columns: the transform function's environment (SCHEMA, COLUMNS, COLUMN_TYPES), as JSON or a JSON file",
      shownDefault: "the web-analytics schema and columns",
    },
    archiveSettingsArg,
  ),
  "schema-history": converted(
    { value: "file", help: "the archive's schema versions, a JSON file of the stack output archiveSchemaHistory", shownDefault: "one version" },
    schemaHistoryArg,
  ),
  from: hour({ help: "only archive objects of this hour (UTC, as in their keys) and later" }),
  to: hour({ help: "only archive objects of this hour and earlier" }),
  "endpoint-url": endpointUrlOption("a DynamoDB endpoint other than AWS's (the local engines; S3's, for the archive and parking, from AWS_ENDPOINT_URL_S3)"),
  ...awsOptions("the table's"),
};

export const BACKFILL: Command<typeof options> = {
  name: "npm run backfill",
  about: `Feeds the history already in the dedup table to a projection added later: a rate-limited parallel
scan, each page projected by the projection's own code as if the live stream had brought each
item's insertion. An aggregate counts each item once, in its newest state, whatever the table
changes while the scan runs: run it while the projection is live, and again after a failure. The
projection function's environment (PROJECTION, TARGET_TABLE, LEDGER_TABLE, DEAD_LETTER_BUCKET) has the values.

With --archive-bucket it then reads the archive for the items the table has let expire (and those
users deleted): each row as the stream record it was, with its own stream sequence number, so the
projection's newest-wins rules decide between the archive, the scan and the live stream. A re-run
counts nothing twice: an aggregate's ledger records each archive object read to the end.`,
  options,
  check: (values) => [
    ...(values.projection?.kind === "aggregate" && !values["ledger-table"]
      ? ["--ledger-table is required for an aggregate: its ledger keeps each item counted once"]
      : []),
    ...archiveProblems(values),
  ],
  exit: { done: "when every item was read and projected (or parked)", failed: "when it stopped (run it again: nothing is counted twice)" },
  aws: true,
};

export type BackfillArgs = Parsed<typeof options>;

/** The archive pass's options between them: each for the pass only, a range in order, a schema history of the columns given. */
function archiveProblems(values: Partial<Values<typeof options>>): string[] {
  const given = (["archive-settings", "schema-history", "from", "to"] as const).filter((name) => values[name] !== undefined);
  if (!values["archive-bucket"])
    return given.length > 0
      ? [`${given.map((name) => `--${name}`).join(", ")} ${given.length > 1 ? "are" : "is"} for the archive pass: give --archive-bucket too`]
      : [];
  const problems = values.from && values.to && values.from > values.to ? [`--from ${values.from} is after --to ${values.to}`] : [];
  const history = values["schema-history"] && withHistory(values["archive-settings"] ?? DEFAULT_ARCHIVE, values["schema-history"]);
  return history && "problem" in history ? [...problems, history.problem] : problems;
}

/** The archive pass's bucket, schema and columns, and hour range, when --archive-bucket is given. */
export function archiveOf(args: BackfillArgs): { bucket: string; settings: ProjectionArchiveSettings; from?: string; to?: string } | undefined {
  const bucket = args["archive-bucket"];
  if (!bucket) return undefined;
  // The command's check refused a history that does not fit the settings.
  const settings = withHistory(args["archive-settings"] ?? DEFAULT_ARCHIVE, args["schema-history"]) as ProjectionArchiveSettings;
  return { bucket, settings, from: args.from, to: args.to };
}

export const archiveLine = (p: ArchiveProgress) =>
  `backfill from the archive: ${p.objectsRead.toLocaleString("en")} of ${p.objects.toLocaleString("en")} objects read (${p.objectsAlreadyRead.toLocaleString("en")} read by an earlier run), ${p.rows.toLocaleString("en")} rows: ${p.inTable.toLocaleString("en")} of items still in the table, ${p.written.toLocaleString("en")} projected, ${p.replayed.toLocaleString("en")} already counted, ${p.skipped.toLocaleString("en")} skipped, ${p.parked.toLocaleString("en")} parked`;

export const backfillLine = (p: BackfillProgress) =>
  `backfill: ${p.scanned.toLocaleString("en")} items read, ${p.written.toLocaleString("en")} projected, ${p.replayed.toLocaleString("en")} already counted, ${p.skipped.toLocaleString("en")} skipped, ${p.parked.toLocaleString("en")} parked`;

/**
 * `npm run backfill`: the history in the dedup table through a projection's own code, once the
 * AWS region and credentials are checked. Exit status 0 when every item was read and projected
 * (or parked), 1 when it stopped (run it again), 2 on a usage problem. Progress at most once a second.
 */
export function backfillCommand(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(BACKFILL, argv, io, (args) => backfill(args, io));
}

async function backfill(args: BackfillArgs, io: Io): Promise<number> {
  const { DynamoDBClient } = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { projectBatch } = require("../functions/project/project-batch") as typeof import("../functions/project/project-batch");
  const { backfillProjection } = require("./backfill") as typeof import("./backfill");
  const { archivePass } = require("./backfill-archive-command") as typeof import("./backfill-archive-command");
  const settings = clientSettings(args);
  const dynamodb = new DynamoDBClient({ ...settings, ...(args["endpoint-url"] && { endpoint: args["endpoint-url"] }) });
  // The archive and parking are in S3 at AWS's endpoint, or the one AWS_ENDPOINT_URL_S3 names.
  const s3 = new S3Client(settings);
  const tables = {
    target: args["target-table"],
    ledger: args["ledger-table"] ?? "",
    ledgerTtlDays: args["ledger-ttl-days"],
    countedEntriesExpire: args["counted-entries-expire"],
  };
  const log = { info() {}, warn: (message: string, fields?: object) => io.err(`${message} ${JSON.stringify(fields ?? {})}`) };
  const project = (event: DynamoDBStreamEvent) =>
    projectBatch(event, {
      dynamodb,
      s3,
      deadLetterBucket: args["dead-letter-bucket"],
      spec: args.projection,
      tables,
      retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000 },
      log,
    });
  const archive = archiveOf(args);
  let shown = 0;
  const everySecond =
    <P>(line: (p: P) => string) =>
    (p: P) => {
      if (Date.now() - shown < 1_000) return;
      shown = Date.now();
      io.out(line(p));
    };
  try {
    await checkAwsAccess(dynamodb, args);
    const { table, segments, projection } = args;
    io.out(
      `backfill: ${table} into ${args["target-table"]}, at most ${args["items-per-second"].toLocaleString("en")} items a second over ${segments} segments`,
    );
    const done = await backfillProjection(
      { table, segments, itemsPerSecond: args["items-per-second"], pageSize: args["page-size"], maxAttempts: 6 },
      {
        dynamodb,
        project,
        progress: everySecond(backfillLine),
      },
    );
    io.out(`${backfillLine(done)}; done`);
    if (archive) {
      shown = 0;
      const archived = await archivePass(
        {
          table,
          spec: projection,
          ledgerTable: args["ledger-table"],
          deadLetterBucket: args["dead-letter-bucket"],
          itemsPerSecond: args["items-per-second"],
          pageSize: args["page-size"],
          archive,
        },
        { dynamodb, s3, project },
        { ...io, progress: everySecond(archiveLine) },
      );
      io.out(`${archiveLine(archived)}; done`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`backfill stopped: ${oneLine(error)}`);
    return 1;
  } finally {
    dynamodb.destroy();
    s3.destroy();
  }
}
