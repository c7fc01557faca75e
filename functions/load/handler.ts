import type { Context, S3Event } from "aws-lambda";
import { positiveIntEnv, requiredEnv } from "../shared/env";
import { lazy } from "../shared/lazy";
import { observability } from "../shared/observability";
import { type LoadMode } from "./load-object";

/** LOCAL loads (MariaDB) stream each object through an S3 client; Aurora reads objects itself, so there the S3 client's module is never loaded. */
function localMode(): LoadMode {
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { s3Opener } = require("./s3-source") as typeof import("./s3-source");
  return { kind: "local", open: s3Opener(new S3Client({})) };
}

const observe = observability("load");
const target = {
  database: requiredEnv(process.env, "DB_NAME"),
  table: requiredEnv(process.env, "DB_TABLE"),
  manifestTable: requiredEnv(process.env, "MANIFEST_TABLE"),
  columns: JSON.parse(requiredEnv(process.env, "COLUMNS")) as string[],
  columnTypes: JSON.parse(process.env.COLUMN_TYPES ?? "{}") as Record<string, string>,
};
const mode: LoadMode = process.env.LOAD_MODE === "local" ? localMode() : { kind: "s3" };
const secretArn = requiredEnv(process.env, "DB_SECRET_ARN");

// mysql2 and Powertools' Secrets Manager client load at the first invocation: most of this function's start.
const loader = lazy(() => {
  const { reusedConnection } = require("./connection") as typeof import("./connection");
  const { getSecret } = require("@aws-lambda-powertools/parameters/secrets") as typeof import("@aws-lambda-powertools/parameters/secrets");
  const { loadEvent } = require("./load-event") as typeof import("./load-event");
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
  return { connect, loadEvent };
});

export const handler = async (event: S3Event, context: Context): Promise<void> => {
  const { logger, log, publish } = observe();
  const { connect, loadEvent } = loader();
  logger.addContext(context);
  const summary = await loadEvent(event, { connect, target, mode, prefix: requiredEnv(process.env, "PROCESSED_PREFIX"), log });
  logger.info("load done", summary);
  publish({ ObjectsLoaded: summary.loaded, ObjectsAlreadyLoaded: summary.alreadyLoaded, RowsLoaded: summary.rows });
};
