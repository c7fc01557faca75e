import { costTotals, type Cost, type TableSize } from "./costs";
import { DYNAMODB, type ServiceQuotas } from "./limits";
import { fits, headroom, type ExpectedLoad, type Fix, type Stage } from "./model";
import { GB } from "./prices";

const QUOTA_NAMES: Record<keyof ServiceQuotas, string> = {
  lambdaConcurrency: "Lambda concurrent executions quota",
  kinesisShards: "Kinesis shard quota",
  kinesisOnDemandMaxWriteMiBPerSecond: "Kinesis on-demand write maximum, MiB/s (support case)",
  dynamodbTableWriteUnits: "DynamoDB table-level write throughput quota",
  firehoseMiBPerSecond: "Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it)",
  firehoseRecordsPerSecond: "Firehose Direct PUT records/s quota",
  firehoseRequestsPerSecond: "Firehose Direct PUT requests/s quota",
};

/**
 * Every number the plan prints, one way: thousands separated, whole from 100 up, three
 * significant digits below (so a small value never reads as 0).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "∞";
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3));
  return rounded.toLocaleString("en-US", { maximumFractionDigits: 20 });
}

/** A limit / need ratio. */
export const formatRatio = (value: number): string => `${formatNumber(value)}x`;

/** Dollars. */
export const formatDollars = (value: number): string => `$${formatNumber(value)}`;

/** The fix in a few words, for a table cell. */
export function fixCell(fix: Fix): string {
  switch (fix.kind) {
    case "setting":
      return fix.key === "fanOutConsumerName" ? "fanOutConsumerName (enhanced fan-out)" : `${fix.key}: ${formatNumber(fix.value)}`;
    case "quota":
      return `quota ${fix.name}: ${formatNumber(fix.value)}`;
    case "advice":
      return fix.text;
    case "design":
      return `design change: ${fix.text}`;
  }
}

/** The fix as an instruction. */
export function fixText(fix: Fix): string {
  switch (fix.kind) {
    case "setting":
      return fix.key === "fanOutConsumerName"
        ? "set fanOutConsumerName in the source stack, so the ingest function reads through enhanced fan-out (2 MiB/s per shard of its own)"
        : `set ${fix.key} to ${formatNumber(fix.value)}`;
    case "quota":
      return `request a ${QUOTA_NAMES[fix.name]} of ${formatNumber(fix.value)}, then declare it in serviceQuotas.${fix.name}`;
    case "advice":
      return `use ${fix.text}`;
    case "design":
      return `change the design: ${fix.text}`;
  }
}

const describeLoad = (load: ExpectedLoad) => `${formatNumber(load.eventsPerSecond)} events/s of ${formatNumber(load.eventBytes)} bytes`;

/** The warning for a stage that cannot carry the load: stage, need, limit and fix. */
export function shortfallMessage(stage: Stage, load: ExpectedLoad): string {
  const estimated = stage.basis === "estimated" ? " (estimated)" : "";
  return `capacity: ${stage.what} [${stage.id}] needs ${formatNumber(stage.need)} ${stage.unit} for ${describeLoad(load)}, over its limit of ${formatNumber(stage.limit)}${estimated}: ${fixText(stage.fix)}`;
}

/** The plan as rows: a header, then one row per stage. Estimated limits carry "~"; short stages say what fixes them. */
export function planRows(stages: readonly Stage[]): string[][] {
  return [
    ["stage", "need", "limit", "unit", "headroom", "fix"],
    ...stages.map((s) => [
      s.id,
      formatNumber(s.need),
      `${s.basis === "estimated" ? "~" : ""}${formatNumber(s.limit)}`,
      s.unit,
      formatRatio(headroom(s)),
      fits(s) ? "ok" : fixCell(s.fix),
    ]),
  ];
}

/** The plan's columns of numbers: need, limit, headroom. */
const NUMBER_COLUMNS = [1, 2, 4];

/** Rows as aligned text, the columns of numbers right-aligned. */
export function textTable(rows: readonly string[][], numberColumns: readonly number[] = NUMBER_COLUMNS): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const last = widths.length - 1;
  return rows
    .map((row) =>
      row
        .map((cell, column) => (numberColumns.includes(column) ? cell.padStart(widths[column]) : cell.padEnd(column === last ? 0 : widths[column])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The running-cost table's columns of numbers: quantity, per million events, per month. */
export const COST_NUMBER_COLUMNS = [1, 3, 4];

/**
 * The running costs as rows: a header, a row per line, and the total. Storage that grows shows
 * what each month adds to the monthly bill, and is left out of the total.
 */
export function costRows(costs: readonly Cost[]): string[][] {
  const totals = costTotals(costs);
  return [
    ["cost", "a month", "unit", "$ per million events", "$ a month"],
    ...costs.map((c) => [
      c.id,
      formatNumber(c.quantity),
      c.unit,
      formatDollars(c.perMillionEvents),
      `${c.grows ? "+" : ""}${formatDollars(c.perMonth)}${c.grows ? " more each month" : ""}`,
    ]),
    ["total", "", "", formatDollars(totals.perMillionEvents), formatDollars(totals.perMonth)],
  ];
}

/** The dedup table's size in a sentence: steady with its arithmetic, or growing. */
export function tableSizeText(size: TableSize, load: ExpectedLoad, costs: readonly Cost[]): string {
  const storage = costs.filter((c) => c.id === "dynamodb.table.storage" || c.id === "dynamodb.table.pitr").reduce((sum, c) => sum + c.perMonth, 0);
  const events = `${formatNumber(load.eventsPerSecond)} events/s × ${formatNumber(size.itemBytes)} bytes an item`;
  if (size.kind === "growing") {
    return `Dedup table: its items never expire, so it grows by ${events} = ${formatNumber(size.bytesPerMonth / GB)} GB a month, and its storage with point-in-time recovery by ${formatDollars(storage)} a month, every month.`;
  }
  return (
    `Dedup table: ${events} × ${formatNumber(size.keptDays)} days (${formatNumber(size.expireAfterDays)} until items expire, ` +
    `then ${DYNAMODB.ttlDeletionLagDays} until DynamoDB deletes them) = ${formatNumber(size.bytes / GB)} GB at steady state; ${formatDollars(storage)} a month with point-in-time recovery.`
  );
}

/** Rows as a Markdown table, the columns of numbers right-aligned. */
export function markdownTable(rows: readonly string[][], numberColumns: readonly number[] = NUMBER_COLUMNS): string {
  const line = (row: readonly string[]) => `| ${row.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(rows[0]), `|${rows[0].map((_, i) => (numberColumns.includes(i) ? "---:" : "---")).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}
