import type { FirehoseClient } from "@aws-sdk/client-firehose";
import type { S3Client } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { type ArchiveColumn, type TransformResult } from "../functions/transform/core";
import { checkAwsAccess, clientSettings, type AwsTarget } from "./aws-access";
import { UsageError } from "./cli-args";
import { runCommand, type Io } from "./cli-run";
import { REDRIVE, type RedriveArgs } from "./redrive-args";
import { type RedriveReport } from "./redrive";

export interface RedriveIo extends Io {
  /** The clients, for the region and profile asked for. Default: the AWS SDK's. */
  clients?(config: AwsTarget): { s3: S3Client; firehose: Pick<FirehoseClient, "send"> };
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
function loadCheck(files: { schema: string; columns: string; columnTypes?: string }): (data: Buffer) => TransformResult {
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
export function sdkClients(config: AwsTarget) {
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { FirehoseClient } = require("@aws-sdk/client-firehose") as typeof import("@aws-sdk/client-firehose");
  const settings = clientSettings(config);
  // sendToFirehose retries failed records itself: the SDK must not retry each of its calls again.
  return { s3: new S3Client(settings), firehose: new FirehoseClient({ ...settings, maxAttempts: 1 }) };
}

const stillFailingIn = (report: RedriveReport) => report.notAccepted + report.unreadable + Object.values(report.stillInvalid).reduce((a, b) => a + b, 0);

/** `npm run redrive`: returns the exit code (0 done, 1 records still fail, 2 the command line or access is wrong). */
export function redriveCommand(argv: readonly string[], io: RedriveIo): Promise<number> {
  return runCommand(REDRIVE, argv, io, (args) => redrive(args, io));
}

async function redrive(args: RedriveArgs, io: RedriveIo): Promise<number> {
  const check = args.schema && args.columns ? loadCheck({ schema: args.schema, columns: args.columns, columnTypes: args["column-types"] }) : undefined;
  const { s3, firehose } = (io.clients ?? sdkClients)({ region: args.region, profile: args.profile });
  await checkAwsAccess(s3, args);
  const { redrive: redriveArchive } = require("./redrive") as typeof import("./redrive");
  const report = await redriveArchive({
    s3,
    firehose,
    bucket: args.bucket,
    prefix: args.prefix,
    send: { deliveryStreamName: args["delivery-stream"], maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 },
    check,
    deleteSent: args["delete-sent"],
    dryRun: args["dry-run"],
  });
  io.out(JSON.stringify(report, null, 2));
  const stillFailing = stillFailingIn(report);
  if (report.skippedObjects.length > 0) io.out(`${report.skippedObjects.length} objects not read: see skippedObjects`);
  const moved = args["dry-run"] ? `would re-drive ${report.records - stillFailing}` : `re-drove ${report.sent}`;
  io.out(`${moved} of ${report.records} records from ${report.objects} objects under s3://${args.bucket}/${args.prefix}; ${stillFailing} still fail`);
  return stillFailing > 0 || report.skippedObjects.length > 0 ? 1 : 0;
}
