import { BatchGetItemCommand, GetItemCommand, PutItemCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { CsvError, parse } from "csv-parse";
import { NotArchiveText } from "../functions/load/archive-head";
import { s3Opener } from "../functions/load/s3-source";
import { itemLedgerKey } from "../functions/project/item-state";
import { type ProjectOutcome } from "../functions/project/project-batch";
import { LEDGER_KEY, sortableSequence } from "../functions/project/spec";
import { toSdkItem } from "../functions/project/stream-image";
import { hourOfKey } from "../functions/shared/archive-schema";
import { type ParkedRecord } from "../functions/shared/dead-letter";
import { EXPIRES_AT as DEDUP_EXPIRES_AT } from "../functions/shared/dedup-key";
import { backoffDelay, sleep as realSleep } from "../functions/shared/retry";
import { archiveRecord, type ArchiveRow, type RowReading } from "./backfill-archive-row";
import { projectWithRetries, type ProjectedCounts } from "./backfill";

export interface ArchivePassOptions {
  bucket: string;
  /** The processed prefix (`processed/`): every schema version's objects are under it. */
  prefix: string;
  /** Only objects of these hours, inclusive, as `YYYY-MM-DDTHH` (the hour in the object's key, UTC). */
  from?: string;
  to?: string;
  /** The dedup table: the rows of items it still holds are left to the table scan and the live stream. */
  table: string;
  /** Rows per projected batch. */
  pageSize: number;
  /** Attempts at a batch the projection asks to retry, and at keys DynamoDB leaves unprocessed. */
  maxAttempts: number;
}

export interface ArchiveProgress extends ProjectedCounts {
  /** Objects in the range. */
  objects: number;
  /** Objects read to the end now. */
  objectsRead: number;
  /** Objects an earlier run read to the end: skipped (an aggregate's ledger records them). */
  objectsAlreadyRead: number;
  rows: number;
  /** Rows of items the table still holds: the table scan and the live stream give those. */
  inTable: number;
}

/** Which archive objects an earlier run read to the end. */
export interface ObjectsRead {
  has(object: ArchiveObject): Promise<boolean>;
  add(object: ArchiveObject, rows: number): Promise<void>;
}

export interface ArchiveObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
}

/** A row parked by the backfill itself, as the dead-letter bucket holds it. */
export type ParkedRow = ParkedRecord<{ object: string; row?: number; fields?: (string | undefined)[] }>;

