import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchItemFailure, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { errorText, isRejectedAsInvalid } from "../shared/aws-errors";
import { type ParkedRecord } from "../shared/dead-letter";
import { PartialBatch, type DeadLetterDependencies } from "../shared/partial-batch";
import { type RetryOptions } from "../shared/retry";
import { isExpiry, sequenceOf, tableStreamRecords } from "../shared/table-stream";
import { LOG_MESSAGES } from "../shared/telemetry-names";
import { applyAggregateBatch, type BatchOutcome, type BatchVerdict } from "./aggregate-batch";
import { aggregateChange } from "./aggregate-core";
import { applyAggregate, NO_EVENT_ID, type AggregateTables } from "./apply";
import { applyIndexBatch } from "./index-batch";
import { indexChange, type IndexChange } from "./index-core";
import { itemChange, itemLedgerKey, type ItemChange } from "./item-state";
import { type AggregateSpec, type IndexSpec, type ProjectionSpec } from "./spec";

export interface ProjectDependencies extends DeadLetterDependencies {
  dynamodb: Pick<DynamoDBClient, "send">;
  spec: ProjectionSpec;
  /** The index or aggregate table; the ledger only for aggregates. */
  tables: AggregateTables;
  retry: RetryOptions;
}

export interface ProjectOutcome {
  batchItemFailures: DynamoDBBatchItemFailure[];
  /** `expired`: TTL expiries, which change no projection; `skipped`: records that change nothing (an index's, each logged with why). */
  counts: { received: number; written: number; skipped: number; expired: number; replayed: number; parked: number; failed: number };
}

/** Why a record is parked: its change cannot be projected, or DynamoDB refused it as invalid (the detail says which). */
export type ProjectReason = "not-projectable";

/** Pure code that decides what a record changes: one it throws on is poison, never retried (the same record always fails the same way). */
function decided<T>(decide: () => T): T | { problem: string } {
  try {
    return decide();
  } catch (error) {
    return { problem: `cannot be projected: ${errorText(error)}` };
  }
}

async function projectIndex(
  records: readonly DynamoDBRecord[],
  spec: IndexSpec,
  deps: ProjectDependencies,
  verdicts: Map<DynamoDBRecord, BatchVerdict>,
): Promise<BatchOutcome["failed"]> {
  const writes: { record: DynamoDBRecord; change: Extract<IndexChange, { kind: "put" | "delete" }> }[] = [];
  for (const record of records) {
    const change = decided(() => indexChange(record, spec));
    if ("problem" in change) verdicts.set(record, { park: change.problem });
    else if (change.kind === "poison") verdicts.set(record, { park: change.reason });
    else if (change.kind === "skip") verdicts.set(record, { skip: change.why });
    else writes.push({ record, change });
  }
  const outcome = await applyIndexBatch(deps.dynamodb, deps.tables.target, spec, writes);
  for (const [record, verdict] of outcome.verdicts) verdicts.set(record, verdict);
  return outcome.failed;
}

/** A record without keys cannot be tied to its item: its change is applied alone, as the difference of its images, once per eventID. */
async function projectAlone(record: DynamoDBRecord, spec: AggregateSpec, deps: ProjectDependencies): Promise<BatchVerdict> {
  const change = decided(() => aggregateChange(record, spec));
  if ("problem" in change) return { park: change.problem };
  if (change.kind === "poison") return { park: change.reason };
  if (change.deltas.length === 0) return "skipped";
  if (!record.eventID) return { park: NO_EVENT_ID };
  try {
    return (await applyAggregate(deps.dynamodb, deps.tables, record, change.deltas, deps.retry)) === "applied" ? "written" : "replayed";
  } catch (error) {
    if (isRejectedAsInvalid(error)) return { park: `rejected by DynamoDB: ${(error as Error).message}` };
    throw error;
  }
}

async function projectAggregate(
  records: readonly DynamoDBRecord[],
  spec: AggregateSpec,
  deps: ProjectDependencies,
  verdicts: Map<DynamoDBRecord, BatchVerdict>,
): Promise<BatchOutcome["failed"]> {
  const keyed: ItemChange[] = [];
  const alone: DynamoDBRecord[] = [];
  for (const record of records) {
    const item = itemLedgerKey(record);
    if (!item) {
      alone.push(record);
      continue;
    }
    const change = decided(() => itemChange(record, item, spec));
    if ("problem" in change) verdicts.set(record, { park: change.problem });
    else keyed.push(change);
  }
  const outcome = await applyAggregateBatch(deps.dynamodb, deps.tables, keyed, deps.retry);
  for (const [record, verdict] of outcome.verdicts) verdicts.set(record, verdict);
  if (outcome.failed) return { records: [...outcome.failed.records, ...alone], error: outcome.failed.error };
  for (const [i, record] of alone.entries()) {
    try {
      verdicts.set(record, await projectAlone(record, spec, deps));
    } catch (error) {
      return { records: alone.slice(i), error };
    }
  }
  return undefined;
}

/**
 * Projects a table stream batch: an index writes each key's newest change, an aggregate each
 * item's newest state and each group once (see `applyIndexBatch`, `applyAggregateBatch`). A TTL
 * expiry is the table forgetting an item, not a delete: it changes no projection.
 * Records that can never be projected are parked with their reason. When a write fails, the
 * earliest record it left unapplied is reported, so Lambda retries the batch from there
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html: from the
 * lowest sequence number reported); records after it that were applied are projected again as
 * no-ops (the ledger's entries for aggregates, the source sequence number and item for the
 * index), so only the records before it are counted and parked now.
 */
export async function projectBatch(event: DynamoDBStreamEvent, deps: ProjectDependencies): Promise<ProjectOutcome> {
  const records = event.Records;
  const counts = { received: records.length, written: 0, skipped: 0, expired: 0, replayed: 0, parked: 0, failed: 0 };
  const verdicts = new Map<DynamoDBRecord, BatchVerdict>();
  const changes = records.filter((record) => !isExpiry(record));
  const failed =
    deps.spec.kind === "index" ? await projectIndex(changes, deps.spec, deps, verdicts) : await projectAggregate(changes, deps.spec, deps, verdicts);

  const batch = new PartialBatch(tableStreamRecords(), { ...deps, parkConcurrency: 4 });
  const unapplied = new Set(failed?.records);
  const retryFrom = failed ? records.findIndex((r) => unapplied.has(r)) : -1;
  const settled = retryFrom === -1 ? records : records.slice(0, retryFrom);
  if (retryFrom !== -1) batch.retry(records[retryFrom], "projection failed, the batch will be retried from this record", { error: errorText(failed!.error) });
  const toPark: ParkedRecord<DynamoDBRecord, ProjectReason>[] = [];
  for (const record of settled) {
    const verdict = isExpiry(record) ? "expired" : verdicts.get(record)!;
    if (typeof verdict === "string") counts[verdict] += 1;
    else if ("skip" in verdict) {
      counts.skipped += 1;
      deps.log.info(LOG_MESSAGES.skippedRecord, { reason: verdict.skip, sequenceNumber: sequenceOf(record) });
    } else toPark.push({ reason: "not-projectable", detail: verdict.park, record });
  }
  counts.parked = await batch.park(toPark);
  counts.failed = batch.failed;
  deps.log.info("projection batch done", counts);
  return { batchItemFailures: batch.batchItemFailures, counts };
}
