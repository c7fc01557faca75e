import * as pulumi from "@pulumi/pulumi";
import { quotasFor } from "../capacity/limits";
import { fits, headroom, planCapacity, stagesOf, type Account } from "../capacity/model";
import { shortfallMessage } from "../capacity/report";
import { pipelineSettings, type SettingsInput } from "../capacity/settings";
import { type CapacityConfig } from "./stack-basics";

const twoDecimals = (value: number) => Math.round(value * 100) / 100;

/**
 * Checks that this stack's side of the pipeline can carry `expectedLoad` (capacity/model.ts).
 * Each stage that cannot is named in a warning, with what it needs, its limit and the setting or
 * quota that fixes it; with `capacityCheck: fail`, the preview stops instead. Returns the stack
 * output `capacityHeadroom` (per stage: need, limit, unit, limit / need), or nothing without a load.
 * The consumer side's `input.stream` is the source stream's shard count, which its stages divide the load by.
 */
export function checkCapacity(capacity: CapacityConfig, side: Account, input: SettingsInput): { capacityHeadroom?: Record<string, unknown> } {
  const { load, onShortfall, granted } = capacity;
  if (!load) return {};
  const settings = pipelineSettings(input);
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
