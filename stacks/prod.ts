import * as pulumi from "@pulumi/pulumi";
import { type MonitoringArgs } from "../components/alarms";
import { CrossAccountStreamSource, type SharedTableSettings, type StreamSettings } from "../components/cross-account-stream-source";
import { PushIngest } from "../components/push-ingest";
import { validate } from "../components/validation";
import { assertDeployingInto, checkArn, ingestConfig, readAccounts, type Accounts } from "./accounts";
import { checkCapacity } from "./capacity";
import { alertTopic, dashboard, functionName } from "./monitoring";
import { Peer } from "./peer";

/**
 * The source (production) account: the clickstream, its key and the grants that share it; in push
 * mode also the ingest function that writes into the consumer account. Values from the consumer
 * side come from its stack (`consumerStack`) or from config.
 */
export async function sourceStack(config: pulumi.Config): Promise<Record<string, pulumi.Input<unknown>>> {
  const accounts = readAccounts(config);
  await assertDeployingInto(accounts, "source");
  const consumer = new Peer(config, "consumer");
  await consumer.assertAgrees(accounts);

  const consumerRoleArn = accounts.accessMode === "pull" ? await consumer.value("consumerIngestRoleArn", "ingestRoleArn") : undefined;
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  checkArn(check, "consumerIngestRoleArn", consumerRoleArn, { service: "iam", resource: "role/", account: accounts.consumerAccountId });
  check.done();

  const topic = alertTopic(config);
  const stream = new CrossAccountStreamSource("clicks", {
    stream: config.getObject<StreamSettings>("stream"),
    consumerRoleArn,
    fanOutConsumerName: config.get("fanOutConsumerName"),
    sharedTable: config.getObject<SharedTableSettings>("sharedTable"),
  });
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
    alertTopicArn: topic.arn,
    ...(await sourceCapacity(config, accounts)),
  };

  if (accounts.accessMode === "pull") {
    let nextStep: pulumi.Output<string>;
    if (consumerRoleArn) {
      nextStep = pulumi.output(`Granted ${consumerRoleArn} read access. Run \`pulumi up\` on ${consumer.label} if its ingest function has no event source mapping yet.`);
    } else {
      pulumi.log.warn(`${consumer.label} has not reported its ingest role yet, so the stream is shared with nobody. Run \`pulumi up\` on ${consumer.label}, then here again.`);
      nextStep = pulumi.output(`Run \`pulumi up\` on ${consumer.label}: it creates the ingest role. Then run \`pulumi up\` here again to grant that role read access.`);
    }
    return { ...outputs, dashboardName: sourceDashboard(stream, undefined).dashboardName, streamReadGrantedTo: stream.streamReadGrantedTo, nextStep };
  }
  const push = await pushSide(config, accounts, consumer, stream, { alarmTopicArn: topic.arn });
  return { ...outputs, dashboardName: sourceDashboard(stream, push.pushIngestFunctionArn).dashboardName, ...push };
}

/** The stream's traffic, how far its readers are behind, and in push mode the push function. */
function sourceDashboard(stream: CrossAccountStreamSource, pushFunctionArn: pulumi.Output<string | undefined> | undefined) {
  const push = functionName(pushFunctionArn);
  return dashboard("clickstream-source", [
    { title: "Stream: records in and out", metrics: [["AWS/Kinesis", "IncomingRecords", "StreamName", stream.streamName], ["AWS/Kinesis", "GetRecords.Records", "StreamName", stream.streamName]] },
    { title: "Stream: how far readers are behind (ms)", metrics: [["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", stream.streamName, { stat: "Maximum" }]] },
    { title: "Push ingest (push mode): invocations, errors, iterator age", metrics: [["AWS/Lambda", "Invocations", "FunctionName", push], ["AWS/Lambda", "Errors", "FunctionName", push], ["AWS/Lambda", "IteratorAge", "FunctionName", push, { stat: "Maximum" }]] },
  ]);
}

async function pushSide(config: pulumi.Config, accounts: Accounts, consumer: Peer, stream: CrossAccountStreamSource, monitoring: MonitoringArgs) {
  const [writerRoleArn, tableName, externalId] = await Promise.all([
    consumer.value("consumerWriterRoleArn", "writerRoleArn"),
    consumer.value("consumerTableName", "tableName"),
    consumer.secret("writerExternalId", "writerExternalId"),
  ]);
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  checkArn(check, "consumerWriterRoleArn", writerRoleArn, { service: "iam", resource: "role/", account: accounts.consumerAccountId });
  if (Boolean(writerRoleArn) !== Boolean(tableName)) {
    check.fail(`the consumer's writer role and table name go together: ${writerRoleArn ? "consumerTableName" : "consumerWriterRoleArn"} is missing`);
  }
  if (writerRoleArn && !externalId) {
    check.fail(`writerExternalId is required with accessMode "push": set it with \`pulumi config set --secret writerExternalId <value>\` (the consumer stack's value), or read it from ${consumer.label} by setting consumerStack`);
  }
  check.done();

  const writer = writerRoleArn && tableName && externalId ? { roleArn: writerRoleArn, tableName, externalId } : undefined;
  const push = new PushIngest("clicks", {
    streamArn: stream.streamArn,
    consumerArn: stream.streamConsumerArn,
    streamKmsKeyArn: stream.streamKmsKeyArn,
    writer,
    ...ingestConfig(config),
    monitoring,
  });

  let nextStep: pulumi.Output<string>;
  if (writer) {
    nextStep = pulumi.interpolate`Wired: ${push.ingestFunctionArn} writes to ${tableName} through ${writerRoleArn}.`;
  } else {
    pulumi.log.warn(`${consumer.label} has no writer role for this stack's push function yet, so the function is not deployed. Run \`pulumi up\` on ${consumer.label}, then here again.`);
    nextStep = pulumi.interpolate`Run \`pulumi up\` on ${consumer.label}: it creates a writer role trusting ${push.ingestRoleArn}. Then run \`pulumi up\` here again to deploy the push function.`;
  }
  return {
    pushIngestRoleArn: push.ingestRoleArn,
    pushIngestFunctionArn: push.ingestFunctionArn,
    deadLetterBucketName: push.deadLetterBucketName,
    nextStep,
  };
}

/** The stream's shard count, for the consumer stack's capacity check, and this side's capacity check. */
async function sourceCapacity(config: pulumi.Config, accounts: Accounts) {
  const stream = config.getObject<StreamSettings>("stream");
  const capacity = await checkCapacity(config, "source", {
    region: accounts.region,
    accessMode: accounts.accessMode,
    stream,
    fanOut: config.get("fanOutConsumerName") !== undefined,
    ingest: ingestConfig(config).ingest,
  });
  return { ...(stream?.shardCount !== undefined && { streamShardCount: stream.shardCount }), ...capacity };
}
