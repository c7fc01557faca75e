import { expect } from "chai";
import { FirehoseArchive } from "../../components/firehose-archive";
import { FAN_OUT_LAG_METRIC } from "../../components/cross-account-stream-source";
import { MockCloud, policyOf, type RecordedResource } from "../harness/mock-cloud";
import { stackConfig, up } from "../support/stacks";

type Body = { widgets: { properties: { title: string; metrics: unknown[][] } }[] };
const bodyOf = (board: RecordedResource): Body => JSON.parse(board.inputs.dashboardBody);

/** Each metric's dimension values: a dimension follows the namespace and metric as name, value pairs. */
const dimensionValues = (metric: unknown[]) =>
  metric
    .slice(2)
    .filter((part) => typeof part === "string")
    .filter((_, i) => i % 2 === 1);

describe("monitoring", function () {
  this.timeout(60_000);
  let poc: Awaited<ReturnType<typeof up>>;

  before(async () => {
    const prod = await up("source", stackConfig("prod"), { ingestRoleArn: "arn:aws:iam::999999999999:role/clicks-ingest-role-1a2b3c4" });
    poc = await up("consumer", { ...stackConfig("poc"), alertEmail: "data-oncall@example.com" }, prod.outputs);
  });

  const alarms = () => poc.cloud.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");

  it("encrypts the alarm topic with its own key, whose policy lets CloudWatch alarms of this account use it", () => {
    const key = poc.cloud.named("alerts-key");
    expect(poc.cloud.named("alerts").inputs.kmsMasterKeyId).to.equal(key.state.arn);
    expect(key.inputs.enableKeyRotation).to.equal(true);
    expect(policyOf(key).Statement).to.deep.include({
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": poc.cloud.accountId },
        ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${poc.cloud.accountId}:alarm:*` },
      },
    });
  });

  it("sends every alarm, and its recovery, to the stack's encrypted topic, with the configured e-mail subscribed", () => {
    const topic = poc.cloud.named("alerts");
    expect(poc.cloud.named("alerts-email").inputs).to.include({ protocol: "email", endpoint: "data-oncall@example.com", topic: topic.state.arn });
    expect(alarms().length).to.be.greaterThan(10);
    for (const alarm of alarms()) {
      expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([topic.state.arn]);
      expect(alarm.inputs.okActions, alarm.name).to.deep.equal([topic.state.arn]);
      expect(alarm.inputs.treatMissingData, alarm.name).to.equal("notBreaching");
    }
  });

  it("watches the ingest and forward mappings: errors, throttles, and falling 5 minutes behind", () => {
    for (const fn of ["clicks-ingest", "clicks-forward"]) {
      const functionName = poc.cloud.named(`${fn}-function`).state.name;
      expect(poc.cloud.named(`${fn}-errors-alarm`).inputs).to.deep.include({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        threshold: 1,
        dimensions: { FunctionName: functionName },
      });
      expect(poc.cloud.named(`${fn}-throttles-alarm`).inputs).to.include({ metricName: "Throttles", threshold: 1 });
      expect(poc.cloud.named(`${fn}-iterator-age-alarm`).inputs).to.include({
        metricName: "IteratorAge",
        statistic: "Maximum",
        threshold: 300_000,
        period: 60,
        evaluationPeriods: 5,
      });
    }
  });

  it("counts parked records and refused transformations from the functions' log lines, and alarms on any", () => {
    const filter = poc.cloud.named("clicks-ingest-parked-filter").inputs;
    expect(filter).to.deep.include({ logGroupName: poc.cloud.named("clicks-ingest-logs").state.name, pattern: '{ $.message = "parked record" }' });
    expect(filter.metricTransformation).to.include({ namespace: "StreamReplication", name: "clicks-ingest-parked", value: "1" });
    expect(poc.cloud.named("clicks-ingest-parked-alarm").inputs).to.include({
      namespace: "StreamReplication",
      metricName: "clicks-ingest-parked",
      threshold: 1,
    });
    expect(poc.cloud.named("clicks-failed-transformations-filter").inputs.pattern).to.equal('{ $.message = "record failed processing" }');
  });

  it("alarms when Firehose delivery falls behind its buffer interval, and when events wait in the loader's failed queue", () => {
    expect(poc.cloud.named("clicks-delivery-freshness-alarm").inputs).to.deep.include({
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      statistic: "Maximum",
      threshold: 900,
      dimensions: { DeliveryStreamName: poc.outputs.deliveryStreamName },
    });
    expect(poc.cloud.named("clicks-failed-loads-alarm").inputs).to.deep.include({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 1,
    });
    expect(poc.cloud.has("clicks-load-errors-alarm")).to.equal(true);
    expect(poc.cloud.has("by-user-project-iterator-age-alarm")).to.equal(true);
  });

  it("draws the flow from stream to rows on the stack's dashboard, with the real names", () => {
    const board = poc.cloud.named("clickstream-consumer").inputs;
    const body = JSON.parse(board.dashboardBody) as Body;
    expect(body.widgets.map((w) => w.properties.title)).to.deep.equal([
      "Ingest: invocations, errors, iterator age",
      "Dedup table: writes",
      "Forward: invocations, errors, iterator age",
      "Firehose: records in, delivered, freshness",
      "Loader: invocations, errors, rows loaded",
      "Records parked or refused",
      "Mappings: records given up after retries or age (dead-letter bucket, dropped)",
    ]);
    expect(body.widgets[1].properties.metrics).to.deep.equal([["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", poc.outputs.tableName]]);
    expect(body.widgets[0].properties.metrics[0]).to.deep.equal([
      "AWS/Lambda",
      "Invocations",
      "FunctionName",
      poc.cloud.named("clicks-ingest-function").state.name,
    ]);
    expect(poc.outputs.dashboardName).to.equal("clickstream-consumer-poc");
  });

  it("leaves out of every dashboard, in either mode and any run, what the stack does not deploy: no metric has an empty dimension", async () => {
    const push = { accessMode: "push" };
    const prod1 = await up("source", { ...stackConfig("prod"), ...push }, {});
    const pocPush = await up(
      "consumer",
      { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a", aurora: JSON.stringify({ enabled: false }) },
      prod1.outputs,
    );
    const prodPull = await up("source", stackConfig("prod"), {});
    const titles = (cloud: MockCloud, name: string) => bodyOf(cloud.named(name)).widgets.map((w) => w.properties.title);
    expect(titles(pocPush.cloud, "clickstream-consumer")).to.not.include("Ingest: invocations, errors, iterator age");
    expect(titles(pocPush.cloud, "clickstream-consumer")).to.not.include("Loader: invocations, errors, rows loaded");
    expect(titles(prodPull.cloud, "clickstream-source")).to.not.include("Push ingest: invocations, errors, iterator age");
    expect(titles(prod1.cloud, "clickstream-source")).to.not.include("Push ingest: invocations, errors, iterator age");
    for (const cloud of [prod1.cloud, pocPush.cloud, prodPull.cloud, poc.cloud]) {
      for (const board of cloud.ofType("aws:cloudwatch/dashboard:Dashboard")) {
        for (const widget of bodyOf(board).widgets) {
          for (const metric of widget.properties.metrics)
            expect(dimensionValues(metric).every(Boolean), `${board.name}: ${widget.properties.title}`).to.equal(true);
        }
      }
    }
  });

  it("follows a fan-out consumer's lag on the metric fan-out readers emit, and alarms on it", async () => {
    const prod = await up("source", stackConfig("prod"), {});
    const lag = bodyOf(prod.cloud.named("clickstream-source")).widgets.find((w) => w.properties.title.startsWith("Fan-out consumer"))!;
    expect(lag.properties.metrics).to.deep.equal([
      ["AWS/Kinesis", FAN_OUT_LAG_METRIC, "StreamName", "web-analytics", "ConsumerName", "poc-ingest", { stat: "Maximum" }],
    ]);
    expect(prod.cloud.named("clicks-fan-out-lag-alarm").inputs).to.deep.include({
      metricName: FAN_OUT_LAG_METRIC,
      alarmActions: [prod.cloud.named("alerts").state.arn],
    });
  });

  it("leaves alarms out of a component when its monitoring says so", async () => {
    const cloud = new MockCloud();
    await cloud.install();
    new FirehoseArchive("quiet", {
      tableStreamArn: "arn:aws:dynamodb:eu-west-1:999999999999:table/t/stream/2026-01-01T00:00:00.000",
      monitoring: { alarms: false },
    });
    await cloud.settle();
    expect(cloud.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")).to.have.length(0);
  });
});
