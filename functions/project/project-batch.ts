import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchItemFailure, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { errorText, isRejectedAsInvalid } from "../shared/aws-errors";
import { type ParkedRecord } from "../shared/dead-letter";
import { PartialBatch, type DeadLetterDependencies } from "../shared/partial-batch";
import { type BackoffOptions } from "../shared/retry";
import { tableStreamRecords } from "../shared/table-stream";
import { aggregateChange, type AggregateChange } from "./aggregate-core";
import { applyAggregate, applyIndexChange, type AggregateTables } from "./apply";
import { indexChange, type IndexChange } from "./index-core";
import { type ProjectionSpec } from "./spec";

export interface ProjectDependencies extends DeadLetterDependencies {
  dynamodb: Pick<DynamoDBClient, "send">;
  spec: ProjectionSpec;
  /** The index or aggregate table; the ledger only for aggregates. */
  tables: AggregateTables;
  retry: BackoffOptions & { maxAttempts: number };
}

export interface ProjectOutcome {
  batchItemFailures: DynamoDBBatchItemFailure[];
  counts: { received: number; written: number; skipped: number; replayed: number; parked: number; failed: number };
}

/** Why a record is parked: its change cannot be projected, or DynamoDB refused it as invalid (the detail says which). */
export type ProjectReason = "not-projectable";

type Verdict = "written" | "skipped" | "replayed" | { park: string };

/** What one record changes, decided by pure code: the same record always gives the same answer, so one it fails on is poison, never retried. */
function changeOf(record: DynamoDBRecord, spec: ProjectionSpec): IndexChange | AggregateChange {
  try {
    return spec.kind === "index" ? indexChange(record, spec) : aggregateChange(record, spec);
  } catch (error) {
    return { kind: "poison", reason: `cannot be projected: ${errorText(error)}` };
  }
}

async function project(record: DynamoDBRecord, deps: ProjectDependencies): Promise<Verdict> {
  const change = changeOf(record, deps.spec);
  if (change.kind === "poison") return { park: change.reason };
  if (change.kind === "skip") return "skipped";
  if (change.kind === "apply") {
    if (change.deltas.length === 0) return "skipped";
    return (await applyAggregate(deps.dynamodb, deps.tables, record, change.deltas, deps.retry)) === "applied" ? "written" : "replayed";
  }
  return (await applyIndexChange(deps.dynamodb, deps.tables.target, change)) === "written" ? "written" : "replayed";
}

/**
 * Projects a table stream batch in order. Records that can never be projected are parked with
 * their reason; at the first record that fails, the batch stops and reports it, so Lambda retries
 * from there (records projected again are no-ops: the ledger for aggregates, the source sequence
 * number for the index).
 */
export async function projectBatch(event: DynamoDBStreamEvent, deps: ProjectDependencies): Promise<ProjectOutcome> {
  const counts = { received: event.Records.length, written: 0, skipped: 0, replayed: 0, parked: 0, failed: 0 };
  const toPark: ParkedRecord<DynamoDBRecord, ProjectReason>[] = [];
  const batch = new PartialBatch(tableStreamRecords(), { ...deps, parkConcurrency: 4 });
  for (const record of event.Records) {
    let verdict: Verdict;
    try {
      verdict = await project(record, deps);
    } catch (error) {
      if (isRejectedAsInvalid(error)) {
        verdict = { park: `rejected by DynamoDB: ${(error as Error).message}` };
      } else {
        batch.retry(record, "projection failed, the batch will be retried from this record", { error: errorText(error) });
        break;
      }
    }
    if (typeof verdict === "string") counts[verdict] += 1;
    else toPark.push({ reason: "not-projectable", detail: verdict.park, record });
  }

  counts.parked = await batch.park(toPark);
  counts.failed = batch.failed;
  deps.log.info("projection batch done", counts);
  return { batchItemFailures: batch.batchItemFailures, counts };
}
