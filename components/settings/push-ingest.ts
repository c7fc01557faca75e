import type * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_ID, EXTERNAL_ID_RULE } from "../internal/aws-rules";
import { checkDerivedNames, streamFunctionNames } from "../internal/names";
import { ARN, keysOf, SettingsCheck } from "./check";
import { crossAccountStreamSourceDefaults } from "./cross-account-stream-source";
import {
  COMMON_KEYS,
  commonDefaults,
  ingestDefaults,
  itemExpiryDefaults,
  resolveCommon,
  resolveIngest,
  resolveItemExpiry,
  resolveLogRetention,
  streamFunctionDefaults,
  type CommonArgs,
  type IngestSettings,
  type ItemExpirySettings,
  type MonitoringArgs,
  type ResolvedCommon,
  type ResolvedIngest,
} from "./shared";

/** The consumer account's dedup table, as push mode reaches it. */
export interface WriterTarget {
  /** The table's writer role (DedupTable's `writerRoleArn`). */
  roleArn: pulumi.Input<string>;
  /** The external ID that role demands. */
  externalId: pulumi.Input<string>;
  tableName: pulumi.Input<string>;
}

export interface PushIngestArgs extends CommonArgs, ItemExpirySettings {
  /** The Kinesis stream the ingest function reads (CrossAccountStreamSource's `streamArn`). */
  streamArn: pulumi.Input<string>;
  /** An enhanced fan-out consumer of the stream; the mapping reads through it when set. Default: none. */
  consumerArn?: pulumi.Input<string | undefined>;
  /** The key the stream is encrypted with; the function may decrypt its records with it. Default: none. */
  streamKmsKeyArn?: pulumi.Input<string | undefined>;
  /** Hours the stream keeps records (CrossAccountStreamSource's `stream.retentionHours`): how long the items it writes must stay to deduplicate them. Default: 24. */
  streamRetentionHours?: number;
  /**
   * Where to write. Until it is given (the consumer account has no writer role trusting this
   * component's role yet), only the execution role is deployed: its ARN is what the writer role
   * must trust. Default: none.
   */
  writer?: WriterTarget;
  /** The ingest function and its event source mapping. Defaults: see each field. */
  ingest?: IngestSettings;
  /** Days the ingest function's logs are kept, unless `ingest.logRetentionDays` says otherwise. Default: 30. */
  logRetentionDays?: number;
  /** Alarms on the function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

/** PushIngest's defaults, in the shape of its arguments. */
export const pushIngestDefaults = {
  ...commonDefaults,
  streamRetentionHours: crossAccountStreamSourceDefaults.stream.retentionHours,
  expireItems: itemExpiryDefaults.expireItems,
  /** The ingest function. */
  ingest: { ...streamFunctionDefaults, ...ingestDefaults },
} as const;

export interface ResolvedPushIngest extends ResolvedCommon {
  source: { streamArn: pulumi.Input<string>; consumerArn?: pulumi.Input<string | undefined>; streamKmsKeyArn?: pulumi.Input<string | undefined> };
  writer?: WriterTarget;
  ingest: ResolvedIngest;
  /** Seconds after its record's arrival an item the function writes expires; none when items never do. */
  expireAfterSeconds?: number;
}

const ARGS = keysOf<PushIngestArgs>()(
  ...COMMON_KEYS,
  "streamArn",
  "consumerArn",
  "streamKmsKeyArn",
  "streamRetentionHours",
  "expireItems",
  "expireAfterDays",
  "writer",
  "ingest",
  "logRetentionDays",
  "monitoring",
);
const WRITER = keysOf<WriterTarget>()("roleArn", "externalId", "tableName");

/** Every problem with PushIngest's arguments, and its settings with every default filled in. */
export function resolvePushIngest(name: string, args: PushIngestArgs): { settings: ResolvedPushIngest; problems: string[] } {
  const check = new SettingsCheck();
  check.knownKeys("", args, ARGS);
  const common = resolveCommon(check, args);
  checkDerivedNames(check, "name", name, streamFunctionNames(`${name}-ingest`, `${name}-dead-letter`));
  check.required("streamArn", args.streamArn, "the Kinesis stream the ingest function reads (CrossAccountStreamSource's streamArn)");
  check.arn("streamArn", args.streamArn, ARN.kinesisStream);
  check.arn("consumerArn", args.consumerArn, ARN.kinesisConsumer);
  check.arn("streamKmsKeyArn", args.streamKmsKeyArn, ARN.kmsKey);
  if (check.knownKeys("writer", args.writer, WRITER)) {
    const writer = args.writer!;
    check.required("writer.roleArn", writer.roleArn, "the consumer's writer role (DedupTable's writerRoleArn)");
    check.roleArn("writer.roleArn", writer.roleArn);
    check.required("writer.externalId", writer.externalId, "the external ID the writer role demands");
    check.matches("writer.externalId", writer.externalId, EXTERNAL_ID, EXTERNAL_ID_RULE);
    check.required("writer.tableName", writer.tableName, "the dedup table (DedupTable's tableName)");
  }
  const ingest = resolveIngest(check, args.ingest, resolveLogRetention(check, args.logRetentionDays));
  check.integer("streamRetentionHours", args.streamRetentionHours, 24, 8_760);
  const redelivery = {
    streamRetentionHours: args.streamRetentionHours ?? pushIngestDefaults.streamRetentionHours,
    maximumRecordAgeInSeconds: ingest.maximumRecordAgeInSeconds,
  };
  const expireAfterSeconds = resolveItemExpiry(check, "", args, redelivery);
  const { streamArn, consumerArn, streamKmsKeyArn } = args;
  return {
    settings: { ...common, source: { streamArn, consumerArn, streamKmsKeyArn }, writer: args.writer, ingest, expireAfterSeconds },
    problems: check.problems,
  };
}
