import { Logger } from "@aws-lambda-powertools/logger";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { logTo } from "../shared/log";
import { functionMetrics, publishCounts } from "../shared/metrics";
import { reusedConnection } from "./connection";
import { loadEvent } from "./load-event";
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
};
const mode: LoadMode = process.env.LOAD_MODE === "local" ? { kind: "local", open: s3Opener(new S3Client({})) } : { kind: "s3" };
const secretArn = requiredEnv(process.env, "DB_SECRET_ARN");

// The password lives in Secrets Manager, managed by RDS; it is read here, cached for five minutes
// (RDS may rotate it), and never passes through the function's environment.
const connect = reusedConnection(async () => {
  const secret = await getSecret<{ username: string; password: string }>(secretArn, { transform: "json", maxAge: 300 });
  if (!secret?.username || !secret.password) throw new Error(`secret ${secretArn} holds no username and password`);
  return {
    host: requiredEnv(process.env, "DB_HOST"),
    port: positiveIntEnv(process.env, "DB_PORT", 3306),
    user: secret.username,
    password: secret.password,
    // A Serverless v2 cluster paused at 0 ACU takes about 15 s to resume.
    connectTimeout: positiveIntEnv(process.env, "CONNECT_TIMEOUT_MS", 30_000),
    // The cluster requires TLS; mysql2 ships the RDS certificate authorities as this profile.
    // Only the local runtime, whose MariaDB has no certificate, turns it off.
    ssl: process.env.DB_TLS === "off" ? undefined : "Amazon RDS",
  };
});

/** Takes whatever it is invoked with: anything but an S3 event fails, naming what it got. */
export const handler = async (event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  const summary = await loadEvent(event, { connect, target, mode, prefix: requiredEnv(process.env, "PROCESSED_PREFIX"), log: logTo(logger) });
  logger.info("load done", { ...summary });
  publishCounts(metrics, { ObjectsLoaded: summary.loaded, ObjectsAlreadyLoaded: summary.alreadyLoaded, RowsLoaded: summary.rows, RowsRejected: summary.rejectedRows });
};
