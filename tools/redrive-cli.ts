import { FirehoseClient } from "@aws-sdk/client-firehose";
import { S3Client } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTransformer, type ArchiveColumn } from "../functions/transform/core";
import { ERROR_PREFIX } from "../components/archive-layout";
import { redrive } from "./redrive";

const USAGE = `npm run redrive -- --bucket <archive bucket> --delivery-stream <name> [options]

Puts records Firehose wrote under the error prefix back into the delivery stream.

  --prefix <prefix>      objects to re-drive (default: ${ERROR_PREFIX}processing-failed/)
  --schema <file>        check each record against this JSON Schema first, with
  --columns <file>       these columns; records still refused stay where they are
  --column-types <file>  and these SQL column types (the archive's columnTypes)
  --delete-sent          delete each object whose records all went back
  --dry-run              count, but send and delete nothing`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      bucket: { type: "string" },
      "delivery-stream": { type: "string" },
      prefix: { type: "string", default: `${ERROR_PREFIX}processing-failed/` },
      schema: { type: "string" },
      columns: { type: "string" },
      "column-types": { type: "string" },
      "delete-sent": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.bucket || !values["delivery-stream"] || Boolean(values.schema) !== Boolean(values.columns)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
  const check = values.schema
    ? createTransformer(readJson(values.schema), readJson(values.columns!) as ArchiveColumn[], values["column-types"] ? readJson(values["column-types"]) : {})
    : undefined;
  const report = await redrive({
    s3: new S3Client({}),
    firehose: new FirehoseClient({}),
    bucket: values.bucket,
    prefix: values.prefix!,
    send: { deliveryStreamName: values["delivery-stream"], maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 },
    check,
    deleteSent: values["delete-sent"],
    dryRun: values["dry-run"],
  });
  console.log(JSON.stringify(report, null, 2));
  const stillFailing = report.notAccepted + report.unreadable + Object.values(report.stillInvalid).reduce((a, b) => a + b, 0);
  if (report.skippedObjects.length > 0) console.log(`${report.skippedObjects.length} objects not read: see skippedObjects`);
  const moved = values["dry-run"] ? `would re-drive ${report.records - stillFailing}` : `re-drove ${report.sent}`;
  console.log(`${moved} of ${report.records} records from ${report.objects} objects; ${stillFailing} still fail`);
  return stillFailing > 0 || report.skippedObjects.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
