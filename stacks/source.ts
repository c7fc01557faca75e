import * as pulumi from "@pulumi/pulumi";
import {
  CrossAccountStreamSource,
  crossAccountStreamSourceDefaults,
  FAN_OUT_LAG_METRIC,
  type MonitoringArgs,
  PRODUCER_THROTTLING_METRICS,
  PushIngest,
} from "../components";
import { checkCapacity } from "./capacity";
import { StackConfig } from "./config";
import { alertTopic, dashboard, discardedRecords, type Widget } from "./monitoring";
import { type Peer } from "./peer";
import { readSourceConfig, type SourceConfig } from "./source-config";

/**
 * The source (production) account: the clickstream, its key and the grants that share it; in push
 * mode also the ingest function that writes into the consumer account. Values from the consumer
 * side come from its stack (`consumerStack`) or from config.
 */
export async function sourceComposition(pulumiConfig: pulumi.Config): Promise<Record<string, pulumi.Input<unknown>>> {
  const config = await readSourceConfig(new StackConfig(pulumiConfig));
  const { accounts, peer: consumer, readerRoles } = config;
  const topic = alertTopic(config.alerts);
  const monitoring: MonitoringArgs = { alarmTopicArn: topic.arn };
  const stream = new CrossAccountStreamSource("clicks", { ...config.streamSource, monitoring });
  const streamShardCount = config.streamSource.stream?.shardCount;
  const outputs = {
    accessMode: accounts.accessMode,
    region: accounts.region,
    accountId: accounts.sourceAccountId,
    streamName: stream.streamName,
    streamArn: stream.streamArn,
    streamConsumerArn: stream.streamConsumerArn,
    streamKmsKeyArn: stream.streamKmsKeyArn,
    producerPolicyArn: stream.producerPolicyArn,
    sharedTableName: stream.sharedTableName,
    sharedTableStreamArn: stream.sharedTableStreamArn,
    sharedTableKmsKeyArn: stream.sharedTableKmsKeyArn,
    // By projection name, as the consumer stack named its readers: it maps each only once granted.
    sharedTableReadGrantedTo: readerRoles,
    alertTopicArn: topic.arn,
    // How long the stream keeps records: how long the consumer's dedup table must keep its items.
    streamRetentionHours: config.streamSource.stream?.retentionHours ?? crossAccountStreamSourceDefaults.stream.retentionHours,
    ...(streamShardCount !== undefined && { streamShardCount }),
    ...checkCapacity(config.capacity, "source", config.capacityInput),
    // Given back to the stream's component next time, as its lastDeployment (stacks/source-config.ts).
    deployments: { streamSource: stream.deployment },
  };
  if (config.streamSource.sharedTable && Object.keys(readerRoles).length === 0) {
    pulumi.log.warn(
      `the shared table's stream is shared with nobody yet: ${consumer.label} reports no sharedTableReaderRoleArns (set sharedTableProjections there, run \`pulumi up\` on it, then here again)`,
    );
  }

  const fanOutConsumerName = config.streamSource.fanOutConsumerName;
  if (!config.push) {
    const consumerRoleArn = config.streamSource.consumerRoleArn;
    let nextStep: pulumi.Output<string>;
    if (consumerRoleArn) {
      nextStep = pulumi.output(
        `Granted ${consumerRoleArn} read access. Run \`pulumi up\` on ${consumer.label} if its ingest function has no event source mapping yet.`,
      );
    } else {
      pulumi.log.warn(
        `${consumer.label} has not reported its ingest role yet, so the stream is shared with nobody. Run \`pulumi up\` on ${consumer.label}, then here again.`,
      );
      nextStep = pulumi.output(
        `Run \`pulumi up\` on ${consumer.label}: it creates the ingest role. Then run \`pulumi up\` here again to grant that role read access.`,
      );
    }
    return { ...outputs, dashboardName: sourceDashboard(stream, fanOutConsumerName).dashboardName, streamReadGrantedTo: stream.streamReadGrantedTo, nextStep };
  }
  const push = pushSide(config.push, consumer, stream, monitoring);
  return { ...outputs, dashboardName: sourceDashboard(stream, fanOutConsumerName, push.component).dashboardName, ...push.outputs };
}

