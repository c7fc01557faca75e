// A program of your own that uses the stream-replication components as a library: a dedup table
// fed from a Kinesis stream in another account, and the validated CSV archive of its changes.
import * as pulumi from "@pulumi/pulumi";
import { DedupTable, FirehoseArchive } from "stream-replication";

const config = new pulumi.Config();

const table = new DedupTable("clicks", {
  // Until the source account grants access, leave `sourceStreamArn` unset: the ingest function is
  // deployed without its event source mapping.
  pull: { streamArn: config.get("sourceStreamArn") },
  table: { name: config.get("tableName") },
});

const archive = new FirehoseArchive("clicks-archive", {
  tableStreamArn: table.tableStreamArn,
  delivery: { bufferIntervalSeconds: 60 },
});

export const tableName = table.tableName;
export const ingestFunctionName = table.ingestFunctionName;
export const archiveBucket = archive.bucketName;
export const deliveryStream = archive.deliveryStreamName;
