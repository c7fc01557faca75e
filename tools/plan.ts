import { costsOf, dedupTableSize, runningCosts } from "../capacity/costs";
import { ESTIMATES, FIGURES } from "../capacity/estimates";
import { quotasFor } from "../capacity/limits";
import { fits, planCapacity, stagesOf } from "../capacity/model";
import { PRICES_NOTE } from "../capacity/prices";
import { COST_NUMBER_COLUMNS, costRows, fixText, formatDollars, formatNumber, planRows, tableSizeText, textTable } from "../capacity/report";
import { pipelineSettings } from "../capacity/settings";
import { sizeFor } from "../capacity/sizing";
import { type PlanRequest } from "./plan-args";

/** The plan for a request, as text, and whether every stage carries the load. */
export function planReport({ load, input, granted }: PlanRequest): { text: string; fits: boolean } {
  const settings = pipelineSettings(input);
  const stages = planCapacity(load, settings, quotasFor(settings.region, granted));
  const stream = settings.stream.shardCount === undefined ? "an on-demand stream" : `${settings.stream.shardCount} shards`;
  const lines = [
    `${formatNumber(load.eventsPerSecond)} events/s of ${formatNumber(load.eventBytes)} bytes, ${stream}, ${settings.region}, ${settings.accessMode} mode`,
  ];
  for (const account of ["source", "consumer"] as const) lines.push("", `${account} account`, textTable(planRows(stagesOf(stages, account))));
  const measuredOn = ESTIMATES.measured.functions.measuredOn;
  lines.push(
    "",
    `~ estimated from figures measured on ${measuredOn.cpu}, ${measuredOn.date.slice(0, 10)} (${FIGURES}), scaled to Lambda arm64 by ${formatNumber(ESTIMATES.speed.factor)}x; the rest are AWS's published limits.`,
  );
  const costs = runningCosts(load, settings);
  lines.push("", `Running cost at ${formatNumber(load.eventsPerSecond)} events/s all month, ${PRICES_NOTE}:`);
  for (const account of ["source", "consumer"] as const)
    lines.push("", `${account} account`, textTable(costRows(costsOf(costs, account)), COST_NUMBER_COLUMNS));
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
