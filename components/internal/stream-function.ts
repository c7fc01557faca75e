import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { type ResolvedStreamFunction } from "../settings/shared";
import { alarm, functionAlarms, logLineAlarm } from "./alarms";
import { createBundledFunction, type FunctionResources } from "./bundled-function";
import { tagsOf, type Children } from "./context";
import { type PolicyStatement } from "./iam";
import { createSecureBucket } from "./secure-bucket";

/** A function on a stream a component deployed: its mapping, once its stream is known, and the bucket it parks records in. */
export interface StreamFunctionResources extends FunctionResources {
  /** Where records the function can never handle, and batches the mapping gives up on, are parked. */
  deadLetterBucket: aws.s3.Bucket;
  mapping?: aws.lambda.EventSourceMapping;
}

export interface StreamFunctionArgs {
  /** Folder under `functions/`. */
  code: string;
  description: string;
  /** Logical name of the dead-letter bucket. */
  deadLetterName: string;
  /** The stream (or fan-out consumer) to map; until it is known, the function has no mapping. */
  eventSourceArn?: pulumi.Input<string>;
  /** What the function may do besides its logs and dead letters. */
  statements: pulumi.Input<PolicyStatement[]>;
  /** The function's environment, from its dead-letter bucket's name. */
  environment: (deadLetterBucket: pulumi.Output<string>) => Record<string, pulumi.Input<string>>;
  settings: ResolvedStreamFunction;
  role?: aws.iam.Role;
  /** Lambda event filter patterns, OR'd: only matching records invoke the function. Default: every record. */
  filters?: readonly object[];
}

/**
 * What a mapping gives up on, after its retries or past its maximum record age: the batches it sends
 * to the on-failure destination, and the records it drops (which excludes those sent there). Lambda
 * publishes both per mapping once `metricsConfig` asks for EventCount.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
 */
export const MAPPING_DISCARD_METRICS = ["OnFailureDestinationDeliveredEventCount", "DroppedEventCount"] as const;

function discardAlarms(name: string, mapping: aws.lambda.EventSourceMapping, children: Children): void {
  const dimensions = { EventSourceMappingUUID: mapping.uuid };
  const what = { OnFailureDestinationDeliveredEventCount: "sent to its dead-letter bucket", DroppedEventCount: "dropped" };
  for (const metricName of MAPPING_DISCARD_METRICS) {
    alarm(
      `${name}-${metricName === "DroppedEventCount" ? "dropped" : "on-failure"}-alarm`,
      {
        description: `${name}'s mapping gave up on records after its retries or maximum record age: ${what[metricName]}`,
        namespace: "AWS/Lambda",
        metricName,
        dimensions,
        statistic: "Sum",
        threshold: 1,
      },
      children,
    );
  }
}

/**
 * A function on a stream (`${name}`, mapped as `${name}-mapping`) with a dead-letter bucket: the
 * mapping starts at the trim horizon, bisects failing batches, retries a bounded number of times,
 * takes partial batch responses, and sends what still fails to the bucket, where the function also
 * parks records it can never handle. With alarms on, returns the metric counting parked records.
 */
export function createStreamFunction(
  name: string,
  args: StreamFunctionArgs,
  children: Children,
): { resources: StreamFunctionResources; parkedMetricName?: string } {
  const { settings } = args;
  const deadLetterBucket = createSecureBucket(args.deadLetterName, { expireAfterDays: settings.deadLetterExpireAfterDays }, children);
  const statements = pulumi.all([args.statements, deadLetterBucket.arn]).apply(([own, bucketArn]): PolicyStatement[] => [
    ...own,
    // Parked records go under parked/; Lambda writes failed-batch records for the mapping (it needs ListBucket too).
    { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/*` },
    { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
  ]);

  const fn = createBundledFunction(
    name,
    {
      code: args.code,
      description: args.description,
      environment: args.environment(deadLetterBucket.bucket),
      statements,
      memorySize: settings.memorySize,
      timeoutSeconds: settings.timeoutSeconds,
      logRetentionDays: settings.logRetentionDays,
      role: args.role,
    },
    children,
  );

  const mapping =
    args.eventSourceArn === undefined
      ? undefined
      : new aws.lambda.EventSourceMapping(
          `${name}-mapping`,
          {
            functionName: fn.function.arn,
            eventSourceArn: args.eventSourceArn,
            startingPosition: "TRIM_HORIZON",
            enabled: settings.enabled,
            batchSize: settings.batchSize,
            parallelizationFactor: settings.parallelizationFactor,
            maximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds,
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: settings.maximumRetryAttempts,
            maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds,
            functionResponseTypes: ["ReportBatchItemFailures"],
            destinationConfig: { onFailure: { destinationArn: deadLetterBucket.arn } },
            filterCriteria: args.filters && { filters: args.filters.map((pattern) => ({ pattern: JSON.stringify(pattern) })) },
            // The mapping's own counts, among them the records it gives up on: a partial batch failure raises no Errors.
            metricsConfig: { metrics: ["EventCount"] },
            tags: tagsOf(children),
          },
          { parent: children.parent, dependsOn: [fn.policy] },
        );

  let parkedMetricName: string | undefined;
  if (children.monitoring.alarms) {
    functionAlarms(name, fn.function, children, true);
    parkedMetricName = logLineAlarm(
      `${name}-parked`,
      { logGroup: fn.logGroup, message: LOG_MESSAGES.parkedRecord, description: `${name} parked records it can never handle in its dead-letter bucket` },
      children,
    );
    if (mapping) discardAlarms(name, mapping, children);
  }
  return { resources: { ...fn, deadLetterBucket, ...(mapping && { mapping }) }, parkedMetricName };
}
