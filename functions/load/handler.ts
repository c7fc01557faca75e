import { Logger } from "@aws-lambda-powertools/logger";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { S3Client } from "@aws-sdk/client-s3";
import { Signer } from "@aws-sdk/rds-signer";
import type { Context } from "aws-lambda";
import { databaseEndpoint, loaderAuthFrom, loaderCredentials } from "../shared/db-auth";
import { requiredEnv } from "../shared/env";
import { logTo } from "../shared/log";
import { functionMetrics, publishCounts } from "../shared/metrics";
import { reusedConnection } from "./connection";
import { loadEvent, type LoadSummary } from "./load-event";
import { type LoadMode } from "./load-object";
import { s3Opener } from "./s3-source";

const logger = new Logger({ serviceName: "load" });
const metrics = functionMetrics("load");
const target = {
  database: requiredEnv(process.env, "DB_NAME"),
  table: requiredEnv(process.env, "DB_TABLE"),
  manifestTable: requiredEnv(process.env, "MANIFEST_TABLE"),
  rejectsTable: requiredEnv(process.env, "REJECTS_TABLE"),
  columns: JSON.parse(requiredEnv(process.env, "COLUMNS")) as string[],
  columnTypes: JSON.parse(process.env.COLUMN_TYPES ?? "{}") as Record<string, string>,
  // Each schema version's column count, oldest first; without it, one version of every column.
  versionColumns: process.env.SCHEMA_VERSIONS ? (JSON.parse(process.env.SCHEMA_VERSIONS) as number[]) : undefined,
};
const mode: LoadMode = process.env.LOAD_MODE === "local" ? { kind: "local", open: s3Opener(new S3Client({})) } : { kind: "s3" };
const auth = loaderAuthFrom(process.env);
const user = requiredEnv(process.env, "LOADER_USER");

// The loader signs in as its own user, never as the master user: with a fresh IAM token for each
// new connection (signed locally, no network call), or locally with a password from a secret.
const connect = reusedConnection(async () => {
  const endpoint = databaseEndpoint(process.env);
  const credentials = await loaderCredentials(auth, user, { host: endpoint.host!, port: endpoint.port! }, {
    token: (hostname, port, username) => new Signer({ hostname, port, username }).getAuthToken(),
    secret: (arn) => getSecret<{ password?: string }>(arn, { transform: "json", maxAge: 300 }),
  });
  return { ...endpoint, ...credentials };
});

/**
 * Takes whatever it is invoked with: anything but an S3 event fails, naming what it got. Answers
 * with what it loaded, which `npm run rebuild` reads (an S3 notification ignores it).
 */
export const handler = async (event: unknown, context: Context): Promise<LoadSummary> => {
  logger.addContext(context);
  const summary = await loadEvent(event, { connect, target, mode, prefix: requiredEnv(process.env, "PROCESSED_PREFIX"), log: logTo(logger) });
  logger.info("load done", { ...summary });
  publishCounts(metrics, { ObjectsLoaded: summary.loaded, ObjectsAlreadyLoaded: summary.alreadyLoaded, RowsLoaded: summary.rows, RowsRejected: summary.rejectedRows });
  return summary;
};
