import { oneOf, readFlags, share, wholeNumber } from "../tools/cli-args";

const HELP = "npm start -- --help";

export const START_USAGE = `npm start -- [options]

Runs the whole pipeline on this machine: the prod and poc stacks realized on local engines
(kinesalite, DynamoDB Local, fauxqs for S3 and SQS, MariaDB), a clickstream produced into the
source stream and followed to rows in MySQL. Exits 1 if any event was lost or duplicated.

  --events <n>            events to produce, a whole number (default 3000)
  --rate <n>              events per second the producer writes, a whole number (default 1000)
  --malformed-share <x>   share of malformed events, from 0 to 1 (default 0.02)
  --duplicate-share <x>   share of mapping batches delivered twice, from 0 to 1 (default 0.1)
  --mode <pull|push>      how records cross the accounts (default pull)
  --keep                  leave everything running at the end and print commands to query it
  -h, --help              this text`;

export interface StartOptions {
  events: number;
  rate: number;
  malformedShare: number;
  duplicateShare: number;
  mode: "pull" | "push";
  keep: boolean;
}

/** `npm start`'s arguments: "help" when asked for it; a UsageError naming the flag when one is wrong. */
export function parseStartArgs(argv: readonly string[]): StartOptions | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const values = readFlags(
    argv,
    {
      events: { type: "string" },
      rate: { type: "string" },
      "malformed-share": { type: "string" },
      "duplicate-share": { type: "string" },
      mode: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    HELP,
  );
  const text = (name: string) => values[name] as string | undefined;
  return {
    events: wholeNumber("events", text("events"), 3_000, 1, 1_000_000, HELP),
    rate: wholeNumber("rate", text("rate"), 1_000, 1, 100_000, HELP),
    malformedShare: share("malformed-share", text("malformed-share"), 0.02, HELP),
    duplicateShare: share("duplicate-share", text("duplicate-share"), 0.1, HELP),
    mode: oneOf("mode", text("mode"), ["pull", "push"] as const, "pull", HELP),
    keep: values.keep === true,
  };
}
