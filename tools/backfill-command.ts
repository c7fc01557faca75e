import { existsSync, readFileSync } from "node:fs";
import { type ProjectionSpec } from "../functions/project/spec";
import { awsOptions, checkAwsAccess, clientSettings } from "./aws-access";
import { converted, flag, text, UsageError, whole, type Command, type Parsed } from "./cli-args";
import { oneLine, runCommand, type Io } from "./cli-run";
import { type BackfillProgress } from "./backfill";

/** The projection, inline or from a file, checked for what the projection code needs. */
function projectionSpec(raw: string): ProjectionSpec | { problem: string } {
  let spec: unknown;
  try {
    spec = JSON.parse(raw.trim().startsWith("{") || !existsSync(raw) ? raw : readFileSync(raw, "utf8"));
  } catch (error) {
    return { problem: `must be the projection as JSON or a JSON file, got "${raw.slice(0, 60)}": ${(error as Error).message}` };
  }
  const kind = (spec as { kind?: unknown })?.kind;
  if (kind === "aggregate" && Array.isArray((spec as { groupBy?: unknown }).groupBy)) return spec as ProjectionSpec;
  if (kind === "index" && typeof (spec as { hashKey?: unknown }).hashKey === "string") return spec as ProjectionSpec;
  return { problem: `must be {"kind": "aggregate", "groupBy": [...], ...} or {"kind": "index", "hashKey": ..., ...}, as the function's PROJECTION variable, got ${JSON.stringify(spec).slice(0, 80)}` };
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
  "endpoint-url": text({ value: "url", help: "a DynamoDB endpoint other than AWS's (the local engines; S3's, for parking, from AWS_ENDPOINT_URL_S3)", pattern: /^https?:\/\/[^\s/]+/, says: "an http:// or https:// URL" }),
  ...awsOptions("the table's"),
};

export const BACKFILL: Command<typeof options> = {
  name: "npm run backfill",
  about: `Feeds the history already in the dedup table to a projection added later: a rate-limited parallel
scan, each page projected by the projection's own code as if the live stream had brought each
item's insertion. An aggregate counts each item once, in its newest state, whatever the table
changes while the scan runs: run it while the projection is live, and again after a failure. The
projection function's environment (PROJECTION, TARGET_TABLE, LEDGER_TABLE, DEAD_LETTER_BUCKET) has the values.`,
  options,
  check: (values) => (values.projection?.kind === "aggregate" && !values["ledger-table"] ? ["--ledger-table is required for an aggregate: its ledger keeps each item counted once"] : []),
  exit: { done: "when every item was read and projected (or parked)", failed: "when it stopped (run it again: nothing is counted twice)" },
  aws: true,
};

export type BackfillArgs = Parsed<typeof options>;

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
  const settings = clientSettings(args);
  const dynamodb = new DynamoDBClient({ ...settings, ...(args["endpoint-url"] && { endpoint: args["endpoint-url"] }) });
  // Parking goes to S3 at AWS's endpoint, or the one AWS_ENDPOINT_URL_S3 names.
  const s3 = new S3Client(settings);
  const tables = { target: args["target-table"], ledger: args["ledger-table"] ?? "", ledgerTtlDays: args["ledger-ttl-days"], countedEntriesExpire: args["counted-entries-expire"] };
  const log = { info() {}, warn: (message: string, fields?: object) => io.err(`${message} ${JSON.stringify(fields ?? {})}`) };
  let shown = 0;
  try {
    await checkAwsAccess(dynamodb, args);
    const { table, segments, projection } = args;
    io.out(`backfill: ${table} into ${args["target-table"]}, at most ${args["items-per-second"].toLocaleString("en")} items a second over ${segments} segments`);
    const done = await backfillProjection(
      { table, segments, itemsPerSecond: args["items-per-second"], pageSize: args["page-size"], maxAttempts: 6 },
      {
        dynamodb,
        project: (event) => projectBatch(event, { dynamodb, s3, deadLetterBucket: args["dead-letter-bucket"], spec: projection, tables, retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000 }, log }),
        progress: (p) => {
          if (Date.now() - shown < 1_000) return;
          shown = Date.now();
          io.out(backfillLine(p));
        },
      },
    );
    io.out(`${backfillLine(done)}; done`);
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
