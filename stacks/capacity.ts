import * as pulumi from "@pulumi/pulumi";
import { costsOf, costTotals, dedupTableSize, runningCosts } from "../capacity/costs";
import { quotasFor } from "../capacity/limits";
import { fits, headroom, planCapacity, stagesOf, type Account } from "../capacity/model";
import { PRICES_NOTE } from "../capacity/prices";
import { formatDollars, formatNumber, shortfallMessage, tableSizeText } from "../capacity/report";
import { pipelineSettings, type SettingsInput } from "../capacity/settings";
import { type CapacityConfig } from "./stack-basics";

const twoDecimals = (value: number) => Math.round(value * 100) / 100;
/** Dollars to the cent, and small amounts (per million events) to three significant digits. */
const dollars = (value: number) => (value >= 1 ? twoDecimals(value) : Number(value.toPrecision(3)));

/**
 * Checks that this stack's side of the pipeline can carry `expectedLoad` (capacity/model.ts).
 * Each stage that cannot is named in a warning, with what it needs, its limit and the setting or
 * quota that fixes it; with `capacityCheck: fail`, the preview stops instead. Returns the stack
 * outputs `capacityHeadroom` (per stage: need, limit, unit, limit / need) and `runningCost` (what
 * this side costs at that load all month, per line and in total, capacity/costs.ts), which the
 * preview also states in a line; nothing without a load.
 * The consumer side's `input.stream` is the source stream's shard count, which its stages divide the load by.
 */
export function checkCapacity(
  capacity: CapacityConfig,
  side: Account,
  input: SettingsInput,
): { capacityHeadroom?: Record<string, unknown>; runningCost?: Record<string, unknown> } {
  const { load, onShortfall, granted } = capacity;
  if (!load) return {};
  const settings = pipelineSettings(input);
  const stages = stagesOf(planCapacity(load, settings, quotasFor(input.region, granted)), side);
  const shortfalls = stages.filter((stage) => !fits(stage)).map((stage) => shortfallMessage(stage, load));
  if (shortfalls.length > 0 && onShortfall === "fail") {
    throw new pulumi.RunError(`stack "${pulumi.getStack()}" cannot carry its expectedLoad (capacityCheck is "fail"):\n  - ${shortfalls.join("\n  - ")}`);
  }
  for (const message of shortfalls) pulumi.log.warn(message);
  const allCosts = runningCosts(load, settings);
  const costs = costsOf(allCosts, side);
  const totals = costTotals(costs);
  const size = side === "consumer" ? ` ${tableSizeText(dedupTableSize(load, settings), load, allCosts)}` : "";
  pulumi.log.info(
    `running cost: ${formatDollars(totals.perMonth)} a month, ${formatDollars(totals.perMillionEvents)} per million events at ${formatNumber(load.eventsPerSecond)} events/s in this account` +
      `${totals.growsPerMonth > 0 ? `, and ${formatDollars(totals.growsPerMonth)} more each month for storage that is kept` : ""} (${PRICES_NOTE}; npm run plan gives each line).${size}`,
  );
  return {
    capacityHeadroom: Object.fromEntries(
      stages.map((stage) => {
        const ratio = headroom(stage);
        return [
          stage.id,
          { need: twoDecimals(stage.need), limit: twoDecimals(stage.limit), unit: stage.unit, headroom: Number.isFinite(ratio) ? twoDecimals(ratio) : null },
        ];
      }),
    ),
    runningCost: {
      perMonth: dollars(totals.perMonth),
      perMillionEvents: dollars(totals.perMillionEvents),
      growsPerMonth: dollars(totals.growsPerMonth),
      prices: PRICES_NOTE,
      lines: Object.fromEntries(
        costs.map((c) => [
          c.id,
          { quantity: twoDecimals(c.quantity), unit: c.unit, perMillionEvents: dollars(c.perMillionEvents), perMonth: dollars(c.perMonth), grows: c.grows },
        ]),
      ),
    },
  };
}
