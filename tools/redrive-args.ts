import { ERROR_PREFIX } from "../components/internal/archive-layout";
import { awsOptions } from "./aws-access";
import { flag, text, type Command, type Parsed } from "./cli-args";

const options = {
  bucket: text({ value: "name", help: "the archive bucket (stack output archiveBucketName)", required: true }),
  "delivery-stream": text({ value: "name", help: "the delivery stream (stack output deliveryStreamName)", required: true }),
  prefix: text({ value: "prefix", help: "objects to re-drive", default: `${ERROR_PREFIX}processing-failed/` }),
  schema: text({ value: "file", help: "check each record against this JSON Schema first, with" }),
  columns: text({ value: "file", help: "these columns (give both or neither); records still refused stay where they are" }),
  "column-types": text({
    value: "file",
    help: "and these SQL column types (the archive's columnTypes, a JSON object; with --schema only): a value its column would refuse is refused here too",
  }),
  "delete-sent": flag({ help: "delete each object whose records all went back" }),
  "dry-run": flag({ help: "count, but send and delete nothing" }),
  ...awsOptions("the archive's"),
};

export const REDRIVE: Command<typeof options> = {
  name: "npm run redrive",
  about: "Puts records Firehose wrote under the error prefix back into the delivery stream.",
  options,
  check: (values) => [
    ...(Boolean(values.schema) !== Boolean(values.columns)
      ? [
          values.schema
            ? "--schema needs --columns too (the transform checks a record with both)"
            : "--columns needs --schema too (the transform checks a record with both)",
        ]
      : []),
    ...(values["column-types"] && !values.schema ? ["--column-types needs --schema and --columns (it refines their check)"] : []),
  ],
  exit: { done: "when every record went back", failed: "when records still fail or objects could not be read" },
  aws: true,
};

export type RedriveArgs = Parsed<typeof options>;
