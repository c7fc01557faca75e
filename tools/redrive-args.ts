import { ERROR_PREFIX } from "../components/internal/archive-layout";
import { readFlags, UsageError } from "./cli-args";

const HELP = "npm run redrive -- --help";

export const REDRIVE_USAGE = `npm run redrive -- --bucket <archive bucket> --delivery-stream <name> [options]

Puts records Firehose wrote under the error prefix back into the delivery stream.

  --bucket <name>           the archive bucket (stack output archiveBucketName); required
  --delivery-stream <name>  the delivery stream (stack output deliveryStreamName); required
  --prefix <prefix>         objects to re-drive (default: ${ERROR_PREFIX}processing-failed/)
  --schema <file>           check each record against this JSON Schema first, with
  --columns <file>          these columns (give both or neither); records still refused stay where they are
  --column-types <file>     and these SQL column types (the archive's columnTypes, a JSON object;
                            with --schema only): a value its column would refuse is refused here too
  --delete-sent             delete each object whose records all went back
  --dry-run                 count, but send and delete nothing
  --region <region>         the archive's region (default: AWS_REGION, or the profile's region)
  --profile <name>          a profile from ~/.aws/config (default: AWS_PROFILE, or the default credentials)
  -h, --help                this text`;

export interface RedriveArgs {
  bucket: string;
  deliveryStream: string;
  prefix: string;
  /** JSON Schema and columns files, both or neither, and optionally the column types file. */
  check?: { schema: string; columns: string; columnTypes?: string };
  deleteSent: boolean;
  dryRun: boolean;
  region?: string;
  profile?: string;
}

/** The re-drive command's arguments: "help" when asked for it; a UsageError naming every missing or unpaired one. */
export function parseRedriveArgs(argv: readonly string[]): RedriveArgs | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const values = readFlags(
    argv,
    {
      bucket: { type: "string" },
      "delivery-stream": { type: "string" },
      prefix: { type: "string" },
      schema: { type: "string" },
      columns: { type: "string" },
      "column-types": { type: "string" },
      "delete-sent": { type: "boolean" },
      "dry-run": { type: "boolean" },
      region: { type: "string" },
      profile: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    HELP,
  );
  const text = (name: string) => {
    const value = values[name];
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const problems: string[] = [];
  for (const name of ["bucket", "delivery-stream"]) if (!text(name)) problems.push(`--${name} is required`);
  if (Boolean(text("schema")) !== Boolean(text("columns"))) {
    problems.push(text("schema") ? "--schema needs --columns too (the transform checks a record with both)" : "--columns needs --schema too (the transform checks a record with both)");
  }
  if (text("column-types") && !text("schema")) problems.push("--column-types needs --schema and --columns (it refines their check)");
  for (const name of ["prefix", "region", "profile", "column-types"]) if (values[name] !== undefined && !text(name)) problems.push(`--${name} needs a value`);
  if (problems.length > 0) throw new UsageError(`${problems.join("; ")}; see ${HELP}`);
  return {
    bucket: text("bucket")!,
    deliveryStream: text("delivery-stream")!,
    prefix: text("prefix") ?? `${ERROR_PREFIX}processing-failed/`,
    check: text("schema") ? { schema: text("schema")!, columns: text("columns")!, columnTypes: text("column-types") } : undefined,
    deleteSent: values["delete-sent"] === true,
    dryRun: values["dry-run"] === true,
    region: text("region"),
    profile: text("profile"),
  };
}