/**
 * The stream's traffic, how far its readers are behind, and in push mode the push function. A
 * fan-out consumer's readers never call GetRecords: their lag is the consumer's own metric
 * (https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html).
 */
function sourceDashboard(stream: CrossAccountStreamSource, fanOutConsumerName: string | undefined, pushIngest?: PushIngest) {
  const streamName = { StreamName: stream.streamName };
  const push = pushIngest?.ingestFunctionName;
  const readerLag: Widget = fanOutConsumerName
    ? {
        title: "Fan-out consumer: how far it is behind (ms)",
        metrics: [{ namespace: "AWS/Kinesis", metric: FAN_OUT_LAG_METRIC, dimensions: { ...streamName, ConsumerName: fanOutConsumerName }, stat: "Maximum" }],
      }
    : {
        title: "Stream: how far readers are behind (ms)",
        metrics: [{ namespace: "AWS/Kinesis", metric: "GetRecords.IteratorAgeMilliseconds", dimensions: streamName, stat: "Maximum" }],
      };
  return dashboard("clickstream-source", [
    {
      title: "Stream: records in and out",
      metrics: [
        { namespace: "AWS/Kinesis", metric: "IncomingRecords", dimensions: streamName },
        {
          namespace: "AWS/Kinesis",
          metric: fanOutConsumerName ? "SubscribeToShardEvent.Records" : "GetRecords.Records",
          dimensions: fanOutConsumerName ? { ...streamName, ConsumerName: fanOutConsumerName } : streamName,
        },
      ],
    },
    readerLag,
    {
      title: "Producers: records throttled",
      metrics: PRODUCER_THROTTLING_METRICS.map((metric) => ({ namespace: "AWS/Kinesis", metric, dimensions: streamName })),
    },
    {
      title: "Push ingest: invocations, errors, iterator age",
      metrics: [
        { namespace: "AWS/Lambda", metric: "Invocations", dimensions: { FunctionName: push } },
        { namespace: "AWS/Lambda", metric: "Errors", dimensions: { FunctionName: push } },
        { namespace: "AWS/Lambda", metric: "IteratorAge", dimensions: { FunctionName: push }, stat: "Maximum" },
      ],
    },
    discardedRecords([pushIngest?.eventSourceMappingId]),
  ]);
}

function pushSide(args: NonNullable<SourceConfig["push"]>, consumer: Peer, stream: CrossAccountStreamSource, monitoring: MonitoringArgs) {
  const push = new PushIngest("clicks", {
    streamArn: stream.streamArn,
    consumerArn: stream.streamConsumerArn,
    streamKmsKeyArn: stream.streamKmsKeyArn,
    ...args,
    monitoring,
  });

  let nextStep: pulumi.Output<string>;
  const writer = args.writer;
  if (writer) {
    nextStep = pulumi.interpolate`Wired: ${push.ingestFunctionArn} writes to ${writer.tableName} through ${writer.roleArn}.`;
  } else {
    pulumi.log.warn(
      `${consumer.label} has no writer role for this stack's push function yet, so the function is not deployed. Run \`pulumi up\` on ${consumer.label}, then here again.`,
    );
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${consumer.label}: it creates a writer role trusting ${push.ingestRoleArn}. Then run \`pulumi up\` here again to deploy the push function.`;
  }
  return {
    component: push,
    outputs: {
      pushIngestRoleArn: push.ingestRoleArn,
      pushIngestFunctionArn: push.ingestFunctionArn,
      itemExpireAfterDays: push.itemExpireAfterDays,
      deadLetterBucketName: push.ingestDeadLetterBucketName,
      nextStep,
    },
  };
}
