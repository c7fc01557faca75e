import type { Context } from "aws-lambda";
import { connectionOptions, loaderCredentials } from "../shared/db-auth";
import { lazy } from "../shared/lazy";
import { observability } from "../shared/observability";
import { type LoadSummary } from "./load-event";
import { METRIC_NAMES as M } from "../shared/telemetry-names";
import { type LoadMode } from "./load-object";
import { readLoadEnvironment } from "./environment";

/** Streamed loads (LOAD DATA LOCAL INFILE) read each object through an S3 client; with LOAD DATA FROM S3 Aurora reads objects itself, so there the S3 client's module is never loaded. */
function streamedMode(): LoadMode {
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const { s3Opener } = require("./s3-source") as typeof import("./s3-source");
  return { kind: "local", open: s3Opener(new S3Client({})) };
}

const observe = observability("load");
const settings = readLoadEnvironment(process.env);
const { target, user, processedPrefix } = settings;
const mode: LoadMode = settings.mode === "streamed" ? streamedMode() : { kind: "s3" };

// mysql2, the RDS signer and Powertools' Secrets Manager client load at the first invocation: most of this function's start.
const loader = lazy(() => {
  const { reusedConnection } = require("./connection") as typeof import("./connection");
  const { loadEvent } = require("./load-event") as typeof import("./load-event");
  const { Signer } = require("@aws-sdk/rds-signer") as typeof import("@aws-sdk/rds-signer");
  const { getSecret } = require("@aws-lambda-powertools/parameters/secrets") as typeof import("@aws-lambda-powertools/parameters/secrets");
  // The loader signs in as its own user, never as the master user: with a fresh IAM token for each
  // new connection (signed locally, no network call), or locally with a password from a secret.
  const connect = reusedConnection(async () => {
    const endpoint = connectionOptions(settings.database);
    const credentials = await loaderCredentials(
      settings.database.auth,
      user,
      { host: endpoint.host!, port: endpoint.port! },
      {
        token: (hostname, port, username) => new Signer({ hostname, port, username }).getAuthToken(),
        secret: (arn) => getSecret<{ password?: string }>(arn, { transform: "json", maxAge: 300 }),
      },
    );
    return { ...endpoint, ...credentials };
  });
  return { connect, loadEvent };
});

/**
 * Takes whatever it is invoked with: anything but an S3 event fails, naming what it got. Answers
 * with what it loaded, which `npm run rebuild` reads (an S3 notification ignores it).
 */
export async function handler(event: unknown, context: Context): Promise<LoadSummary> {
  const { logger, log, publish } = observe();
  const { connect, loadEvent } = loader();
  logger.addContext(context);
  const summary = await loadEvent(event, { connect, target, mode, prefix: processedPrefix, log });
  logger.info("load done", { ...summary });
  publish({
    [M.objectsLoaded]: summary.loaded,
    [M.objectsAlreadyLoaded]: summary.alreadyLoaded,
    [M.rowsLoaded]: summary.rows,
    [M.rowsRejected]: summary.rejectedRows,
  });
  return summary;
}
