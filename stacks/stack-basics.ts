import * as pulumi from "@pulumi/pulumi";
import { QUOTA_KEYS, type ServiceQuotas } from "../capacity/limits";
import { loadProblems, type ExpectedLoad } from "../capacity/model";
import { type Check, type IngestSettings, validate } from "../components";
import { assertDeployingInto, readAccounts, type Accounts, type Side } from "./accounts";
import { type StackConfig } from "./config";
import { Peer } from "./peer";

/** The capacity config keys: `expectedLoad`, `capacityCheck` (warn | fail) and `serviceQuotas`. */
export interface CapacityConfig {
  load: ExpectedLoad | undefined;
  onShortfall: "warn" | "fail";
  granted: Partial<ServiceQuotas>;
}

/** The alarm topic's settings: `alertEmail` and `protectData`. */
export interface AlertSettings {
  email: string | undefined;
  protectData: boolean | undefined;
  tags: Record<string, string>;
}

/** What both stacks read the same way: the accounts, the other side's stack, data protection, alerts and capacity. */
export interface StackBasics {
  /** Every component's and resource's tags: the project, the stack, the owner and the data's classification. */
  tags: Record<string, string>;
  accounts: Accounts;
  /** The other side's stack, for what it exports and for messages naming it. */
  peer: Peer;
  protectData: boolean | undefined;
  alerts: AlertSettings;
  capacity: CapacityConfig;
}

/** The stack's config problems, collected and thrown together as one RunError. */
export const configCheck = (): Check => validate(`stack "${pulumi.getStack()}"`, "config");

/**
 * Reads what both stacks share, failing first on bad accounts (nothing else can be checked
 * without them) and on credentials for another account; the rest of the problems go to `check`.
 */
export async function readStackBasics(config: StackConfig, side: Side, check: Check): Promise<StackBasics> {
  config.warnUnknownKeys();
  const accounts = readAccounts(config);
  await assertDeployingInto(accounts, side);
  const peer = new Peer(config, side === "source" ? "consumer" : "source");
  await peer.assertAgrees(accounts);
  const protectData = config.boolean("protectData");
  const tags = stackTags(config);
  return { tags, accounts, peer, protectData, alerts: { email: config.string("alertEmail"), protectData, tags }, capacity: readCapacityConfig(config, check) };
}

/**
 * The tags every resource of the stack carries: the project and the stack, who owns it (`owner`),
 * and what its data is (`dataClassification`: the clickstream holds e-mail addresses, so personal
 * by default), with any of `tags` on top.
 */
function stackTags(config: StackConfig): Record<string, string> {
  const owner = config.string("owner");
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    ...(owner && { owner }),
    "data-classification": config.string("dataClassification") ?? "personal",
    ...config.object<Record<string, string>>("tags"),
  };
}

function readCapacityConfig(config: StackConfig, check: Check): CapacityConfig {
  const load = config.object<ExpectedLoad>("expectedLoad");
  const onShortfall = config.string("capacityCheck") ?? "warn";
  const granted = config.object<Partial<ServiceQuotas>>("serviceQuotas") ?? {};
  if (load !== undefined) for (const problem of loadProblems(load)) check.fail(`expectedLoad.${problem}`);
  check.oneOf("capacityCheck", onShortfall, ["warn", "fail"]);
  for (const [name, value] of Object.entries(granted)) {
    if (!(QUOTA_KEYS as string[]).includes(name)) check.fail(`serviceQuotas.${name} is not a quota the capacity model knows; known: ${QUOTA_KEYS.join(", ")}`);
    else if (typeof value !== "number" || !(value > 0)) check.fail(`serviceQuotas.${name} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return { load, onShortfall: onShortfall as CapacityConfig["onShortfall"], granted };
}

/** The ingest function's settings, wherever it runs: the `ingest` key with `deadLetterExpireAfterDays` in it, and `logRetentionDays`. */
export interface IngestConfig {
  ingest: IngestSettings | undefined;
  logRetentionDays: number | undefined;
}

export function readIngestConfig(config: StackConfig, check: Check): IngestConfig {
  const ingest = config.object<IngestSettings>("ingest");
  const days = config.number("deadLetterExpireAfterDays");
  // 0, the declared default, keeps parked records forever.
  const deadLetterExpireAfterDays = days === 0 ? undefined : days;
  check.integer("deadLetterExpireAfterDays", deadLetterExpireAfterDays, 1, 36_500);
  return {
    ingest: deadLetterExpireAfterDays === undefined ? ingest : { ...ingest, deadLetterExpireAfterDays },
    logRetentionDays: config.number("logRetentionDays"),
  };
}

/** The keys `readIngestConfig` reads: they configure the ingest function, wherever it runs. */
export const INGEST_CONFIG_KEYS = ["ingest", "deadLetterExpireAfterDays", "logRetentionDays"];
