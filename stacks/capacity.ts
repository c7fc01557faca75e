import * as pulumi from "@pulumi/pulumi";
import { QUOTA_KEYS, quotasFor, type ServiceQuotas } from "../capacity/limits";
import { fits, headroom, loadProblems, planCapacity, stagesOf, type Account, type ExpectedLoad } from "../capacity/model";
import { shortfallMessage } from "../capacity/report";
import { pipelineSettings, type SettingsInput } from "../capacity/settings";
import { validate } from "../components";
import { type StackConfig } from "./config";
import { type Peer } from "./peer";

const twoDecimals = (value: number) => Math.round(value * 100) / 100;

/** The capacity config keys: `expectedLoad`, `capacityCheck` (warn | fail) and `serviceQuotas`. */
function readCapacityConfig(config: StackConfig) {
  const load = config.object<ExpectedLoad>("expectedLoad");
  const onShortfall = config.string("capacityCheck") ?? "warn";
  const granted = config.object<Partial<ServiceQuotas>>("serviceQuotas") ?? {};
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  if (load !== undefined) for (const problem of loadProblems(load)) check.fail(`expectedLoad.${problem}`);
  check.oneOf("capacityCheck", onShortfall, ["warn", "fail"]);
  for (const [name, value] of Object.entries(granted)) {
    if (!(QUOTA_KEYS as string[]).includes(name)) check.fail(`serviceQuotas.${name} is not a quota the capacity model knows; known: ${QUOTA_KEYS.join(", ")}`);
    else if (typeof value !== "number" || !(value > 0)) check.fail(`serviceQuotas.${name} must be a positive number, got ${JSON.stringify(value)}`);
  }
  check.done();
  return { load, onShortfall, granted };
}

/**
 * Checks that this stack's side of the pipeline can carry `expectedLoad` (capacity/model.ts).
 * Each stage that cannot is named in a warning, with what it needs, its limit and the setting or
 * quota that fixes it; with `capacityCheck: fail`, the preview stops instead. Returns the stack
 * output `capacityHeadroom` (per stage: need, limit, unit, limit / need), or nothing without a load.
 * The consumer side reads the source stream's shard count from `source`.
 */
export async function checkCapacity(config: StackConfig, side: Account, input: SettingsInput, source?: Peer): Promise<{ capacityHeadroom?: Record<string, unknown> }> {
  const { load, onShortfall, granted } = readCapacityConfig(config);
  if (!load) return {};
  // The source stream's shard count, which the consumer side's stages divide the load by; unset: on-demand.
  const stream = source ? { shardCount: await source.number("streamShardCount") } : input.stream;
  const settings = pipelineSettings({ ...input, stream });
  const stages = stagesOf(planCapacity(load, settings, quotasFor(input.region, granted)), side);
  const shortfalls = stages.filter((stage) => !fits(stage)).map((stage) => shortfallMessage(stage, load));
  if (shortfalls.length > 0 && onShortfall === "fail") {
    throw new pulumi.RunError(`stack "${pulumi.getStack()}" cannot carry its expectedLoad (capacityCheck is "fail"):\n  - ${shortfalls.join("\n  - ")}`);
  }
  for (const message of shortfalls) pulumi.log.warn(message);
  return {
    capacityHeadroom: Object.fromEntries(
      stages.map((stage) => {
        const ratio = headroom(stage);
        return [stage.id, { need: twoDecimals(stage.need), limit: twoDecimals(stage.limit), unit: stage.unit, headroom: Number.isFinite(ratio) ? twoDecimals(ratio) : null }];
      }),
    ),
  };
}
