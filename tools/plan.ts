import { quotasFor } from "../capacity/limits";
import { fits, planCapacity, stagesOf } from "../capacity/model";
import { fixText, formatNumber, planRows, textTable } from "../capacity/report";
import { pipelineSettings } from "../capacity/settings";
import { sizeFor } from "../capacity/sizing";
import { type PlanRequest } from "./plan-args";

/** The plan for a request, as text, and whether every stage carries the load. */
export function planReport({ load, input, granted }: PlanRequest): { text: string; fits: boolean } {
  const settings = pipelineSettings(input);
  const stages = planCapacity(load, settings, quotasFor(settings.region, granted));
  const stream = settings.stream.shardCount === undefined ? "an on-demand stream" : `${settings.stream.shardCount} shards`;
  const lines = [`${formatNumber(load.eventsPerSecond)} events/s of ${formatNumber(load.eventBytes)} bytes, ${stream}, ${settings.region}, ${settings.accessMode} mode`];
  for (const account of ["source", "consumer"] as const) lines.push("", `${account} account`, textTable(planRows(stagesOf(stages, account))));
  lines.push("", "~ estimated from the project's bench figures (capacity/figures.ts); the rest are AWS's published limits.");
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
