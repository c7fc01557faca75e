import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient, type KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type * as pulumi from "@pulumi/pulumi";
import { type LocalFirehose } from "./firehose";
import { type LocalFunctions } from "./functions";
import { type MappingSpec } from "./mappings";
import { arnResourceName, parseArn } from "../../functions/shared/arn";
import { MockAwsState, shortHash } from "../../components/testing/aws-state";
import { unwrapSecrets, type PulumiValues } from "../../components/testing/inputs";
import { type LocalNotifications } from "./notifications";

export interface LocalEngines {
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  s3: S3Client;
  sqs: SQSClient;
  database: { host: string; port: number; user: string; password: string };
}

/** The text of `index.js` in a function's AssetArchive (under mocks, its parts arrive as promises). */
async function bundleText(code: PulumiValues | undefined): Promise<string> {
  const assets = await code?.assets;
  const text = await assets?.["index.js"]?.text;
  if (typeof text !== "string") throw new Error("the function's code is not an AssetArchive with index.js");
  return text;
}

/** The name of an ARN's resource of this type (a stream, a table), or the ARN itself when it is not one. */
const resourceName = (arn: string, type: string): string => arnResourceName(arn, type) ?? arn;

/**
 * Pulumi mocks that make the program's resources real on the local engines: streams on
 * kinesalite, tables on DynamoDB Local, buckets and queues on fauxqs, the Aurora cluster on
 * MariaDB; functions, mappings, the delivery stream and the bucket notification on the local
 * runtime. Everything else (roles, policies, keys, the VPC) is accepted and only recorded: there
 * is no IAM here.
 */
export class LocalCloud implements pulumi.runtime.Mocks {
  readonly mappings: MappingSpec[] = [];
  private pending = 0;
  private readonly aws: MockAwsState;

  constructor(
    private readonly engines: LocalEngines,
    private readonly runtime: { functions: LocalFunctions; firehose: LocalFirehose; notifications: LocalNotifications; secrets: Map<string, string> },
    account: string,
    region = "eu-west-1",
  ) {
    // Every local run is a first deployment: no stack has outputs yet (the stacks read their own last deployment's).
    this.aws = new MockAwsState({ accountId: account, region, caller: "local", isNewStack: () => true });
  }

