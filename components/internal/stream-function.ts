import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionAlarms, logLineAlarm, type MonitoringArgs } from "./alarms";
import { createBundledFunction, type BundledFunction } from "./bundled-function";
import { streamFunctionDefaults, withDefaults } from "./shared-defaults";
import { type PolicyStatement } from "./iam";
import { type DerivedName } from "./names";
import { type DataProtectionArgs } from "./protection";
import { createSecureBucket, type SecureBucket } from "./secure-bucket";
import { type Check } from "./validation";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";

/** How a function on a Kinesis or DynamoDB stream is invoked, and its size. */
export interface StreamMappingSettings {
  /** Records per invocation, 1–10000. */
  batchSize?: number;
  /** Concurrent batches per shard, 1–10. Default: 1. */
  parallelizationFactor?: number;
  /** Seconds to gather records before invoking, 0–300. Default: 0. */
  maximumBatchingWindowInSeconds?: number;
  /** Retries of a failing batch before it goes to the on-failure destination, 0–10000. Default: 10. */
  maximumRetryAttempts?: number;
  /** Oldest record age, in seconds, the mapping still sends, 60–604800. Default: 86400 (one day). */
  maximumRecordAgeInSeconds?: number;
  /** Default: 256. */
  memorySize?: number;
  /** Default: 120. */
  timeoutSeconds?: number;
  /** Days parked records and failed-batch records are kept in the dead-letter bucket, 1–36500. Default: kept forever. */
  deadLetterExpireAfterDays?: number;
  /** Days the function's logs are kept. Default: the component's `logRetentionDays` (30). */
  logRetentionDays?: number;
}

/** The defaults of every function on a stream (components/internal/shared-defaults.ts). */
export const streamMappingDefaults = streamFunctionDefaults;

/** The children `createStreamFunction(name, {deadLetterName})` names after `name`, for `checkDerivedNames`. */
export const streamFunctionNames = (name: string, deadLetterName: string): DerivedName[] => [
  ["aws:lambda/function:Function", `${name}-function`],
  ["aws:iam/role:Role", `${name}-role`],
  ["aws:s3/bucket:Bucket", deadLetterName],
];

/** Adds a problem to `check` for each mapping setting out of range, named `${prefix}.<setting>`. */
export function validateMappingSettings(check: Check, prefix: string, settings: StreamMappingSettings = {}): void {
  check.integer(`${prefix}.batchSize`, settings.batchSize, 1, 10_000);
  check.integer(`${prefix}.parallelizationFactor`, settings.parallelizationFactor, 1, 10);
  check.integer(`${prefix}.maximumBatchingWindowInSeconds`, settings.maximumBatchingWindowInSeconds, 0, 300);
  check.integer(`${prefix}.maximumRetryAttempts`, settings.maximumRetryAttempts, 0, 10_000);
  check.integer(`${prefix}.maximumRecordAgeInSeconds`, settings.maximumRecordAgeInSeconds, 60, 604_800);
  check.integer(`${prefix}.memorySize`, settings.memorySize, 128, 10_240);
  check.integer(`${prefix}.timeoutSeconds`, settings.timeoutSeconds, 1, 900);
  check.integer(`${prefix}.deadLetterExpireAfterDays`, settings.deadLetterExpireAfterDays, 1, 36_500);
  check.logRetention(`${prefix}.logRetentionDays`, settings.logRetentionDays);
}

export interface StreamFunctionArgs extends DataProtectionArgs {
  /** Folder under `functions/`. */
  code: string;
  description: string;
  /** Logical name of the dead-letter bucket. */
  deadLetterName: string;
  /** The stream (or fan-out consumer) to map; until it is known, the function has no mapping. */
  eventSourceArn?: pulumi.Input<string>;
  /** What the function may do besides its logs and dead letters. */
  statements: pulumi.Input<PolicyStatement[]>;
  /** Environment besides DEAD_LETTER_BUCKET. */
  environment: Record<string, pulumi.Input<string>>;
  settings: StreamMappingSettings;
  /** This function's batch size when `settings` has none. */
  defaultBatchSize: number;
  /** The component's own setting, when `settings` has none. */
  deadLetterExpireAfterDays?: number;
  /** The component's own setting, when `settings` has none. */
  logRetentionDays?: number;
  role?: aws.iam.Role;
  /** Errors, throttles, iterator age and parked records. Default: alarms on, no topic. */
  monitoring?: MonitoringArgs;
}

export interface StreamFunction extends BundledFunction {
  deadLetter: SecureBucket;
  mapping: aws.lambda.EventSourceMapping | undefined;
  /** The metric counting parked records (METRICS_NAMESPACE), when alarms are on. */
  parkedMetricName: string | undefined;
}

/**
 * A function on a stream (`${name}`, mapped as `${name}-mapping`) with a dead-letter bucket: the
 * mapping starts at the trim horizon, bisects failing batches, retries a bounded number of times,
 * takes partial batch responses, and sends what still fails to the bucket, where the function also
 * parks records it can never handle.
 */
export function createStreamFunction(name: string, args: StreamFunctionArgs, parent: pulumi.Resource): StreamFunction {
  const { deadLetterExpireAfterDays, ...given } = args.settings;
  const settings = withDefaults<Omit<StreamMappingSettings, "deadLetterExpireAfterDays">>(
    { ...streamFunctionDefaults, batchSize: args.defaultBatchSize, logRetentionDays: args.logRetentionDays ?? streamFunctionDefaults.logRetentionDays },
    given,
  );
  const deadLetter = createSecureBucket(args.deadLetterName, { expireAfterDays: deadLetterExpireAfterDays ?? args.deadLetterExpireAfterDays, protectData: args.protectData }, parent);
  const statements = pulumi.all([args.statements, deadLetter.bucket.arn]).apply(([own, bucketArn]): PolicyStatement[] => [
    ...own,
    // Parked records go under parked/; Lambda writes failed-batch records for the mapping (it needs ListBucket too).
    { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/*` },
    { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
  ]);

  const fn = createBundledFunction(name, {
    code: args.code,
    description: args.description,
    environment: { DEAD_LETTER_BUCKET: deadLetter.bucket.bucket, ...args.environment },
    statements,
    memorySize: settings.memorySize,
    timeoutSeconds: settings.timeoutSeconds,
    logRetentionDays: settings.logRetentionDays,
    role: args.role,
  }, parent);

  const mapping = args.eventSourceArn === undefined ? undefined : new aws.lambda.EventSourceMapping(`${name}-mapping`, {
    functionName: fn.function.arn,
    eventSourceArn: args.eventSourceArn,
    startingPosition: "TRIM_HORIZON",
    batchSize: settings.batchSize,
    parallelizationFactor: settings.parallelizationFactor,
    maximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: settings.maximumRetryAttempts,
    maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds,
    functionResponseTypes: ["ReportBatchItemFailures"],
    destinationConfig: { onFailure: { destinationArn: deadLetter.bucket.arn } },
  }, { parent, dependsOn: [fn.policy] });

  const monitoring = args.monitoring ?? {};
  let parkedMetricName: string | undefined;
  if (monitoring.alarms ?? true) {
    functionAlarms(name, fn.function, monitoring, parent, true);
    parkedMetricName = logLineAlarm(`${name}-parked`, fn.logGroup, LOG_MESSAGES.parkedRecord, `${name} parked records it can never handle in its dead-letter bucket`, monitoring, parent);
  }
  return { ...fn, deadLetter, mapping, parkedMetricName };
}
