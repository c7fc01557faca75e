import * as pulumi from "@pulumi/pulumi";
import { alarmNamesOf, type MonitoringArgs } from "./internal/alarms";
import { createFunctionRole } from "./internal/bundled-function";
import { checkedExternalId } from "./internal/external-id";
import { type PolicyStatement } from "./internal/iam";
import { createIngestFunction, INGEST_DESCRIPTION, validateIngestSettings, type IngestSettings, type IngestSource } from "./internal/ingest-function";
import { checkDerivedNames } from "./internal/names";
import { COMPONENT_PACKAGE } from "./internal/package";
import { type DataProtectionArgs } from "./internal/protection";
import { streamFunctionNames, type StreamFunction } from "./internal/stream-function";
import { DEFAULT_LOG_RETENTION_DAYS, ingestDefaults } from "./internal/shared-defaults";
import { validate } from "./internal/validation";

/** The consumer account's dedup table, as push mode reaches it. */
export interface WriterTarget {
  /** The table's writer role (DedupTable's `writerRoleArn`). */
  roleArn: pulumi.Input<string>;
  /** The external ID that role demands. */
  externalId: pulumi.Input<string>;
  tableName: pulumi.Input<string>;
}

export interface PushIngestArgs extends IngestSource, DataProtectionArgs {
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
  /** @deprecated Use `ingest.deadLetterExpireAfterDays`. */
  deadLetterExpireAfterDays?: number;
  /** Alarms on the function and its mapping. Default: on, no topic. */
  monitoring?: MonitoringArgs;
}

export const pushIngestDefaults = {
  logRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  /** The ingest function (`ingest`). */
  ingest: ingestDefaults,
} as const;

function validateArgs(component: pulumi.Resource, name: string, args: PushIngestArgs): void {
  const check = validate(`PushIngest "${name}"`, "arguments", component);
  checkDerivedNames(check, "name", name, streamFunctionNames(`${name}-ingest`, `${name}-dead-letter`));
  validateIngestSettings(check, args.ingest);
  check.integer("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, 1, 36_500);
  check.deprecated("deadLetterExpireAfterDays", args.deadLetterExpireAfterDays, "ingest.deadLetterExpireAfterDays", args.ingest?.deadLetterExpireAfterDays);
  check.logRetention("logRetentionDays", args.logRetentionDays);
  check.done();
}

/**
 * Push mode (the cross-account replication design): the ingest function runs in the source account, next to the stream, and
 * writes to the consumer account's dedup table by assuming that table's writer role with an
 * external ID. Records that can never be written are parked in a dead-letter bucket here.
 */
export class PushIngest extends pulumi.ComponentResource {
  /** The execution role the consumer account's writer role trusts. */
  public readonly ingestRoleArn: pulumi.Output<string>;
  public readonly ingestFunctionArn: pulumi.Output<string | undefined>;
  public readonly ingestFunctionName: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketName: pulumi.Output<string | undefined>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting the records the ingest function parked. */
  public readonly ingestParkedMetricName: string | undefined;
  public readonly eventSourceMappingId: pulumi.Output<string | undefined>;
  /** Every alarm of the function. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** @deprecated Use `ingestDeadLetterBucketName`. */
  public readonly deadLetterBucketName: pulumi.Output<string | undefined>;

  constructor(name: string, args: PushIngestArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:PushIngest`, name, {}, opts);
    validateArgs(this, name, args);

    const role = createFunctionRole(`${name}-ingest`, INGEST_DESCRIPTION, this);
    let ingestFunction: StreamFunction | undefined;
    if (args.writer) {
      const writer = args.writer;
      ingestFunction = createIngestFunction(name, {
        source: { streamArn: args.streamArn, consumerArn: args.consumerArn, streamKmsKeyArn: args.streamKmsKeyArn },
        tableName: writer.tableName,
        tableAccess: pulumi.output(writer.roleArn).apply((arn): PolicyStatement[] => [
          { Sid: "AssumeWriterRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: arn },
        ]),
        environment: { WRITER_ROLE_ARN: writer.roleArn, WRITER_EXTERNAL_ID: checkedExternalId(writer.externalId, `PushIngest "${name}": writer.externalId`, this) },
        settings: args.ingest,
        deadLetterExpireAfterDays: args.deadLetterExpireAfterDays,
        logRetentionDays: args.logRetentionDays,
        monitoring: args.monitoring,
        role,
        protectData: args.protectData,
      }, this);
    }

    this.ingestRoleArn = role.arn;
    this.ingestFunctionArn = pulumi.output(ingestFunction?.function.arn);
    this.ingestFunctionName = pulumi.output(ingestFunction?.function.name);
    this.ingestDeadLetterBucketName = pulumi.output(ingestFunction?.deadLetter.bucket.bucket);
    this.ingestParkedMetricName = ingestFunction?.parkedMetricName;
    this.deadLetterBucketName = this.ingestDeadLetterBucketName;
    this.eventSourceMappingId = pulumi.output(ingestFunction?.mapping?.uuid);
    this.alarmNames = alarmNamesOf(this);
    this.registerOutputs({
      ingestRoleArn: this.ingestRoleArn,
      ingestFunctionArn: this.ingestFunctionArn,
      ingestFunctionName: this.ingestFunctionName,
      ingestDeadLetterBucketName: this.ingestDeadLetterBucketName,
      ingestParkedMetricName: this.ingestParkedMetricName,
      deadLetterBucketName: this.deadLetterBucketName,
      eventSourceMappingId: this.eventSourceMappingId,
      alarmNames: this.alarmNames,
    });
  }
}
