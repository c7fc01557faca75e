import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ingestEnvironment } from "../../functions/ingest/environment";
import { type ResolvedIngest } from "../settings/shared";
import { type Children } from "./context";
import { type PolicyStatement } from "./iam";
import { KINESIS_CONSUMER_READ_ACTIONS, KINESIS_STREAM_READ_ACTIONS } from "./stream-access";
import { createStreamFunction, type StreamFunctionResources } from "./stream-function";

/** The Kinesis stream the ingest function reads, and what reading it takes. */
export interface IngestSource {
  streamArn: pulumi.Input<string>;
  /** An enhanced fan-out consumer of the stream; the mapping reads through it when set. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** The key the stream is encrypted with. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
}

export interface IngestFunctionArgs {
  /** Until the source is known, the function is deployed without its event source mapping. */
  source?: IngestSource;
  tableName: pulumi.Input<string>;
  /** How the function reaches the table: write access to it, or the right to assume a role that has it. */
  tableAccess: pulumi.Input<PolicyStatement[]>;
  /** Push mode: the writer role to assume, with its external ID. */
  writer?: { roleArn: pulumi.Input<string>; externalId: pulumi.Input<string> };
  settings: ResolvedIngest;
  /** Seconds after its record's arrival an item expires; none when items never do. */
  expireAfterSeconds?: number;
  /** An execution role created earlier with `createFunctionRole(`${name}-ingest`, INGEST_DESCRIPTION, …)`. */
  role?: aws.iam.Role;
}

export const INGEST_DESCRIPTION = "Writes Kinesis records to the dedup table exactly once; parks records that can never be written";

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
 * The ingest function (`functions/ingest`) on a Kinesis stream, named `<component>-ingest`, with its
 * dead-letter bucket `<component>-dead-letter`. DedupTable runs it in the consumer account (pull mode),
 * PushIngest in the source account (push mode).
 */
export function createIngestFunction(args: IngestFunctionArgs, children: Children): { resources: StreamFunctionResources; parkedMetricName?: string } {
  const { source, settings } = args;
  const { name } = children;
  const statements = pulumi
    .all([args.tableAccess, source?.streamArn, source?.consumerArn, source?.streamKmsKeyArn, children.region])
    .apply(([tableAccess, streamArn, consumerArn, keyArn, regionName]) => {
      const list: PolicyStatement[] = [...tableAccess];
      if (streamArn) list.push({ Sid: "ReadSourceStream", Effect: "Allow", Action: KINESIS_STREAM_READ_ACTIONS, Resource: streamArn });
      if (consumerArn) list.push({ Sid: "ReadFanOutConsumer", Effect: "Allow", Action: KINESIS_CONSUMER_READ_ACTIONS, Resource: consumerArn });
      if (streamArn && keyArn) list.push(streamDecryptStatement(keyArn, streamArn, regionName));
      return list;
    });

  return createStreamFunction(
    `${name}-ingest`,
    {
      code: "ingest",
      description: INGEST_DESCRIPTION,
      deadLetterName: `${name}-dead-letter`,
      eventSourceArn: source && pulumi.all([source.consumerArn, source.streamArn]).apply(([consumerArn, streamArn]) => consumerArn ?? streamArn),
      statements,
      environment: (deadLetterBucket) =>
        ingestEnvironment<pulumi.Input<string>>({
          tableName: args.tableName,
          deadLetterBucket,
          writeConcurrency: settings.writeConcurrency,
          writeMaxAttempts: settings.writeMaxAttempts,
          expireAfterSeconds: args.expireAfterSeconds,
          writer: args.writer,
        }),
      settings,
      role: args.role,
    },
    children,
  );
}
