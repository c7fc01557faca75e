import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue as StreamAttributeValue, DynamoDBRecord } from "aws-lambda";
import * as fc from "fast-check";
import { canonicalDecimal } from "../../functions/project/decimal";
import { type AggregateSpec, type IndexSpec } from "../../functions/project/spec";

/**
 * A small table's life as its stream tells it: items keyed by `id`, each on a page (or on none),
 * with hits, changed by INSERT, MODIFY and REMOVE. Property tests generate such histories, feed
 * them to a projection in any batches, replays and orders the event source mapping allows, and
 * compare the projection with one recomputed from the items' final state.
 */
export const HITS_PER_PAGE: AggregateSpec = { kind: "aggregate", groupBy: ["page"], sums: [{ name: "hits", attribute: "hits" }] };
export const BY_PAGE_AND_ID: IndexSpec = { kind: "index", hashKey: "page", rangeKey: "id" };

export interface ItemState {
  /** Absent: the item is on no page, so no group and no index key. */
  page?: string;
  /** Exact decimal text. */
  hits: string;
  /** Changes nothing projected: a MODIFY of it alone must change nothing. */
  note: string;
}

/** One change the history makes: the next state of an item, or its removal. */
export interface Change {
  item: number;
  next: ItemState | undefined;
}

const TABLE_STREAM = "arn:aws:dynamodb:eu-west-1:999999999999:table/source/stream/2026-01-01T00:00:00.000";

export function image(prefix: string, item: number, state: ItemState): Record<string, StreamAttributeValue> {
  return {
    id: { S: `${prefix}i${item}` },
    ...(state.page === undefined ? {} : { page: { S: `${prefix}${state.page}` } }),
    hits: { N: state.hits },
    note: { S: state.note },
  };
}

/** The table's stream: one record per change that changed something, with both images and increasing sequence numbers. */
export class History {
  readonly states = new Map<number, ItemState>();
  readonly records: DynamoDBRecord[] = [];
  private sequence = 0;

  constructor(
    readonly prefix: string,
    private readonly firstSequence = 100_000_000_000,
  ) {}

  apply({ item, next }: Change): DynamoDBRecord | undefined {
    const before = this.states.get(item);
    if (!before && !next) return undefined;
    const eventName = !before ? "INSERT" : next ? "MODIFY" : "REMOVE";
    this.sequence += 1;
    const sequence = String(this.firstSequence + this.sequence * 10);
    const record: DynamoDBRecord = {
      eventID: `${this.prefix}event-${sequence}`,
      eventName,
      eventSource: "aws:dynamodb",
      eventSourceARN: TABLE_STREAM,
      dynamodb: {
        ApproximateCreationDateTime: 1764151200,
        Keys: { id: { S: `${this.prefix}i${item}` } },
        ...(next ? { NewImage: image(this.prefix, item, next) } : {}),
        ...(before ? { OldImage: image(this.prefix, item, before) } : {}),
        SequenceNumber: sequence,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    };
    if (next) this.states.set(item, next);
    else this.states.delete(item);
    this.records.push(record);
    return record;
  }
}

/** Up to `items` items over up to `pages` pages; amounts with and without fractions, and negative ones. */
export function changeArbitrary(items: number, pages: number): fc.Arbitrary<Change> {
  const amount = fc.oneof(fc.integer({ min: -5, max: 40 }).map(String), fc.constantFrom("0.5", "1.25", "-0.75", "1e3"));
  const state = fc.record({
    page: fc.option(
      fc.integer({ min: 0, max: pages - 1 }).map((p) => `p${p}`),
      { nil: undefined, freq: 6 },
    ),
    hits: amount,
    note: fc.constantFrom("a", "b"),
  });
  return fc.record({ item: fc.integer({ min: 0, max: items - 1 }), next: fc.option(state, { nil: undefined, freq: 4 }) });
}

/** Count and hits per page, recomputed from the final states; pages that count nothing are left out. */
export function expectedAggregates(prefix: string, states: ReadonlyMap<number, ItemState>): Record<string, { count: number; hits: string }> {
  const sums = new Map<string, { count: number; hits: bigint }>();
  for (const state of states.values()) {
    if (state.page === undefined) continue;
    const group = `${prefix}${state.page}`;
    const sum = sums.get(group) ?? { count: 0, hits: 0n };
    sum.count += 1;
    sum.hits += BigInt(Math.round(Number(state.hits) * 100));
    sums.set(group, sum);
  }
  return Object.fromEntries([...sums].map(([group, { count, hits }]) => [group, { count, hits: hundredths(hits) }]));
}

/** Hundredths as the decimal text DynamoDB gives back (no trailing zeros). */
function hundredths(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, "0");
  const text = `${digits.slice(0, -2)}.${digits.slice(-2)}`.replace(/\.?0+$/, "");
  return `${negative ? "-" : ""}${text}`;
}

/** Every item of a table, read strongly consistent, page after page. */
export async function scanAll(dynamodb: Pick<DynamoDBClient, "send">, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    start = page.LastEvaluatedKey;
    items.push(...(page.Items ?? []));
  } while (start);
  return items;
}

/** The aggregate table's groups under `prefix`, those whose count and hits are both zero left out (a group emptied stays as zeros). */
export async function aggregatesIn(
  dynamodb: Pick<DynamoDBClient, "send">,
  table: string,
  prefix: string,
): Promise<Record<string, { count: number; hits: string }>> {
  const found: Record<string, { count: number; hits: string }> = {};
  for (const item of await scanAll(dynamodb, table)) {
    if (!item.group.S!.startsWith(prefix)) continue;
    if (item.count.N === "0" && Number(item.hits?.N ?? "0") === 0) continue;
    // DynamoDB Local writes sums with trailing zeros ("1.0"); the service does not.
    found[item.group.S!] = { count: Number(item.count.N), hits: canonicalDecimal(item.hits?.N ?? "0") };
  }
  return found;
}

/** The index items under `prefix`, by page and id, each with its hits and note. */
export async function indexIn(dynamodb: Pick<DynamoDBClient, "send">, table: string, prefix: string): Promise<Record<string, { hits: string; note: string }>> {
  const found: Record<string, { hits: string; note: string }> = {};
  for (const item of (await scanAll(dynamodb, table)).map((i) => unmarshall(i))) {
    if (String(item.id).startsWith(prefix)) found[`${item.page}/${item.id}`] = { hits: String(item.hits), note: String(item.note) };
  }
  return found;
}

/** The index as it must be: one item per existing item on a page, with its newest values. */
export function expectedIndex(prefix: string, states: ReadonlyMap<number, ItemState>): Record<string, { hits: string; note: string }> {
  const expected: Record<string, { hits: string; note: string }> = {};
  for (const [item, state] of states) {
    if (state.page !== undefined) expected[`${prefix}${state.page}/${prefix}i${item}`] = { hits: String(Number(state.hits)), note: state.note };
  }
  return expected;
}