  /** Resolves once every resource registered so far is realized and none arrived for a moment. */
  async settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 5) {
      await new Promise((done) => setTimeout(done, 40));
      quiet = this.pending === 0 ? quiet + 1 : 0;
    }
  }

  call(args: pulumi.runtime.MockCallArgs): PulumiValues {
    return this.aws.call(args);
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: PulumiValues }> {
    this.pending += 1;
    try {
      return await this.realize(args.type, args.name, unwrapSecrets(args.inputs));
    } finally {
      this.pending -= 1;
    }
  }

  /** The state AWS would give the resource (components/testing/aws-state.ts), made real on the engines and the runtime where there is one. */
  private async realize(type: string, name: string, inputs: PulumiValues): Promise<{ id: string; state: PulumiValues }> {
    const { id, state } = this.aws.realize(type, name, inputs);
    switch (type) {
      case "aws:kinesis/stream:Stream": {
        await this.engines.kinesis.send(new CreateStreamCommand({ StreamName: state.name, ShardCount: inputs.shardCount ?? 2 }));
        while (
          (await this.engines.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: state.name }))).StreamDescriptionSummary?.StreamStatus !== "ACTIVE"
        ) {
          await new Promise((done) => setTimeout(done, 50));
        }
        break;
      }
      case "aws:dynamodb/table:Table":
        return { id, state: { ...state, ...(await this.createTable(state.name, inputs, state.arn)) } };
      case "aws:s3/bucket:Bucket":
        await this.engines.s3.send(new CreateBucketCommand({ Bucket: state.bucket }));
        break;
      case "aws:sqs/queue:Queue": {
        const { QueueUrl } = await this.engines.sqs.send(new CreateQueueCommand({ QueueName: state.name }));
        const { Attributes } = await this.engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
        return { id: QueueUrl!, state: { ...state, url: QueueUrl, arn: Attributes?.QueueArn ?? state.arn } };
      }
      case "aws:lambda/function:Function":
        this.runtime.functions.register({
          name: state.name,
          arn: state.arn,
          role: String(inputs.role),
          code: await bundleText(inputs.code),
          environment: inputs.environment?.variables ?? {},
          memorySize: inputs.memorySize ?? 128,
          reservedConcurrency: inputs.reservedConcurrentExecutions,
        });
        break;
      case "aws:lambda/eventSourceMapping:EventSourceMapping": {
        const source = String(inputs.eventSourceArn);
        const kind = source.startsWith("arn:aws:kinesis") ? "kinesis" : "dynamodb";
        const functionName = resourceName(String(inputs.functionName), "function");
        this.mappings.push({
          uuid: state.uuid,
          functionName,
          invokeIdentityArn: this.runtime.functions.byArn(functionName)?.role ?? `arn:aws:iam::${this.aws.accountId}:role/${functionName}`,
          kind,
          source: kind === "kinesis" ? resourceName(source, "stream") : resourceName(source, "table"),
          sourceArn: source,
          batchSize: inputs.batchSize ?? 100,
          parallelizationFactor: inputs.parallelizationFactor ?? 1,
          bisectBatchOnFunctionError: inputs.bisectBatchOnFunctionError ?? false,
          maximumRetryAttempts: inputs.maximumRetryAttempts ?? 10_000,
          reportBatchItemFailures: (inputs.functionResponseTypes ?? []).includes("ReportBatchItemFailures"),
          onFailureBucket: inputs.destinationConfig?.onFailure?.destinationArn?.replace("arn:aws:s3:::", ""),
          filters: inputs.filterCriteria?.filters?.map((filter: { pattern: string }) => filter.pattern),
          enabled: inputs.enabled ?? true,
        });
        break;
      }
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {
        const s3 = inputs.extendedS3Configuration;
        const processorArn = s3.processingConfiguration?.processors?.[0]?.parameters?.find(
          (p: { parameterName: string }) => p.parameterName === "LambdaArn",
        )?.parameterValue;
        this.runtime.firehose.register({
          name: state.name,
          arn: state.arn,
          bucket: String(s3.bucketArn).replace("arn:aws:s3:::", ""),
          prefix: s3.prefix ?? "",
          errorOutputPrefix: s3.errorOutputPrefix ?? "",
          bufferSizeMiB: s3.bufferingSize ?? 5,
          bufferIntervalSeconds: s3.bufferingInterval ?? 300,
          compression: s3.compressionFormat ?? "UNCOMPRESSED",
          fileExtension: s3.fileExtension ?? "",
          processor: processorArn && this.runtime.functions.byArn(processorArn)?.name,
        });
        break;
      }
      case "aws:s3/bucketNotification:BucketNotification":
        for (const target of inputs.lambdaFunctions ?? []) {
          this.runtime.notifications.register({
            // The provider names a configuration it was not given an id for, as S3 requires one.
            id: target.id ?? `tf-s3-lambda-${shortHash(`${inputs.bucket}/${target.filterPrefix ?? ""}`)}`,
            bucket: inputs.bucket,
            functionName: this.runtime.functions.byArn(target.lambdaFunctionArn)!.name,
            filterPrefix: target.filterPrefix ?? "",
          });
        }
        break;
      case "aws:lambda/invocation:Invocation": {
        // A deploy-time invocation (the loader's database user): run it now, as `pulumi up` would, failing the stack with its error.
        const result = await this.runtime.functions.invoke(String(inputs.functionName), JSON.parse(inputs.input));
        return { id, state: { ...state, result: JSON.stringify(result) } };
      }
      case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
        const queueArn: string | undefined = inputs.destinationConfig?.onFailure?.destination;
        const queueName = queueArn && parseArn(queueArn)?.resource;
        this.runtime.notifications.configureAsync(inputs.functionName, {
          maximumRetryAttempts: inputs.maximumRetryAttempts ?? 2,
          onFailureQueueUrl: queueName && (await this.queueUrl(queueName)),
        });
        break;
      }
      case "aws:rds/cluster:Cluster": {
        // The cluster is the local MariaDB; its managed master secret holds MariaDB's credentials.
        const secretArn =
          state.masterUserSecrets[0]?.secretArn ?? `arn:aws:secretsmanager:${this.aws.region}:${this.aws.accountId}:secret:rds!cluster-${shortHash(name)}`;
        this.runtime.secrets.set(secretArn, JSON.stringify({ username: this.engines.database.user, password: this.engines.database.password }));
        return {
          id,
          state: {
            ...state,
            endpoint: this.engines.database.host,
            port: this.engines.database.port,
            masterUserSecrets: [{ secretArn, secretStatus: "active" }],
            engineVersion: "local-mariadb",
          },
        };
      }
    }
    return { id, state };
  }

  /** A queue's URL: CreateQueue answers with it for a queue that exists. */
  private async queueUrl(queueName: string): Promise<string> {
    const { QueueUrl } = await this.engines.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    return QueueUrl!;
  }

  private async createTable(name: string, inputs: PulumiValues, tableArn: string) {
    const keys: KeySchemaElement[] = [
      { AttributeName: inputs.hashKey, KeyType: "HASH" },
      ...(inputs.rangeKey ? [{ AttributeName: inputs.rangeKey, KeyType: "RANGE" as const }] : []),
    ];
    const indexes = (inputs.globalSecondaryIndexes ?? []).map((index: PulumiValues) => ({
      IndexName: index.name,
      KeySchema: [{ AttributeName: index.hashKey, KeyType: "HASH" }, ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" }] : [])],
      Projection: { ProjectionType: index.projectionType ?? "ALL", NonKeyAttributes: index.nonKeyAttributes },
    }));
    await this.engines.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: inputs.attributes.map((a: { name: string; type: "S" | "N" | "B" }) => ({ AttributeName: a.name, AttributeType: a.type })),
        KeySchema: keys,
        GlobalSecondaryIndexes: indexes.length ? indexes : undefined,
        StreamSpecification: inputs.streamEnabled ? { StreamEnabled: true, StreamViewType: inputs.streamViewType } : undefined,
      }),
    );
    if (inputs.ttl?.enabled) {
      await this.engines.dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: inputs.ttl.attributeName, Enabled: true } }),
      );
    }
    const { Table } = await this.engines.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    const label = Table?.LatestStreamLabel ?? "";
    return { streamArn: inputs.streamEnabled ? `${tableArn}/stream/${label}` : undefined, streamLabel: label };
  }
}
