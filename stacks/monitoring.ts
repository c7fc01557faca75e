import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataResourceOptions, MAPPING_DISCARD_METRICS, policyDocument, type PolicyStatement } from "../components";
import { METRICS_NAMESPACE } from "../functions/shared/telemetry-names";
import { type AlertSettings } from "./stack-basics";

/**
 * The key of the alarm topic. CloudWatch publishes alarm notifications to an encrypted topic only
 * when the topic's key lets cloudwatch.amazonaws.com decrypt and generate data keys; the
 * AWS-managed key alias/aws/sns cannot, its policy being fixed, and every notification fails.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * The grant is held to this account's alarms (aws:SourceAccount, aws:SourceArn).
 */
export function alertTopicKeyPolicy(account: string, partition: string, region: string): PolicyStatement[] {
  return [
    // Without it nobody in the account, not even an administrator, could manage the key.
    { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      },
    },
  ];
}

/**
 * The alarm topic's policy, which replaces SNS's default one: the account manages the topic,
 * CloudWatch alarms of this account publish to it, and nothing reaches it but over TLS.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit
 */
export function alertTopicPolicy(account: string, partition: string, region: string, topicArn: string): PolicyStatement[] {
  return [
    {
      Sid: "AccountManagesTopic",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: [
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:DeleteTopic",
        "sns:Subscribe",
        "sns:ListSubscriptionsByTopic",
        "sns:Publish",
      ],
      Resource: topicArn,
    },
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` } },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:*",
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
}

/**
 * The stack's alarm topic, encrypted with its own customer-managed key that CloudWatch alarms may
 * use, with an e-mail subscription when config names an address (`alertEmail`; AWS asks the
 * address to confirm).
 */
export function alertTopic(settings: AlertSettings): aws.sns.Topic {
  const identity = aws.getCallerIdentityOutput();
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const key = new aws.kms.Key(
    "alerts-key",
    {
      description: "Encrypts the alarm topic; CloudWatch alarms of this account may use it",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        pulumi.all([identity.accountId, partition, region]).apply(([account, part, regionName]) => alertTopicKeyPolicy(account, part, regionName)),
      ),
      tags: settings.tags,
    },
    dataResourceOptions({ protectData: settings.protectData ?? true }),
  );
  const topic = new aws.sns.Topic("alerts", { kmsMasterKeyId: key.arn, tags: settings.tags });
  new aws.sns.TopicPolicy("alerts-policy", {
    arn: topic.arn,
    policy: policyDocument(
      pulumi
        .all([identity.accountId, partition, region, topic.arn])
        .apply(([account, part, regionName, arn]) => alertTopicPolicy(account, part, regionName, arn)),
    ),
  });
  const email = settings.email;
  if (email) new aws.sns.TopicSubscription("alerts-email", { topic: topic.arn, protocol: "email", endpoint: email });
  return topic;
}

/** One metric of a widget: its dimensions, by name. */
export interface Metric {
  namespace: string;
  metric: string;
  dimensions?: Record<string, pulumi.Input<string | undefined>>;
  stat?: string;
}

export interface Widget {
  title: string;
  metrics: Metric[];
}

/**
 * A dashboard of metric graphs, two per row, in the order the records flow. A metric whose
 * dimension has no value (a function this mode or this run does not deploy) is left out, and so
 * is a widget left with no metric: the dashboard shows only what exists.
 */
export function dashboard(name: string, widgets: Widget[]): aws.cloudwatch.Dashboard {
  const region = aws.getRegionOutput().region;
  const resolved = pulumi.output(
    widgets.map((w) => ({ title: w.title, metrics: w.metrics.map((m) => ({ ...m, dimensions: pulumi.output(m.dimensions ?? {}) })) })),
  ) as unknown as pulumi.Output<{ title: string; metrics: (Omit<Metric, "dimensions"> & { dimensions: Record<string, string | undefined> })[] }[]>;
  const body = pulumi.all([region, resolved]).apply(([regionName, all]) => {
    const present = all
      .map((widget) => ({ ...widget, metrics: widget.metrics.filter((m) => Object.values(m.dimensions).every((value) => Boolean(value))) }))
      .filter((widget) => widget.metrics.length > 0);
    return {
      widgets: present.map((widget, i) => ({
        type: "metric",
        x: (i % 2) * 12,
        y: Math.floor(i / 2) * 6,
        width: 12,
        height: 6,
        properties: {
          title: widget.title,
          region: regionName,
          view: "timeSeries",
          stat: "Sum",
          period: 60,
          metrics: widget.metrics.map((m) => [m.namespace, m.metric, ...Object.entries(m.dimensions).flat(), ...(m.stat ? [{ stat: m.stat }] : [])]),
        },
      })),
    };
  });
  return new aws.cloudwatch.Dashboard(name, { dashboardName: pulumi.interpolate`${name}-${pulumi.getStack()}`, dashboardBody: pulumi.jsonStringify(body) });
}

/** What the mappings gave up on (sent to their dead-letter buckets, dropped), per mapping. */
export function discardedRecords(mappingIds: pulumi.Input<string | undefined>[]): Widget {
  const metrics = mappingIds.flatMap((id) =>
    MAPPING_DISCARD_METRICS.map((metric) => ({ namespace: "AWS/Lambda", metric, dimensions: { EventSourceMappingUUID: id } })),
  );
  return { title: "Mappings: records given up after retries or age (dead-letter bucket, dropped)", metrics };
}

/** The pipeline's own counters: from a log metric filter, or a function's embedded metrics (by its service). */
export const pipelineMetric = (metric: string, service?: string): Metric => ({ namespace: METRICS_NAMESPACE, metric, dimensions: service ? { service } : {} });
