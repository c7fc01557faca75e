import * as pulumi from "@pulumi/pulumi";
import { DedupTable, type DedupTableSettings, type IngestSettings } from "../components/dedup-table";

/**
 * The consumer account (seed 000's POC account): the dedup table and its ingest function, reading
 * the source account's stream through that stream's resource policy.
 */
export function consumerStack(config: pulumi.Config) {
  const dedup = new DedupTable("clicks", {
    streamArn: config.require("sourceStreamArn"),
    consumerArn: config.get("sourceConsumerArn"),
    streamKmsKeyArn: config.get("sourceStreamKmsKeyArn"),
    table: config.getObject<DedupTableSettings>("table"),
    ingest: config.getObject<IngestSettings>("ingest"),
    deadLetterExpireAfterDays: config.getNumber("deadLetterExpireAfterDays"),
    logRetentionDays: config.getNumber("logRetentionDays"),
  });
  return {
    tableName: dedup.tableName,
    tableArn: dedup.tableArn,
    tableStreamArn: dedup.tableStreamArn,
    ingestFunctionArn: dedup.ingestFunctionArn,
    ingestRoleArn: dedup.ingestRoleArn,
    deadLetterBucketName: dedup.deadLetterBucketName,
  };
}
