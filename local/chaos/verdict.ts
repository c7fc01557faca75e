import { paginateScan } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { type LocalPipeline } from "../runtime/pipeline";
import { loadedRows } from "../loaded-rows";
import { type RunSummary } from "../run";
import { fedByDedupTable } from "./table-fed";

/** An event as produced: its data, and why ingest must park it, when it must. */
export interface ProducedEvent {
  data: Buffer;
  parkReason?: string;
}

interface AggregateSpec {
  kind: string;
  groupBy: (string | { attribute: string; period: "hour" | "day" | "month" })[];
  sums?: { name: string; attribute: string }[];
}

type Groups = Map<string, Record<string, number>>;

const PERIOD_LENGTH = { hour: 13, day: 10, month: 7 };

/** What an aggregate must hold, recomputed here from the events' newest values: per group, its count and sums. */
function recompute(spec: AggregateSpec, events: Iterable<Record<string, unknown>>): Groups {
  const groups: Groups = new Map();
  for (const event of events) {
    const values: string[] = [];
    for (const entry of spec.groupBy) {
      const value = event[typeof entry === "string" ? entry : entry.attribute];
      if (typeof value !== "string" && typeof value !== "number") break;
      values.push(typeof entry === "string" ? String(value) : new Date(String(value)).toISOString().slice(0, PERIOD_LENGTH[entry.period]));
    }
    if (values.length < spec.groupBy.length) continue;
    const group = groups.get(JSON.stringify(values)) ?? { count: 0 };
    group.count += 1;
    for (const { name, attribute } of spec.sums ?? []) group[name] = (group[name] ?? 0) + Number(event[attribute] ?? 0);
    groups.set(JSON.stringify(values), group);
  }
  return groups;
}

/** The dedup table's items: Hits by dedup key (`hash|sequence`). */
async function tableHits(pipeline: LocalPipeline): Promise<Map<string, number>> {
  const hits = new Map<string, number>();
  const names = { "#hash": HASH_KEY, "#range": RANGE_KEY, "#hits": "Hits" };
  for await (const page of paginateScan(
    { client: pipeline.clients.dynamodb },
    { TableName: pipeline.outputs.poc.tableName as string, ProjectionExpression: "#hash, #range, #hits", ExpressionAttributeNames: names },
  )) {
    for (const item of page.Items ?? []) hits.set(`${item[HASH_KEY].S}|${item[RANGE_KEY].S}`, Number(item.Hits?.N));
  }
  return hits;
}

/** What prod's shared table holds in the end (pull mode; none in push mode), whose projection is recomputed from it. */
async function sharedTableItems(pipeline: LocalPipeline): Promise<Record<string, unknown>[]> {
  const table = pipeline.outputs.prod.sharedTableName as string | undefined;
  if (!table) return [];
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: pipeline.clients.dynamodb }, { TableName: table }))
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
  return items;
}

/** What an aggregate's table holds, per group. */
async function groupsIn(pipeline: LocalPipeline, table: string, spec: AggregateSpec): Promise<Groups> {
  const names = spec.groupBy.map((entry) => (typeof entry === "string" ? entry : `${entry.attribute}_${entry.period}`));
  const groups: Groups = new Map();
  for await (const page of paginateScan({ client: pipeline.clients.dynamodb }, { TableName: table })) {
    for (const item of page.Items ?? []) {
      const counts: Record<string, number> = { count: Number(item.count?.N ?? 0) };
      for (const { name } of spec.sums ?? []) counts[name] = Number(item[name]?.N ?? 0);
      // A group whose count went back to nothing holds nothing.
      if (counts.count !== 0 || Object.values(counts).some((v) => v !== 0)) groups.set(JSON.stringify(names.map((n) => item[n]?.S ?? item[n]?.N)), counts);
    }
  }
  return groups;
}

function compareGroups(expected: Groups, actual: Groups): string | undefined {
  const wrong: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = JSON.stringify(expected.get(key) ?? null);
    const got = JSON.stringify(actual.get(key) ?? null);
    if (want !== got) wrong.push(`${key}: ${got} instead of ${want}`);
  }
  return wrong.length
    ? `${wrong.length} of ${expected.size} groups differ from a recomputation from the valid events (or the shared table's items), e.g. ${wrong[0]}`
    : undefined;
}

/**
 * The chaos run's verdict on the exact end state, as problems (none: the run passes): every valid
 * event once in MySQL with its newest values, every aggregate equal to a recomputation from the
 * valid events, every malformed event parked with its reason, nothing sent to a failure
 * destination, every scheduled fault injected, and every rebuild and backfill done.
 */
