import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmNamesOf } from "./internal/alarms";
import { createFunctionRole } from "./internal/bundled-function";
import { childrenOf, declaredOutputs } from "./internal/context";
import { checkedExternalId } from "./internal/external-id";
import { type PolicyStatement } from "./internal/iam";
import { createIngestFunction, INGEST_DESCRIPTION } from "./internal/ingest-function";
import { COMPONENT_PACKAGE } from "./internal/package";
import { type StreamFunctionResources } from "./internal/stream-function";
import { refuseProblems } from "./internal/validation";
import { resolvePushIngest, type PushIngestArgs } from "./settings/push-ingest";

export * from "./settings/push-ingest";

/**
 * Push mode (the cross-account replication design): the ingest function runs in the source
 * account, next to the stream, and writes to the consumer account's dedup table by assuming that
 * table's writer role with an external ID. Records that can never be written are parked in a
 * dead-letter bucket here.
 */
export class PushIngest extends pulumi.ComponentResource {
  /** The execution role the consumer account's writer role trusts; it exists before the function does. */
  public readonly role: aws.iam.Role;
  /** Once the writer is given: the ingest function, its log group, dead-letter bucket and mapping. */
  public readonly ingest?: StreamFunctionResources;
  public readonly ingestRoleArn: pulumi.Output<string>;
  public readonly ingestFunctionArn: pulumi.Output<string | undefined>;
  public readonly ingestFunctionName: pulumi.Output<string | undefined>;
  public readonly ingestDeadLetterBucketName: pulumi.Output<string | undefined>;
  /** Alarms on: the metric (in METRICS_NAMESPACE) counting the records the ingest function parked. */
  public readonly ingestParkedMetricName: string | undefined;
  public readonly eventSourceMappingId: pulumi.Output<string | undefined>;
  /** Every alarm of the function. */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** Days after its arrival in Kinesis an item the function writes expires, unless items never do (`expireItems` false). */
  public readonly itemExpireAfterDays: number | undefined;

  constructor(name: string, args: PushIngestArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${COMPONENT_PACKAGE}:index:PushIngest`, name, {}, opts);
    const { settings, problems } = resolvePushIngest(name, args);
    refuseProblems(this, `PushIngest "${name}"`, problems);
    const children = childrenOf(this, name, settings);

    this.role = createFunctionRole(`${name}-ingest`, INGEST_DESCRIPTION, children);
    let parkedMetricName: string | undefined;
    const writer = settings.writer;
    if (writer) {
      const created = createIngestFunction(
        {
          source: settings.source,
          tableName: writer.tableName,
          tableAccess: pulumi
            .output(writer.roleArn)
            .apply((arn): PolicyStatement[] => [{ Sid: "AssumeWriterRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: arn }]),
          writer: { roleArn: writer.roleArn, externalId: checkedExternalId(writer.externalId, `PushIngest "${name}": writer.externalId`, this) },
          settings: settings.ingest,
          expireAfterSeconds: settings.expireAfterSeconds,
          role: this.role,
        },
        children,
      );
      this.ingest = created.resources;
      parkedMetricName = created.parkedMetricName;
    }

    this.ingestRoleArn = this.role.arn;
    this.ingestFunctionArn = pulumi.output(this.ingest?.function.arn);
    this.ingestFunctionName = pulumi.output(this.ingest?.function.name);
    this.ingestDeadLetterBucketName = pulumi.output(this.ingest?.deadLetterBucket.bucket);
    this.ingestParkedMetricName = parkedMetricName;
    this.eventSourceMappingId = pulumi.output(this.ingest?.mapping?.uuid);
    this.alarmNames = alarmNamesOf(this);
    this.itemExpireAfterDays = settings.expireAfterSeconds === undefined ? undefined : settings.expireAfterSeconds / 86_400;
    this.registerOutputs(declaredOutputs(this));
  }
}
