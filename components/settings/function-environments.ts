import { dbSetupEnvironment } from "../../functions/db-setup/environment";
import { forwardEnvironment } from "../../functions/forward/environment";
import { ingestEnvironment } from "../../functions/ingest/environment";
import { projectEnvironment } from "../../functions/project/environment";
import { FIXED_COLUMNS } from "../../functions/transform/core";
import { transformEnvironment } from "../../functions/transform/environment";
import { loaderEnvironment, resolveAuroraLoader } from "./aurora-loader";
import { resolveDedupTable } from "./dedup-table";
import { resolveFirehoseArchive } from "./firehose-archive";
import { resolveStreamProjection } from "./stream-projection";

/** What a deployment gives a function besides its settings: names and addresses, here stand-ins of the right shape. */
const STAND_INS = {
  tableName: "clicks-table-1a2b3c4",
  deadLetterBucket: "clicks-dead-letter-1a2b3c4",
  deliveryStreamName: "clicks-delivery-1a2b3c4",
  tableStreamArn: "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-1a2b3c4/stream/2026-01-01T00:00:00.000",
  host: "clicks-cluster-1a2b3c4.cluster-c0ffee.eu-west-1.rds.amazonaws.com",
  port: "3306",
  masterSecretArn: "arn:aws:secretsmanager:eu-west-1:999999999999:secret:rds!cluster-1a2b3c4",
  bucket: "clicks-bucket-1a2b3c4",
} as const;

/**
 * Every function's environment as its component writes it with its default settings (an aggregate
 * projection for `project`): what the benchmark's cold starts and the bundle test load the
 * functions with, from the same settings models and the same environment writers the components use.
 */
export function defaultFunctionEnvironments(): Record<"ingest" | "forward" | "transform" | "project" | "load" | "db-setup", Record<string, string>> {
  const s = STAND_INS;
  const ingest = resolveDedupTable("clicks", {}).settings.pull!.ingest;
  const archive = resolveFirehoseArchive("clicks", { tableStreamArn: s.tableStreamArn }).settings;
  const projection = resolveStreamProjection("hits", { projection: { kind: "aggregate", groupBy: [{ attribute: "page_id" }] } }).settings;
  const columns = [...FIXED_COLUMNS, ...archive.columns.map((c) => c.name)];
  const loader = resolveAuroraLoader("clicks", {
    archiveBucketName: s.bucket,
    archiveBucketArn: `arn:aws:s3:::${s.bucket}`,
    columns,
    columnTypes: archive.columnTypes,
  }).settings;
  const database = { host: s.host, port: s.port, tls: loader.database.tls, auth: { kind: "iam" as const } };
  return {
    ingest: ingestEnvironment({
      tableName: s.tableName,
      deadLetterBucket: s.deadLetterBucket,
      writeConcurrency: ingest.writeConcurrency,
      writeMaxAttempts: ingest.writeMaxAttempts,
    }),
    forward: forwardEnvironment({
      deliveryStreamName: s.deliveryStreamName,
      deadLetterBucket: s.deadLetterBucket,
      keyAttributes: archive.keyAttributes,
      removeMode: archive.removeMode,
      sendMaxAttempts: archive.forward.sendMaxAttempts,
    }),
    transform: transformEnvironment(archive),
    project: projectEnvironment({
      spec: projection.spec,
      targetTable: s.tableName,
      deadLetterBucket: s.deadLetterBucket,
      ledger: { table: `${s.tableName}-ledger`, ...projection.ledger! },
    }),
    load: loaderEnvironment(loader, database),
    "db-setup": dbSetupEnvironment({ database, masterSecretArn: s.masterSecretArn }),
  };
}