export async function chaosVerdict(
  pipeline: LocalPipeline,
  summary: RunSummary,
  produced: ReadonlyMap<string, ProducedEvent>,
  updatedHits: ReadonlyMap<string, number>,
  faults: { scheduled: Record<string, number>; injected: Record<string, number>; failed?: readonly string[] },
): Promise<string[]> {
  const problems: string[] = [];
  if (summary.stalled) problems.push(`the pipeline stopped moving: ${summary.stalled}`);
  // The newest values are the dedup table's, which must hold each valid event's item with the Hits it
  // was produced with or was changed to. (A redelivered ingest batch may write an item again after
  // its change in place: the item then holds its produced values, newer than the change.)
  const hitsInTable = await tableHits(pipeline);
  const newest = new Map<string, Record<string, unknown>>();
  const wrongItems: string[] = [];
  for (const [key, event] of produced) {
    if (event.parkReason) continue;
    const values = JSON.parse(event.data.toString("utf8")) as Record<string, unknown>;
    const hits = hitsInTable.get(key);
    if (hits === undefined || (hits !== Number(values.Hits) && hits !== updatedHits.get(key))) wrongItems.push(`${key}: ${hits ?? "no item"}`);
    newest.set(key, { ...values, Hits: hits ?? values.Hits });
  }
  const strayItems = [...hitsInTable.keys()].filter((key) => !newest.has(key));
  if (wrongItems.length)
    problems.push(
      `${wrongItems.length} valid events' items in the dedup table are missing or hold Hits neither produced nor changed to, e.g. ${wrongItems[0]}`,
    );
  if (strayItems.length) problems.push(`${strayItems.length} items in the dedup table match no valid event, e.g. ${strayItems[0]}`);

  const rows = await loadedRows(pipeline, ["dedup_key", "hits"]);
  const inMySql = new Map(rows.map((row) => [row.dedup_key as string, row.hits as number | null]));
  const lost = [...newest.keys()].filter((key) => !inMySql.has(key));
  const extra = [...inMySql.keys()].filter((key) => !newest.has(key));
  const stale = [...newest.entries()].filter(([key, values]) => inMySql.has(key) && Number(inMySql.get(key)) !== Number(values.Hits));
  if (lost.length) problems.push(`${lost.length} valid events have no row in MySQL, e.g. ${lost[0]}`);
  if (extra.length) problems.push(`${extra.length} rows in MySQL match no valid event, e.g. ${extra[0]}`);
  if (stale.length)
    problems.push(
      `${stale.length} rows in MySQL do not hold their item's newest values, e.g. ${stale[0][0]}: hits ${inMySql.get(stale[0][0])} instead of ${stale[0][1].Hits}`,
    );

  const fedByTable = fedByDedupTable(pipeline);
  for (const [name, projection] of Object.entries(pipeline.stages.projections)) {
    const spec = JSON.parse(pipeline.functions.all().find((f) => f.name === projection.functionName)?.environment.PROJECTION ?? "{}") as AggregateSpec;
    if (spec.kind !== "aggregate") {
      problems.push(`projection ${name} is an index: this verdict recomputes aggregates only`);
      continue;
    }
    // A projection of another table (prod's shared one) is recomputed from what that table holds.
    const expected = recompute(spec, fedByTable.has(projection.functionName) ? newest.values() : await sharedTableItems(pipeline));
    const differs = compareGroups(expected, await groupsIn(pipeline, projection.table, spec));
    if (differs) problems.push(`projection ${name}: ${differs}`);
  }

  const expectedParked: Record<string, number> = {};
  for (const event of produced.values()) if (event.parkReason) expectedParked[event.parkReason] = (expectedParked[event.parkReason] ?? 0) + 1;
  const sorted = (counts: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(counts).sort()));
  if (sorted(expectedParked) !== sorted(summary.rejected))
    problems.push(`parked by ingest ${sorted(summary.rejected)}, but the malformed events were ${sorted(expectedParked)}`);

  const { mappings, notifications, firehose } = pipeline;
  if (mappings.counts.failedBatches) problems.push(`${mappings.counts.failedBatches} mapping batches ran out of retries and went to their on-failure bucket`);
  if (notifications.counts.failedEvents)
    problems.push(`${notifications.counts.failedEvents} S3 events ran out of the loader's retries and went to its failed-events queue`);
  if (firehose.counts.failed) problems.push(`${firehose.counts.failed} records failed the Firehose transform and went to its error prefix`);

  for (const [kind, due] of Object.entries(faults.scheduled)) {
    const done = faults.injected[kind] ?? 0;
    if (done < due) problems.push(`${kind}: ${done} of the ${due} scheduled were injected`);
  }
  // A rebuild or a backfill that did not end done (exit status 0).
  problems.push(...(faults.failed ?? []));
  return problems;
}
