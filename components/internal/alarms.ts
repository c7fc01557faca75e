import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { messageFilterPattern, METRICS_NAMESPACE } from "../../functions/shared/telemetry-names";
import { tagsOf, type Children } from "./context";

interface AlarmSpec {
  description: string;
  namespace: string;
  metricName: string;
  dimensions?: Record<string, pulumi.Input<string>>;
  statistic: "Sum" | "Maximum";
  threshold: number;
  periodSeconds?: number;
  evaluationPeriods?: number;
}

/** Every alarm created so far, by the component it belongs to: what its `alarmNames` output lists. */
const alarmsByComponent = new WeakMap<pulumi.Resource, aws.cloudwatch.MetricAlarm[]>();

/** The names of the alarms created for `component`, in the order they were created. */
export function alarmNamesOf(component: pulumi.Resource): pulumi.Output<string[]> {
  return pulumi.all((alarmsByComponent.get(component) ?? []).map((a) => a.name));
}

/** One alarm, named `${name}`, that fires at or above its threshold and treats missing data as fine; its action is the component's topic, if any. */
export function alarm(name: string, spec: AlarmSpec, children: Children): aws.cloudwatch.MetricAlarm {
  const topic = children.monitoring.alarmTopicArn;
  const actions = topic ? [topic] : [];
  const created = new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      statistic: spec.statistic,
      period: spec.periodSeconds ?? 300,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
      tags: tagsOf(children),
    },
    { parent: children.parent },
  );
  alarmsByComponent.set(children.parent, [...(alarmsByComponent.get(children.parent) ?? []), created]);
  return created;
}

/** Counts the log lines matching `message` in a function's log group, as the metric `name` in METRICS_NAMESPACE, and alarms on any. Returns the metric's name. */
export function logLineAlarm(name: string, counted: { logGroup: aws.cloudwatch.LogGroup; message: string; description: string }, children: Children): string {
  const { logGroup, message, description } = counted;
  new aws.cloudwatch.LogMetricFilter(
    `${name}-filter`,
    {
      logGroupName: logGroup.name,
      pattern: messageFilterPattern(message),
      metricTransformation: { namespace: METRICS_NAMESPACE, name, value: "1", defaultValue: "0", unit: "Count" },
    },
    { parent: children.parent },
  );
  alarm(`${name}-alarm`, { description, namespace: METRICS_NAMESPACE, metricName: name, statistic: "Sum", threshold: 1 }, children);
  return name;
}

/** Errors and throttles of a function, and for a stream function how far behind its mapping is. */
export function functionAlarms(name: string, fn: aws.lambda.Function, children: Children, onStream: boolean): void {
  const dimensions = { FunctionName: fn.name };
  alarm(
    `${name}-errors-alarm`,
    { description: `${name} failed invocations`, namespace: "AWS/Lambda", metricName: "Errors", dimensions, statistic: "Sum", threshold: 1 },
    children,
  );
  alarm(
    `${name}-throttles-alarm`,
    { description: `${name} throttled invocations`, namespace: "AWS/Lambda", metricName: "Throttles", dimensions, statistic: "Sum", threshold: 1 },
    children,
  );
  if (onStream) {
    alarm(
      `${name}-iterator-age-alarm`,
      {
        description: `${name} is more than 5 minutes behind its stream`,
        namespace: "AWS/Lambda",
        metricName: "IteratorAge",
        dimensions,
        statistic: "Maximum",
        threshold: 300_000,
        periodSeconds: 60,
        evaluationPeriods: 5,
      },
      children,
    );
  }
}