export interface ArchivePassDependencies {
  s3: Pick<S3Client, "send">;
  dynamodb: Pick<DynamoDBClient, "send">;
  reading: RowReading;
  /** The projection's own batch code. */
  project(event: DynamoDBStreamEvent): Promise<ProjectOutcome>;
  /** Parks what no record can be made of, with its reason. */
  park(parked: ParkedRow[]): Promise<void>;
  /** An aggregate's: objects read to the end, so that a run after their ledger entries expired skips them. None for an index. */
  objectsRead?: ObjectsRead;
  /** An index's key attributes: an index holds back the rows of items changed or removed, to give each change the index key it replaces. None for an aggregate. */
  indexKey?: readonly string[];
  /** The rate limit, in rows. */
  limit(rows: number): Promise<void>;
  progress(progress: ArchiveProgress): void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A row made into the record it was, with its dedup key. */
interface Built {
  record: DynamoDBRecord;
  dedupKey: string;
  row: ArchiveRow;
}

const parkedRow = (row: ArchiveRow, problem: string): ParkedRow => ({ reason: "not-projectable", detail: problem, record: row });

/** Is the object's hour within the range? Objects whose key has no hour are outside any range but the whole archive. */
function inRange(key: string, options: ArchivePassOptions): boolean {
  if (options.from === undefined && options.to === undefined) return true;
  const hour = hourOfKey(key, options.prefix);
  return hour !== undefined && (options.from === undefined || hour >= options.from) && (options.to === undefined || hour <= options.to);
}

/**
 * The archive's objects in the range, in time order: by the hour in their keys, then by key. S3
 * lists in key order (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html),
 * which puts every version's objects after version 1's.
 */
async function archiveObjects(s3: Pick<S3Client, "send">, options: ArchivePassOptions): Promise<ArchiveObject[]> {
  const objects: ArchiveObject[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 as S3Client }, { Bucket: options.bucket, Prefix: options.prefix })) {
    for (const o of page.Contents ?? []) {
      if (o.Key && !o.Key.endsWith("/") && inRange(o.Key, options))
        objects.push({ bucket: options.bucket, key: o.Key, etag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size ?? 0 });
    }
  }
  const hour = (o: ArchiveObject) => hourOfKey(o.key, options.prefix) ?? "";
  return objects.sort((a, b) => hour(a).localeCompare(hour(b)) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** An object that is not the archive's CSV (a corrupt GZIP stream, not text, a broken quote): parked, never a reason to stop. */
const unreadable = (error: unknown) =>
  error instanceof NotArchiveText || error instanceof CsvError || (error as { code?: string }).code?.startsWith("Z_") === true;

/** The rows of an object, an unquoted NULL as undefined; the object's bytes unzipped and checked as the loader reads them. */
async function* rowsOf(s3: Pick<S3Client, "send">, object: ArchiveObject): AsyncGenerator<ArchiveRow> {
  const opened = await s3Opener(s3)(object);
  const name = `s3://${object.bucket}/${object.key}`;
  const parser = parse({
    relax_column_count: true,
    info: true,
    cast: (value, context) => (context.quoting || value !== "NULL" ? value : (undefined as unknown as string)),
  });
  const text = opened.stream();
  // pipe() passes data, not errors: a body cut short or not the archive's text fails the parser too.
  text.on("error", (error) => parser.destroy(error));
  text.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: (string | undefined)[]; info: { records: number } }>)
      yield { object: name, row: info.records, fields: record };
    const failure = opened.failure();
    if (failure) throw failure;
  } finally {
    opened.close();
  }
}

/**
 * The keys of the items the table still holds, unexpired, by ledger key, read strongly consistent.
 * An item past its `dedupExpiresAt` is expired although reads return it until DynamoDB deletes it,
 * days later (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html):
 * its rows are the archive's to give.
 */
async function stillInTable(deps: ArchivePassDependencies, table: string, records: readonly DynamoDBRecord[], maxAttempts: number): Promise<Set<string>> {
  const now = Math.floor((deps.now ?? Date.now)() / 1000);
  const keys = new Map(records.map((r) => [itemLedgerKey(r)!, toSdkItem(r.dynamodb!.Keys!)]));
  const names = Object.fromEntries(deps.reading.keys.map((k, i) => [`#k${i}`, k.name]));
  const held = new Set<string>();
  // BatchGetItem takes up to 100 keys (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
  const all = [...keys.values()];
  for (let i = 0; i < all.length; i += 100) {
    let pending: Record<string, SdkAttributeValue>[] = all.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts)
        throw new Error(`DynamoDB left ${pending.length} keys of ${table} unread after ${maxAttempts} attempts; run the backfill again`);
      if (attempt > 0) await (deps.sleep ?? realSleep)(backoffDelay(attempt - 1, { baseDelayMs: 100, maxDelayMs: 5_000 }));
      const { Responses, UnprocessedKeys } = await deps.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: [...Object.keys(names), "#expires"].join(", "),
              ExpressionAttributeNames: { ...names, "#expires": DEDUP_EXPIRES_AT },
            },
          },
        }),
      );
      for (const item of Responses?.[table] ?? []) {
        const expires = item[DEDUP_EXPIRES_AT]?.N;
        if (expires !== undefined && Number(expires) <= now) continue;
        const itemKeys = Object.fromEntries(deps.reading.keys.map((k) => [k.name, item[k.name]]));
        // The SDK's and aws-lambda's AttributeValue types differ in shape, not in meaning.
        held.add(itemLedgerKey({ dynamodb: { Keys: itemKeys as unknown as Record<string, AttributeValue> } })!);
      }
      pending = UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return held;
}

