import { WEB_ANALYTICS_COLUMN_TYPES, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { forwardDecision } from "../../functions/forward/core";
import { createTransformer, FIXED_COLUMNS } from "../../functions/transform/core";
import { clickItem, DEDUP_KEYS, streamRecord } from "./dynamodb-stream";

export const CSV_COLUMNS = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];
const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_COLUMN_TYPES);

/** The CSV line the archive holds for a change of click `n` (the DynamoDB-to-Aurora design's web-analytics fields), as forward and transform make it. */
export function csvRow(
  n: number,
  overrides: Record<string, unknown> = {},
  change: "INSERT" | "MODIFY" | "REMOVE" = "INSERT",
  sequence = String(1000 + n),
): string {
  const decision = forwardDecision(streamRecord(change, clickItem(n, overrides), sequence), { keyAttributes: DEDUP_KEYS, removeMode: "marker" });
  if (decision.kind !== "send") throw new Error("not archived");
  const result = transform(decision.data);
  if (!result.ok) throw new Error(result.detail);
  return result.line;
}

/** An archive object: the rows of clicks `from` to `to`, concatenated as Firehose writes them. */
export const csvObject = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => csvRow(from + i)).join("");
