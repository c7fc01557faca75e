import { positiveIntEnv, requiredEnv, type Environment } from "../shared/env";

/** The ingest function's settings, as its component (DedupTable or PushIngest) sets them in the environment. */
export interface IngestEnvironment<T = string> {
  tableName: T;
  deadLetterBucket: T;
  /** BatchWriteItem requests in flight per invocation. */
  writeConcurrency: number;
  /** BatchWriteItem attempts per chunk before its unprocessed items are left to Lambda's retry. */
  writeMaxAttempts: number;
  /** Seconds after its record's arrival an item expires (its `dedupExpiresAt`); none when items never do. */
  expireAfterSeconds?: number;
  /** Push mode: the consumer account's writer role, assumed with its external ID. */
  writer?: { roleArn: T; externalId: T };
}

/** The environment the component sets: every setting, none left to a default here. */
export function ingestEnvironment<T>(settings: IngestEnvironment<T>): Record<string, T | string> {
  return {
    TABLE_NAME: settings.tableName,
    DEAD_LETTER_BUCKET: settings.deadLetterBucket,
    WRITE_CONCURRENCY: String(settings.writeConcurrency),
    WRITE_MAX_ATTEMPTS: String(settings.writeMaxAttempts),
    ...(settings.expireAfterSeconds !== undefined && { EXPIRE_AFTER_SECONDS: String(settings.expireAfterSeconds) }),
    ...(settings.writer && { WRITER_ROLE_ARN: settings.writer.roleArn, WRITER_EXTERNAL_ID: settings.writer.externalId }),
    POWERTOOLS_SERVICE_NAME: "ingest",
  };
}

/** The settings back from the environment, failing on a missing or malformed key. */
export function readIngestEnvironment(env: Environment): IngestEnvironment {
  const writerRoleArn = env.WRITER_ROLE_ARN;
  return {
    tableName: requiredEnv(env, "TABLE_NAME"),
    deadLetterBucket: requiredEnv(env, "DEAD_LETTER_BUCKET"),
    writeConcurrency: positiveIntEnv(env, "WRITE_CONCURRENCY"),
    writeMaxAttempts: positiveIntEnv(env, "WRITE_MAX_ATTEMPTS"),
    ...(env.EXPIRE_AFTER_SECONDS !== undefined && { expireAfterSeconds: positiveIntEnv(env, "EXPIRE_AFTER_SECONDS") }),
    ...(writerRoleArn && { writer: { roleArn: writerRoleArn, externalId: requiredEnv(env, "WRITER_EXTERNAL_ID") } }),
  };
}
