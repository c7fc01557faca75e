import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_NAMESPACE } from "../functions/shared/metrics";

/**
 * The stack's alarm topic, encrypted with the AWS-managed SNS key, with an e-mail subscription
 * when config names an address (`alertEmail`; AWS asks the address to confirm).
 */
export function alertTopic(config: pulumi.Config): aws.sns.Topic {
  const topic = new aws.sns.Topic("alerts", { kmsMasterKeyId: "alias/aws/sns" });
  const email = config.get("alertEmail");
  if (email) new aws.sns.TopicSubscription("alerts-email", { topic: topic.arn, protocol: "email", endpoint: email });
  return topic;
}

/** A function's name from its ARN. */
export const functionName = (arn: pulumi.Input<string | undefined>) => pulumi.output(arn).apply((value) => value?.split(":function:")[1] ?? "");

type Metric = [namespace: string, metric: string, dimension: string, value: pulumi.Input<string>, options?: { stat?: string }];

export interface Widget {
  title: string;
  metrics: Metric[];
}

/** A dashboard of metric graphs, two per row, in the order the records flow. */
export function dashboard(name: string, widgets: Widget[]): aws.cloudwatch.Dashboard {
  const region = aws.getRegionOutput().region;
  const dimensionValues = pulumi.output(widgets.map((w) => w.metrics.map((m) => m[3]))) as pulumi.Output<string[][]>;
  const body = pulumi.all([region, dimensionValues]).apply(([regionName, values]) => ({
    widgets: widgets.map((widget, i) => ({
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
        metrics: widget.metrics.map(([namespace, metric, dimension, , options], j) => [namespace, metric, ...(dimension ? [dimension, values[i][j]] : []), ...(options ? [options] : [])]),
      },
    })),
  }));
  return new aws.cloudwatch.Dashboard(name, { dashboardName: pulumi.interpolate`${name}-${pulumi.getStack()}`, dashboardBody: pulumi.jsonStringify(body) });
}

/** The pipeline's own counters: from a log metric filter, or a function's embedded metrics (by its service). */
export const pipelineMetric = (metric: string, service?: string): Metric => [METRICS_NAMESPACE, metric, service ? "service" : "", service ?? ""];
