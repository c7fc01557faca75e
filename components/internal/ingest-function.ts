import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type MonitoringArgs } from "./alarms";
import { type PolicyStatement } from "./iam";
import { type DataProtectionArgs } from "./protection";
import { KINESIS_CONSUMER_READ_ACTIONS, KINESIS_STREAM_READ_ACTIONS } from "./stream-access";
import { createStreamFunction, validateMappingSettings, type StreamFunction, type StreamMappingSettings } from "./stream-function";
import { ingestDefaults } from "./shared-defaults";
import { type validate } from "./validation";

export interface IngestSettings extends StreamMappingSettings {
  /** BatchWriteItem requests in flight per invocation. Default: 4. */
  writeConcurrency?: number;
  /** BatchWriteItem attempts per chunk before its unprocessed items are retried by Lambda. Default: 8. */
  writeMaxAttempts?: number;
}

export { ingestDefaults };

/** The Kinesis stream the ingest function reads, and what reading it takes. */
export interface IngestSource {
  streamArn: pulumi.Input<string>;
  /** An enhanced fan-out consumer of the stream; the mapping reads through it when set. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** The key the stream is encrypted with. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
}

export interface IngestFunctionArgs extends DataProtectionArgs {
  /** Until the source is known, the function is deployed without its event source mapping. */
  source?: IngestSource;
  tableName: pulumi.Input<string>;
  /** How the function reaches the table: write access to it, or the right to assume a role that has it. */
  tableAccess: pulumi.Input<PolicyStatement[]>;
  /** Environment besides the table. */
  environment?: Record<string, pulumi.Input<string>>;
  settings?: IngestSettings;
  deadLetterExpireAfterDays?: number;
  logRetentionDays?: number;
  /** An execution role created earlier with `createFunctionRole(`${name}-ingest`, INGEST_DESCRIPTION, …)`. */
  role?: aws.iam.Role;
  monitoring?: MonitoringArgs;
}

export const INGEST_DESCRIPTION = "Writes Kinesis records to the dedup table exactly once; parks records that can never be written";

/** Adds a problem to `check` for each ingest setting out of range. */
export function validateIngestSettings(check: ReturnType<typeof validate>, ingest: IngestSettings = {}): void {
  validateMappingSettings(check, "ingest", ingest);
  check.integer("ingest.writeConcurrency", ingest.writeConcurrency, 1, 64);
  check.integer("ingest.writeMaxAttempts", ingest.writeMaxAttempts, 1, 20);
}

/**
 * Decrypting the stream's records, only as Kinesis does it for this function's reads of this stream:
 * Kinesis calls KMS with the reader's permissions and the stream's ARN as the encryption context.
 * The key policy holds the consumer account's role to the same; in push mode, where the key is in the
 * function's own account, this statement alone does.
 * https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
function streamDecryptStatement(keyArn: string, streamArn: string, region: string): PolicyStatement {
  return {
    Sid: "DecryptSourceStream",
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource: keyArn,
    Condition: {
      StringEquals: { "kms:ViaService": `kinesis.${region}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": streamArn },
    },
  };
}

/**
 * The ingest function (`functions/ingest`) on a Kinesis stream, named `${name}-ingest`, with its
 * dead-letter bucket `${name}-dead-letter`. DedupTable runs it in the consumer account (pull mode),
 * PushIngest in the source account (push mode).
 */
export function createIngestFunction(name: string, args: IngestFunctionArgs, parent: pulumi.Resource): StreamFunction {
  const settings = args.settings ?? {};
  const source = args.source;
  const region = aws.getRegionOutput({}, { parent }).region;
  const statements = pulumi
    .all([args.tableAccess, source?.streamArn, source?.consumerArn, source?.streamKmsKeyArn, region])
    .apply(([tableAccess, streamArn, consumerArn, keyArn, regionName]) => {
      const list: PolicyStatement[] = [...tableAccess];
      if (streamArn) list.push({ Sid: "ReadSourceStream", Effect: "Allow", Action: KINESIS_STREAM_READ_ACTIONS, Resource: streamArn });
      if (consumerArn) list.push({ Sid: "ReadFanOutConsumer", Effect: "Allow", Action: KINESIS_CONSUMER_READ_ACTIONS, Resource: consumerArn });
      if (streamArn && keyArn) list.push(streamDecryptStatement(keyArn, streamArn, regionName));
      return list;
    });

  return createStreamFunction(`${name}-ingest`, {
    code: "ingest",
    description: INGEST_DESCRIPTION,
    deadLetterName: `${name}-dead-letter`,
    eventSourceArn: source && pulumi.all([source.consumerArn, source.streamArn]).apply(([consumerArn, streamArn]) => consumerArn ?? streamArn),
    statements,
    environment: {
      TABLE_NAME: args.tableName,
      WRITE_CONCURRENCY: String(settings.writeConcurrency ?? ingestDefaults.writeConcurrency),
      WRITE_MAX_ATTEMPTS: String(settings.writeMaxAttempts ?? ingestDefaults.writeMaxAttempts),
      POWERTOOLS_SERVICE_NAME: "ingest",
      ...args.environment,
    },
    settings,
    defaultBatchSize: ingestDefaults.batchSize,
    deadLetterExpireAfterDays: args.deadLetterExpireAfterDays,
    logRetentionDays: args.logRetentionDays,
    role: args.role,
    monitoring: args.monitoring,
    protectData: args.protectData,
  }, parent);
}
