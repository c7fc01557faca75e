import type { FirehoseClient } from "@aws-sdk/client-firehose";
import type { S3Client } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { type ArchiveColumn, type TransformResult } from "../functions/transform/core";
import { UsageError } from "./cli-args";
import { parseRedriveArgs, REDRIVE_USAGE, type RedriveArgs } from "./redrive-args";
import { type RedriveReport } from "./redrive";

export interface RedriveIo {
  out(line: string): void;
  err(line: string): void;
  /** The clients, for the region and profile asked for. Default: the AWS SDK's. */
  clients?(config: { region?: string; profile?: string }): { s3: S3Client; firehose: Pick<FirehoseClient, "send"> };
}

/** A JSON file named by a flag; every failure names the flag and the file. */
function readJsonFile(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--${flag} ${file} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${flag} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** The transform's own check, compiled from the files; a schema ajv refuses is named with its file. */
function loadCheck(files: NonNullable<RedriveArgs["check"]>): (data: Buffer) => TransformResult {
  const schema = readJsonFile("schema", files.schema);
  const columns = readJsonFile("columns", files.columns);
  if (!Array.isArray(columns)) throw new UsageError(`--columns ${files.columns} must hold a JSON array of columns, as the stack output archiveCsvColumns does`);
  const columnTypes = files.columnTypes ? readJsonFile("column-types", files.columnTypes) : {};
  if (columnTypes === null || typeof columnTypes !== "object" || Array.isArray(columnTypes)) {
    throw new UsageError(`--column-types ${files.columnTypes} must hold a JSON object of SQL types by column, as the archive's columnTypes`);
  }
  const { createTransformer } = require("../functions/transform/core") as typeof import("../functions/transform/core");
  try {
    return createTransformer(schema as object, columns as ArchiveColumn[], columnTypes as Record<string, string>);
  } catch (error) {
    throw new UsageError(`--schema ${files.schema} and --columns ${files.columns} do not make a check: ${(error as Error).message}`);
  }
}

/** The SDK's clients for a region and profile. */
export function sdkClients(config: { region?: string; profile?: string }) {
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { FirehoseClient } = require("@aws-sdk/client-firehose") as typeof import("@aws-sdk/client-firehose");
  const settings = { ...(config.region && { region: config.region }), ...(config.profile && { profile: config.profile }) };
  // sendToFirehose retries failed records itself: the SDK must not retry each of its calls again.
  return { s3: new S3Client(settings), firehose: new FirehoseClient({ ...settings, maxAttempts: 1 }) };
}

/** Resolves the region and credentials before any call, so that their absence is told plainly and once. */
async function checkAccess(s3: S3Client, args: RedriveArgs): Promise<void> {
  try {
    await s3.config.region();
  } catch {
    throw new UsageError("no AWS region: pass --region <region> or set AWS_REGION (a profile with a region, by --profile or AWS_PROFILE, also does)");
  }
  try {
    await s3.config.credentials();
  } catch (error) {
    const profile = args.profile ?? process.env.AWS_PROFILE;
    throw new UsageError(
      profile
        ? `no AWS credentials for profile "${profile}": ${(error as Error).message.split("\n")[0]}; check ~/.aws/config, or run aws sso login --profile ${profile}`
        : "no AWS credentials: pass --profile <name> or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
  }
}

const stillFailingIn = (report: RedriveReport) => report.notAccepted + report.unreadable + Object.values(report.stillInvalid).reduce((a, b) => a + b, 0);

/** `npm run redrive`: returns the exit code (0 done, 1 records still fail, 2 the command line or access is wrong). */
export async function redriveCommand(argv: readonly string[], io: RedriveIo): Promise<number> {
  try {
    const args = parseRedriveArgs(argv);
    if (args === "help") {
      io.out(REDRIVE_USAGE);
      return 0;
    }
    const check = args.check && loadCheck(args.check);
    const { s3, firehose } = (io.clients ?? sdkClients)({ region: args.region, profile: args.profile });
    await checkAccess(s3, args);
    const { redrive } = require("./redrive") as typeof import("./redrive");
    const report = await redrive({
      s3,
      firehose,
      bucket: args.bucket,
      prefix: args.prefix,
      send: { deliveryStreamName: args.deliveryStream, maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 },
      check,
      deleteSent: args.deleteSent,
      dryRun: args.dryRun,
    });
    io.out(JSON.stringify(report, null, 2));
    const stillFailing = stillFailingIn(report);
    if (report.skippedObjects.length > 0) io.out(`${report.skippedObjects.length} objects not read: see skippedObjects`);
    const moved = args.dryRun ? `would re-drive ${report.records - stillFailing}` : `re-drove ${report.sent}`;
    io.out(`${moved} of ${report.records} records from ${report.objects} objects under s3://${args.bucket}/${args.prefix}; ${stillFailing} still fail`);
    return stillFailing > 0 || report.skippedObjects.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    const { name, message } = error as Error;
    io.err(`${name}: ${message}`);
    return 1;
  }
}
