import { type ServiceQuotas } from "./limits";
import { fits, headroom, type ExpectedLoad, type Fix, type Stage } from "./model";

const QUOTA_NAMES: Record<keyof ServiceQuotas, string> = {
  lambdaConcurrency: "Lambda concurrent executions quota",
  kinesisShards: "Kinesis shard quota",
  kinesisOnDemandMaxWriteMiBPerSecond: "Kinesis on-demand write maximum, MiB/s (support case)",
  dynamodbTableWriteUnits: "DynamoDB table-level write throughput quota",
  firehoseMiBPerSecond: "Firehose Direct PUT quota, MiB/s (records/s and requests/s scale with it)",
  firehoseRecordsPerSecond: "Firehose Direct PUT records/s quota",
  firehoseRequestsPerSecond: "Firehose Direct PUT requests/s quota",
};

/** A number as people read it: thousands separated, two significant decimals below 10, one below 100. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "∞";
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A limit / need ratio: two significant digits below 1, so a deep shortfall does not read as 0. */
export const formatRatio = (value: number): string => `${value < 1 ? Number(value.toPrecision(2)).toString() : formatNumber(value)}x`;

/** The fix in a few words, for a table cell. */
export function fixCell(fix: Fix): string {
  switch (fix.kind) {
    case "setting":
      return fix.key === "fanOutConsumerName" ? "fanOutConsumerName (enhanced fan-out)" : `${fix.key}: ${fix.value}`;
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
        : `set ${fix.key} to ${fix.value}`;
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
export function textTable(rows: readonly string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const last = widths.length - 1;
  return rows
    .map((row) => row.map((cell, column) => (NUMBER_COLUMNS.includes(column) ? cell.padStart(widths[column]) : cell.padEnd(column === last ? 0 : widths[column]))).join("  ").trimEnd())
    .join("\n");
}

/** Rows as a Markdown table, the columns of numbers right-aligned. */
export function markdownTable(rows: readonly string[][], numberColumns: readonly number[] = NUMBER_COLUMNS): string {
  const line = (row: readonly string[]) => `| ${row.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(rows[0]), `|${rows[0].map((_, i) => (numberColumns.includes(i) ? "---:" : "---")).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}
