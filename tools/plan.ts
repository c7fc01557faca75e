import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { load as parseYaml } from "js-yaml";
import { costsOf, dedupTableSize, runningCosts } from "../capacity/costs";
import { ESTIMATES, FIGURES } from "../capacity/estimates";
import { QUOTA_KEYS, quotasFor, type ServiceQuotas } from "../capacity/limits";
import { fits, loadProblems, planCapacity, stagesOf, type ExpectedLoad } from "../capacity/model";
import { PRICES_NOTE } from "../capacity/prices";
import { COST_NUMBER_COLUMNS, costRows, fixText, formatDollars, formatNumber, planRows, tableSizeText, textTable } from "../capacity/report";
import { pipelineSettings, type SettingsInput } from "../capacity/settings";
import { sizeFor } from "../capacity/sizing";

export const USAGE = `npm run plan -- --events-per-second <n> --event-bytes <n> [options]

Prints what each stage of the pipeline needs for that load, its limit, the headroom, and what
fixes the stages that fall short; then what it costs to run, stage by stage, per million events
and per month at that load. Nothing is deployed and no AWS account is needed.

  --events-per-second <n>       events per second at peak
  --event-bytes <n>             average size of an event, bytes
  --config <file>               a stack's config file, such as Pulumi.poc.yaml; repeat for both
                                stacks (default: the components' defaults, on-demand stream)
  --region <region>             the stacks' region (default: the config's, else eu-west-1)
  --shards <n>                  a provisioned stream of n shards (default: the config's, else on-demand)
  --other-stream-readers <n>    other applications reading the stream without fan-out (default: 0)
  --hottest-group-share <x>     share of events in an aggregate's busiest group (default: 0.1)
  --quota <name>=<value>        a quota the account was granted above the default; repeat
                                (${QUOTA_KEYS.join(", ")})

Exit status: 0 when every stage carries the load, 1 when one does not, 2 for a bad argument.`;

/** A bad command line: the message says what, and the usage follows it. */
export class UsageError extends Error {}

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

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got "${text}"`);
  return value;
}

/** The load, settings and quotas a command line asks about; throws UsageError for a bad one. */
export function parsePlanArgs(args: string[]): PlanRequest | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "events-per-second": { type: "string" },
        "event-bytes": { type: "string" },
        config: { type: "string", multiple: true },
        region: { type: "string" },
        shards: { type: "string" },
        "other-stream-readers": { type: "string" },
        "hottest-group-share": { type: "string" },
        quota: { type: "string", multiple: true },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const config: Record<string, any> = Object.assign({}, ...(values.config ?? []).map(readStackConfig));
  const configured: Partial<ExpectedLoad> = config.expectedLoad ?? {};
  const load = {
    ...configured,
    eventsPerSecond: number("events-per-second", values["events-per-second"]) ?? configured.eventsPerSecond,
    eventBytes: number("event-bytes", values["event-bytes"]) ?? configured.eventBytes,
    ...(values["other-stream-readers"] !== undefined && { otherStreamReaders: number("other-stream-readers", values["other-stream-readers"]) }),
    ...(values["hottest-group-share"] !== undefined && { hottestGroupShare: number("hottest-group-share", values["hottest-group-share"]) }),
  };
  for (const [flag, key] of [["events-per-second", "eventsPerSecond"], ["event-bytes", "eventBytes"]] as const) {
    if (load[key] === undefined) throw new UsageError(`--${flag} is required (or expectedLoad.${key} in a --config file)`);
  }
  const problems = loadProblems(load);
  if (problems.length > 0) throw new UsageError(problems.map((p) => p.replace(/^(\w+)/, (name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)).join("\n"));

  const granted: Partial<ServiceQuotas> = { ...config.serviceQuotas };
  for (const entry of values.quota ?? []) {
    const [name, text] = entry.split("=");
    if (!(QUOTA_KEYS as string[]).includes(name)) throw new UsageError(`--quota ${entry}: no quota "${name}"; known: ${QUOTA_KEYS.join(", ")}`);
    const value = number(`quota ${name}`, text ?? "");
    if (!(value! > 0)) throw new UsageError(`--quota ${entry}: the value must be positive`);
    granted[name as keyof ServiceQuotas] = value;
  }
  const shards = number("shards", values.shards);
  if (shards !== undefined && !(Number.isInteger(shards) && shards >= 1)) throw new UsageError(`--shards must be a whole number of shards, got ${values.shards}`);
  const input: SettingsInput = {
    region: values.region ?? config["aws:region"] ?? "eu-west-1",
    accessMode: config.accessMode,
    stream: shards !== undefined ? { ...config.stream, shardCount: shards } : config.stream,
    fanOut: config.fanOutConsumerName !== undefined,
    streamRetentionHours: config.sourceStreamRetentionHours,
    ingest: config.ingest,
    table: config.table,
    archive: config.archive,
    projections: config.projections,
    aurora: config.aurora,
  };
  return { load: load as ExpectedLoad, input, granted };
}

/** The plan for a request, as text, and whether every stage carries the load. */
export function planReport({ load, input, granted }: PlanRequest): { text: string; fits: boolean } {
  const settings = pipelineSettings(input);
  const stages = planCapacity(load, settings, quotasFor(settings.region, granted));
  const stream = settings.stream.shardCount === undefined ? "an on-demand stream" : `${settings.stream.shardCount} shards`;
  const lines = [`${formatNumber(load.eventsPerSecond)} events/s of ${formatNumber(load.eventBytes)} bytes, ${stream}, ${settings.region}, ${settings.accessMode} mode`];
  for (const account of ["source", "consumer"] as const) lines.push("", `${account} account`, textTable(planRows(stagesOf(stages, account))));
  const measuredOn = ESTIMATES.measured.functions.measuredOn;
  lines.push(
    "",
    `~ estimated from figures measured on ${measuredOn.cpu}, ${measuredOn.date.slice(0, 10)} (${FIGURES}), scaled to Lambda arm64 by ${formatNumber(ESTIMATES.speed.factor)}x; the rest are AWS's published limits.`,
  );
  const costs = runningCosts(load, settings);
  lines.push("", `Running cost at ${formatNumber(load.eventsPerSecond)} events/s all month, ${PRICES_NOTE}:`);
  for (const account of ["source", "consumer"] as const) lines.push("", `${account} account`, textTable(costRows(costsOf(costs, account)), COST_NUMBER_COLUMNS));
  const grows = costs.filter((c) => c.grows).reduce((sum, c) => sum + c.perMonth, 0);
  lines.push("", tableSizeText(dedupTableSize(load, settings), load, costs));
  if (grows > 0) lines.push(`Storage that is kept (marked "more each month") adds ${formatDollars(grows)} to the monthly bill every month.`);
  lines.push("");
  const short = stages.filter((s) => !fits(s));
  if (short.length === 0) {
    lines.push("Every stage carries this load.");
  } else {
    const sized = sizeFor(load, settings, granted);
    lines.push(`${short.length} of ${stages.length} stages cannot carry this load. What would:`);
    for (const fix of sized.changes) lines.push(`  - ${fixText(fix)}`);
    for (const stage of sized.unresolved) lines.push(`  - ${stage.id}: ${fixText(stage.fix)}`);
  }
  return { text: lines.join("\n"), fits: short.length === 0 };
}