/**
 * Feeds the archive's rows to a projection through its own batch code: every object in the range,
 * in time order, each row as the stream record it was (`archiveRecord`), with its own stream
 * sequence number, so the projection's newest-wins rules (an aggregate's ledger, an index's source
 * sequence) decide between the archive, the table scan and the live stream. Rows of items the
 * table still holds (unexpired) are left to the scan and the live stream, which give every
 * attribute exactly: the archive gives what the table let expire, and what users deleted.
 *
 * An index holds back the rows of the items that have a MODIFY or a delete marker (found by a first
 * read of the range) and projects them last, each item's in sequence order, each MODIFY and delete
 * marker with the index key of the row before it as its old image: the index item it replaces.
 * An aggregate needs no old image (its ledger knows what each item added), and records each object
 * it read to the end in its ledger, so a later run skips it.
 *
 * Rows that cannot be made records, and objects that cannot be read as the archive's CSV, are
 * parked with the reason; the projection parks what it cannot project. A failure of S3, DynamoDB or
 * the projection's batches stops the pass: run it again.
 */
export async function backfillFromArchive(options: ArchivePassOptions, deps: ArchivePassDependencies): Promise<ArchiveProgress> {
  const sleep = deps.sleep ?? realSleep;
  const objects = await archiveObjects(deps.s3, options);
  const progress: ArchiveProgress = {
    objects: objects.length,
    objectsRead: 0,
    objectsAlreadyRead: 0,
    rows: 0,
    inTable: 0,
    written: 0,
    replayed: 0,
    skipped: 0,
    parked: 0,
  };
  const project = (records: DynamoDBRecord[]) => projectWithRetries(deps.project, records, progress, options.maxAttempts, sleep);
  const parkRows = async (parked: ParkedRow[]) => {
    if (parked.length === 0) return;
    await deps.park(parked);
    progress.parked += parked.length;
  };

  const changed = deps.indexKey ? await changedItems(deps.s3, objects) : new Set<string>();
  const heldBack = new Map<string, Built[]>();

  const projectPage = async (rows: ArchiveRow[]) => {
    await deps.limit(rows.length);
    progress.rows += rows.length;
    const parked: ParkedRow[] = [];
    const records: Built[] = [];
    for (const row of rows) {
      const outcome = archiveRecord(row, deps.reading);
      if ("problem" in outcome) parked.push(parkedRow(row, outcome.problem));
      else records.push({ ...outcome, row });
    }
    await parkRows(parked);
    const inTable = await stillInTable(
      deps,
      options.table,
      records.map((r) => r.record),
      options.maxAttempts,
    );
    const now: DynamoDBRecord[] = [];
    for (const built of records) {
      if (inTable.has(itemLedgerKey(built.record)!)) progress.inTable += 1;
      else if (changed.has(built.dedupKey)) heldBack.set(built.dedupKey, [...(heldBack.get(built.dedupKey) ?? []), built]);
      else now.push(built.record);
    }
    if (now.length > 0) await project(now);
    deps.progress({ ...progress });
  };

  for (const object of objects) {
    if (await deps.objectsRead?.has(object)) {
      progress.objectsAlreadyRead += 1;
      continue;
    }
    let rows = 0;
    let page: ArchiveRow[] = [];
    try {
      for await (const row of rowsOf(deps.s3, object)) {
        rows += 1;
        page.push(row);
        if (page.length < options.pageSize) continue;
        await projectPage(page);
        page = [];
      }
    } catch (error) {
      if (!unreadable(error)) throw error;
      await parkRows([
        {
          reason: "not-projectable",
          detail: `it cannot be read as the archive's CSV after ${rows} rows: ${(error as Error).message}`,
          record: { object: `s3://${object.bucket}/${object.key}` },
        },
      ]);
      continue;
    }
    if (page.length > 0) await projectPage(page);
    await deps.objectsRead?.add(object, rows);
    progress.objectsRead += 1;
    deps.progress({ ...progress });
  }

  const last = [...heldBack.values()].flatMap((built) => withOldImages(built, deps.indexKey ?? []));
  await parkRows(last.filter((r): r is ParkedRow => "reason" in r));
  const records = last.filter((r): r is DynamoDBRecord => !("reason" in r));
  for (let i = 0; i < records.length; i += options.pageSize) await project(records.slice(i, i + options.pageSize));
  deps.progress({ ...progress });
  return progress;
}

