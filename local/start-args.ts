import { choice, decimal, flag, whole, type Command, type Parsed } from "../tools/cli-args";

const options = {
  events: whole({ help: "events to produce", min: 1, max: 1_000_000, default: 3_000 }),
  rate: whole({ help: "events per second the producer writes", min: 1, max: 100_000, default: 1_000 }),
  "malformed-share": decimal({ help: "share of malformed events", min: 0, max: 1, such: "0.02", default: 0.02 }),
  "duplicate-share": decimal({ help: "share of mapping batches delivered twice", min: 0, max: 1, such: "0.1", default: 0.1 }),
  mode: choice(["pull", "push"], { help: "how records cross the accounts", default: "pull" }),
  keep: flag({ help: "leave everything running at the end and print commands to query it" }),
  chaos: flag({
    help: "inject faults while events flow (processes killed, engines paused, the database restarted, throttling, deliveries delayed and duplicated) and check the exact end state",
  }),
  "no-rebuild": flag({
    help: "with --chaos, start no rebuild mid-run: a repairing rebuild puts right what a faulty loader did, and would hide it",
  }),
  seed: whole({
    help: "the seed of the clickstream and of the chaos run's faults: a run's summary prints it, to replay the run",
    min: 0,
    max: 4_294_967_295,
    shownDefault: "42; with --chaos, a random one",
  }),
};

export const START: Command<typeof options> = {
  name: "npm start",
  about: `Runs the whole pipeline on this machine: the prod and poc stacks realized on local engines
(kinesalite, DynamoDB Local, fauxqs for S3 and SQS, MariaDB), a clickstream produced into the
source stream and followed to rows in MySQL.`,
  options,
  exit: {
    done: "when every valid event reached MySQL once (with --chaos: the end state is exact)",
    failed:
      "when an event was lost or duplicated, or the pipeline stopped moving (with --chaos: any check of the end state failed; the seed that replays the run is printed)",
  },
};

export interface StartOptions {
  events: number;
  rate: number;
  malformedShare: number;
  duplicateShare: number;
  mode: "pull" | "push";
  keep: boolean;
  chaos: boolean;
  /** With chaos: no rebuild started mid-run. */
  noRebuild: boolean;
  /** Undefined: 42, or a random one for a chaos run. */
  seed?: number;
}

/** The run's settings from its command line. */
export function startOptions(values: Parsed<typeof options>): StartOptions {
  return {
    events: values.events,
    rate: values.rate,
    malformedShare: values["malformed-share"],
    duplicateShare: values["duplicate-share"],
    mode: values.mode,
    keep: values.keep,
    chaos: values.chaos,
    noRebuild: values["no-rebuild"],
    seed: values.seed,
  };
}
