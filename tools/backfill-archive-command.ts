import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { PROCESSED_PREFIX } from "../components/internal/archive-layout";
import { archiveAttributes, archiveGaps, neededAttributes, type ProjectionArchiveSettings } from "../components/settings/projection-archive";
import { type ProjectOutcome } from "../functions/project/project-batch";
import { type ProjectionSpec } from "../functions/project/spec";
import { PARKED_PREFIX, parkRecords } from "../functions/shared/dead-letter";
import { FIXED_COLUMNS } from "../functions/transform/core";
import { describeKeys, rateLimiter } from "./backfill";
import { backfillFromArchive, ledgerObjectsRead, type ArchiveProgress, type ParkedRow } from "./backfill-archive";

export interface ArchivePassArgs {
  table: string;
  spec: ProjectionSpec;
  ledgerTable?: string;
  deadLetterBucket: string;
  itemsPerSecond: number;
  pageSize: number;
  archive: { bucket: string; settings: ProjectionArchiveSettings; from?: string; to?: string };
}

/** Where the backfill parks a row of an archive object: `parked/archive/<object key>/row-<n>.json`, an object it cannot read at `…/<object key>.json`. */
const parkedRowKey = (row: ParkedRow["record"]): string =>
  `${PARKED_PREFIX}archive/${row.object.replace(/^s3:\/\/[^/]+\//, "")}${row.row === undefined ? "" : `/row-${row.row}`}.json`;

/**
 * The archive pass of `npm run backfill`, after the table scan: says first what the archive cannot
 * give the projection (as preview does), then feeds it the archive's rows. An aggregate's records
 * are dated by this run, so the ledger entries they write outlast it; an index's by their change,
 * so index items expire as the live stream's do.
 */
export async function archivePass(
  args: ArchivePassArgs,
  deps: { dynamodb: Pick<DynamoDBClient, "send">; s3: Pick<S3Client, "send">; project(event: DynamoDBStreamEvent): Promise<ProjectOutcome> },
  io: { out(line: string): void; err(line: string): void; progress(progress: ArchiveProgress): void },
): Promise<ArchiveProgress> {
  const { settings, bucket, from, to } = args.archive;
  for (const gap of archiveGaps(args.spec, settings)) io.err(`warning: ${gap}`);
  const held = archiveAttributes(settings);
  const { keys, tableArn } = await describeKeys(deps.dynamodb, args.table);
  io.out(
    `backfill from the archive: s3://${bucket}/${PROCESSED_PREFIX}${from || to ? `, hours ${from ?? "…"} to ${to ?? "…"}` : ""}, the rows of items ${args.table} no longer holds`,
  );
  return backfillFromArchive(
    { bucket, prefix: PROCESSED_PREFIX, from, to, table: args.table, pageSize: args.pageSize, maxAttempts: 6 },
    {
      ...deps,
      reading: {
        keys,
        tableArn,
        needed: neededAttributes(args.spec, held).map((attribute) => ({ attribute, held: held.get(attribute.name) })),
        changedAt: args.spec.kind === "aggregate" ? Math.floor(Date.now() / 1000) : "row",
        fieldCount: FIXED_COLUMNS.length + settings.columns.length,
      },
      park: async (parked) => {
        const { failed } = await parkRecords(deps.s3, args.deadLetterBucket, parked, parkedRowKey, 4);
        if (failed.length > 0) throw new Error(`s3://${args.deadLetterBucket} did not take ${failed.length} parked rows: ${failed[0].reason}`);
      },
      objectsRead: args.spec.kind === "aggregate" ? ledgerObjectsRead(deps.dynamodb, args.ledgerTable!) : undefined,
      indexKey: args.spec.kind === "index" ? [args.spec.hashKey, ...(args.spec.rangeKey ? [args.spec.rangeKey] : [])] : undefined,
      limit: rateLimiter(args.itemsPerSecond, Date.now, (ms) => new Promise((done) => setTimeout(done, ms))),
      progress: io.progress,
    },
  );
}