/** The dedup keys of the items that have a MODIFY row or a delete marker in these objects. */
async function changedItems(s3: Pick<S3Client, "send">, objects: readonly ArchiveObject[]): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const object of objects) {
    try {
      for await (const { fields } of rowsOf(s3, object)) if (fields[1] === "MODIFY" || fields[1] === "REMOVE") changed.add(fields[0] ?? "");
    } catch (error) {
      // The main read parks it.
      if (!unreadable(error)) throw error;
    }
  }
  return changed;
}

/**
 * One item's records in sequence order (each once), each MODIFY and REMOVE given the index key of the record
 * before it as its old image (the index item the change replaces or deletes). A REMOVE with no
 * record before it in the range cannot say which index item to delete: it is parked.
 */
function withOldImages(built: readonly Built[], indexKey: readonly string[]): (DynamoDBRecord | ParkedRow)[] {
  const sequence = (b: Built) => sortableSequence(b.record.dynamodb!.SequenceNumber!);
  // Firehose delivers at least once: a row the archive holds twice is one change.
  const sorted = [...built]
    .sort((a, b) => (sequence(a) < sequence(b) ? -1 : sequence(a) > sequence(b) ? 1 : 0))
    .filter((b, i, all) => i === 0 || sequence(b) !== sequence(all[i - 1]));
  let before: Record<string, AttributeValue> | undefined;
  return sorted.map(({ record, row }) => {
    const stream = record.dynamodb!;
    const image = before;
    before = record.eventName === "REMOVE" ? undefined : stream.NewImage;
    if (record.eventName === "INSERT") return record;
    if (!image)
      return record.eventName === "MODIFY"
        ? record
        : parkedRow(
            row,
            "a delete marker of an item none of whose earlier rows is in the range read: which index item it deletes is unknown (read the archive from its start)",
          );
    stream.OldImage = Object.fromEntries(indexKey.filter((name) => image[name]).map((name) => [name, image[name]]));
    return record;
  });
}

const OBJECT_ENTRY = "archive-object:";

/**
 * An aggregate's ledger as the record of the archive objects a backfill read to the end: an entry
 * per object (`archive-object:s3://bucket/key`, with its ETag), which never expires. The entries of
 * the items it counted expire with the table's items (`--counted-entries-expire`), so a run after
 * they expired skips the objects it already read instead of counting their items again.
 */
export function ledgerObjectsRead(dynamodb: Pick<DynamoDBClient, "send">, ledger: string, now: () => number = Date.now): ObjectsRead {
  const id = (object: ArchiveObject) => ({ [LEDGER_KEY]: { S: `${OBJECT_ENTRY}s3://${object.bucket}/${object.key}` } });
  return {
    has: async (object) => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: ledger, Key: id(object), ConsistentRead: true }));
      return Item?.etag?.S === object.etag;
    },
    add: async (object, rows) => {
      await dynamodb.send(
        new PutItemCommand({
          TableName: ledger,
          Item: { ...id(object), etag: { S: object.etag }, rows: { N: String(rows) }, readAt: { S: new Date(now()).toISOString() } },
        }),
      );
    },
  };
}
