import { readFileSync } from "node:fs";
import { load as parseYaml } from "js-yaml";
import { QUOTA_KEYS, type ServiceQuotas } from "../capacity/limits";
import { loadProblems, type ExpectedLoad } from "../capacity/model";
import { type SettingsInput } from "../capacity/settings";
import { decimal, list, readCommandLine, text, UsageError, whole, type Command, type Parsed } from "./cli-args";

/** A granted quota, `name=value`. */
function quota(raw: string, flag: string): [keyof ServiceQuotas, number] {
  const [name, value] = raw.split("=");
  if (!(QUOTA_KEYS as string[]).includes(name)) throw new UsageError(`${flag} ${raw}: no quota "${name}"; known: ${QUOTA_KEYS.join(", ")}`);
  const granted = /^(\d+(\.\d*)?|\.\d+)$/.test(value ?? "") ? Number(value) : NaN;
  if (!(granted > 0)) throw new UsageError(`${flag} ${raw}: the value must be a number above 0`);
  return [name as keyof ServiceQuotas, granted];
}

const options = {
  "events-per-second": decimal({ value: "n", help: "events per second at peak (or expectedLoad.eventsPerSecond in a --config file)", above: 0 }),
  "event-bytes": whole({ help: "average size of an event, bytes (or expectedLoad.eventBytes in a --config file)", min: 1 }),
  config: list({
    value: "file",
    help: "a stack's config file, such as Pulumi.poc.yaml; repeat for both stacks (default: the components' defaults, on-demand stream)",
  }),
  region: text({ value: "region", help: "the stacks' region", shownDefault: "the config's, else eu-west-1" }),
  shards: whole({ help: "a provisioned stream of n shards", min: 1, shownDefault: "the config's, else on-demand" }),
  "other-stream-readers": whole({ help: "other applications reading the stream without fan-out", min: 0, max: 20, shownDefault: "0" }),
  "hottest-group-share": decimal({ help: "share of events in an aggregate's busiest group", above: 0, max: 1, shownDefault: "0.1" }),
  quota: list({ value: "name>=<value", help: `a quota the account was granted above the default; repeat (${QUOTA_KEYS.join(", ")})` }, quota),
};

export const PLAN: Command<typeof options> = {
  name: "npm run plan",
  synopsis: "--events-per-second <n> --event-bytes <n> [options]",
  about: `Prints what each stage of the pipeline needs for that load, its limit, the headroom, and what
fixes the stages that fall short; then what it costs to run, stage by stage, per million events
and per month at that load. Nothing is deployed and no AWS account is needed.`,
  options,
  exit: { done: "when every stage carries the load", failed: "when one does not" },
};

export interface PlanRequest {
  load: ExpectedLoad;
  input: SettingsInput;
  granted: Partial<ServiceQuotas>;
}

/** A stack config file's settings, keys without the project prefix. */
function readStackConfig(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--config ${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const config = (parsed as { config?: Record<string, unknown> } | undefined)?.config;
  if (!config || typeof config !== "object") throw new UsageError(`--config ${file}: no "config:" block, as a Pulumi.<stack>.yaml has`);
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key.replace(/^stream-replication:/, ""), value]));
}

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The stack config keys `npm run plan` reads (a stack's config file is not type-checked: the model reports what it refuses). */
type PlanConfig = Omit<SettingsInput, "region" | "fanOut" | "streamRetentionHours"> & {
  "aws:region"?: string;
  sourceStreamRetentionHours?: number;
  expectedLoad?: Partial<ExpectedLoad>;
  fanOutConsumerName?: string;
  serviceQuotas?: Partial<ServiceQuotas>;
};

/** The load, settings and quotas of the command line and its config files; a UsageError when the load is missing or wrong. */
export function planRequest(values: Parsed<typeof options>): PlanRequest {
  const config: PlanConfig = Object.assign({}, ...values.config.map(readStackConfig));
  const configured = config.expectedLoad ?? {};
  const load = {
    ...configured,
    eventsPerSecond: values["events-per-second"] ?? configured.eventsPerSecond,
    eventBytes: values["event-bytes"] ?? configured.eventBytes,
    ...(values["other-stream-readers"] !== undefined && { otherStreamReaders: values["other-stream-readers"] }),
    ...(values["hottest-group-share"] !== undefined && { hottestGroupShare: values["hottest-group-share"] }),
  };
  const missing = (["eventsPerSecond", "eventBytes"] as const)
    .filter((key) => load[key] === undefined)
    .map((key) => `${flagOf(key)} is required (or expectedLoad.${key} in a --config file)`);
  if (missing.length > 0) throw new UsageError(missing.join("; "));
  // The flags are checked as they are read; a config file's load is checked here, named by the flag that would set it.
  const problems = loadProblems(load).map((p) => p.replace(/^(\w+)/, (name) => `expectedLoad.${name} (${flagOf(name)})`));
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  const input: SettingsInput = {
    region: values.region ?? config["aws:region"] ?? "eu-west-1",
    accessMode: config.accessMode,
    stream: values.shards !== undefined ? { ...config.stream, shardCount: values.shards } : config.stream,
    fanOut: config.fanOutConsumerName !== undefined,
    streamRetentionHours: config.sourceStreamRetentionHours,
    ingest: config.ingest,
    table: config.table,
    archive: config.archive,
    projections: config.projections,
    aurora: config.aurora,
  };
  return { load: load as ExpectedLoad, input, granted: { ...config.serviceQuotas, ...Object.fromEntries(values.quota) } };
}

/** The request a command line asks about, or "help"; a UsageError naming every problem. */
export function parsePlanArgs(argv: readonly string[]): PlanRequest | "help" {
  const values = readCommandLine(PLAN, argv);
  return values === "help" ? values : planRequest(values);
}
