import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, type KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { type LocalFirehose } from "./firehose";
import { type LocalFunctions } from "./functions";
import { type MappingSpec } from "./mappings";
import { unwrapSecrets } from "./mock-inputs";
import { type LocalNotifications } from "./notifications";

export interface LocalEngines {
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  s3: S3Client;
  sqs: SQSClient;
  database: { host: string; port: number; user: string; password: string };
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 7);

/** The text of `index.js` in a function's AssetArchive (under mocks, its parts arrive as promises). */
async function bundleText(code: any): Promise<string> {
  const assets = await code?.assets;
  const text = await assets?.["index.js"]?.text;
  if (typeof text !== "string") throw new Error("the function's code is not an AssetArchive with index.js");
  return text;
}

/** The last path part of an ARN's resource, such as the stream or table name. */
const resourceName = (arn: string, kind: string): string => arn.split(`:${kind}/`)[1]?.split("/")[0] ?? arn;

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

  constructor(
    private readonly engines: LocalEngines,
    private readonly runtime: { functions: LocalFunctions; firehose: LocalFirehose; notifications: LocalNotifications; secrets: Map<string, string> },
    private readonly account: string,
    private readonly region = "eu-west-1",
  ) {}

  /** Resolves once every resource registered so far is realized and none arrived for a moment. */
  async settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 5) {
      await new Promise((done) => setTimeout(done, 40));
      quiet = this.pending === 0 ? quiet + 1 : 0;
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: this.account, arn: `arn:aws:iam::${this.account}:user/local`, userId: "AIDALOCAL", id: this.account };
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:ec2/getRouteTables:getRouteTables":
        return { id: "local", ids: ["rtb-local"] };
      case "aws:ec2/getPrefixList:getPrefixList":
        return { id: "pl-local", name: args.inputs.name, cidrBlocks: [] };
      default:
        return args.inputs;
    }
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, any> }> {
    this.pending += 1;
    try {
      return await this.realize(args.type, args.name, unwrapSecrets(args.inputs));
    } finally {
      this.pending -= 1;
    }
  }

  private async realize(type: string, name: string, inputs: Record<string, any>): Promise<{ id: string; state: Record<string, any> }> {
    const { account, region } = this;
    const physical = String(inputs.name ?? `${name}-${hash(name)}`);
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
    switch (type) {
      case "aws:kinesis/stream:Stream": {
        await this.engines.kinesis.send(new CreateStreamCommand({ StreamName: physical, ShardCount: inputs.shardCount ?? 2 }));
        while ((await this.engines.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: physical }))).StreamDescriptionSummary?.StreamStatus !== "ACTIVE") {
          await new Promise((done) => setTimeout(done, 50));
        }
        return { id: physical, state: { ...inputs, name: physical, arn: arn("kinesis", `stream/${physical}`) } };
      }
      case "aws:kinesis/streamConsumer:StreamConsumer":
        return { id: physical, state: { ...inputs, name: physical, arn: `${inputs.streamArn}/consumer/${physical}:1` } };
      case "aws:dynamodb/table:Table":
        return this.createTable(physical, inputs, arn("dynamodb", `table/${physical}`));
      case "aws:s3/bucket:Bucket": {
        const bucket = `${name}-${hash(name)}`.toLowerCase();
        await this.engines.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
      }
      case "aws:sqs/queue:Queue": {
        const { QueueUrl } = await this.engines.sqs.send(new CreateQueueCommand({ QueueName: physical }));
        const { Attributes } = await this.engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
        return { id: QueueUrl!, state: { ...inputs, name: physical, url: QueueUrl, arn: Attributes?.QueueArn ?? arn("sqs", physical) } };
      }
      case "aws:lambda/function:Function": {
        const functionArn = arn("lambda", `function:${physical}`);
        this.runtime.functions.register({ name: physical, arn: functionArn, role: String(inputs.role), code: await bundleText(inputs.code), environment: inputs.environment?.variables ?? {}, memorySize: inputs.memorySize ?? 128 });
        return { id: physical, state: { ...inputs, name: physical, arn: functionArn, qualifiedArn: `${functionArn}:$LATEST`, version: "$LATEST" } };
      }
      case "aws:lambda/eventSourceMapping:EventSourceMapping": {
        const uuid = `${hash(name)}-0000-4000-8000-000000000000`;
        const source = String(inputs.eventSourceArn);
        const kind = source.startsWith("arn:aws:kinesis") ? "kinesis" : "dynamodb";
        const functionName = String(inputs.functionName).split(":function:").pop()!;
        this.mappings.push({
          uuid,
          functionName,
          invokeIdentityArn: this.runtime.functions.byArn(functionName)?.role ?? arn("iam", `role/${functionName}`),
          kind,
          source: kind === "kinesis" ? resourceName(source, "stream") : resourceName(source, "table"),
          sourceArn: source,
          batchSize: inputs.batchSize ?? 100,
          bisectBatchOnFunctionError: inputs.bisectBatchOnFunctionError ?? false,
          maximumRetryAttempts: inputs.maximumRetryAttempts ?? 10_000,
          reportBatchItemFailures: (inputs.functionResponseTypes ?? []).includes("ReportBatchItemFailures"),
          onFailureBucket: inputs.destinationConfig?.onFailure?.destinationArn?.replace("arn:aws:s3:::", ""),
        });
        return { id: uuid, state: { ...inputs, uuid, arn: arn("lambda", `event-source-mapping:${uuid}`) } };
      }
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {
        const s3 = inputs.extendedS3Configuration;
        const processorArn = s3.processingConfiguration?.processors?.[0]?.parameters?.find((p: { parameterName: string }) => p.parameterName === "LambdaArn")?.parameterValue;
        const streamArn = arn("firehose", `deliverystream/${physical}`);
        this.runtime.firehose.register({
          name: physical,
          arn: streamArn,
          bucket: String(s3.bucketArn).replace("arn:aws:s3:::", ""),
          prefix: s3.prefix ?? "",
          errorOutputPrefix: s3.errorOutputPrefix ?? "",
          bufferSizeMiB: s3.bufferingSize ?? 5,
          bufferIntervalSeconds: s3.bufferingInterval ?? 300,
          compression: s3.compressionFormat ?? "UNCOMPRESSED",
          fileExtension: s3.fileExtension ?? "",
          processor: processorArn && this.runtime.functions.byArn(processorArn)?.name,
        });
        return { id: physical, state: { ...inputs, name: physical, arn: streamArn } };
      }
      case "aws:s3/bucketNotification:BucketNotification":
        for (const target of inputs.lambdaFunctions ?? []) {
          this.runtime.notifications.register({
            // The provider names a configuration it was not given an id for, as S3 requires one.
            id: target.id ?? `tf-s3-lambda-${hash(`${inputs.bucket}/${target.filterPrefix ?? ""}`)}`,
            bucket: inputs.bucket,
            functionName: this.runtime.functions.byArn(target.lambdaFunctionArn)!.name,
            filterPrefix: target.filterPrefix ?? "",
          });
        }
        return { id: inputs.bucket, state: inputs };
      case "aws:lambda/invocation:Invocation": {
        // A deploy-time invocation (the loader's database user): run it now, as `pulumi up` would, failing the stack with its error.
        const result = await this.runtime.functions.invoke(String(inputs.functionName), JSON.parse(inputs.input));
        return { id: `${physical}-id`, state: { ...inputs, result: JSON.stringify(result) } };
      }
      case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
        const queueArn: string | undefined = inputs.destinationConfig?.onFailure?.destination;
        const queueName = queueArn?.split(":").pop();
        this.runtime.notifications.configureAsync(inputs.functionName, {
          maximumRetryAttempts: inputs.maximumRetryAttempts ?? 2,
          onFailureQueueUrl: queueName && (await this.queueUrl(queueName)),
        });
        return { id: inputs.functionName, state: inputs };
      }
      case "aws:rds/cluster:Cluster": {
        const secretArn = arn("secretsmanager", `secret:rds!cluster-${hash(name)}`);
        this.runtime.secrets.set(secretArn, JSON.stringify({ username: this.engines.database.user, password: this.engines.database.password }));
        return {
          id: physical,
          state: { ...inputs, arn: arn("rds", `cluster:${physical}`), endpoint: this.engines.database.host, port: this.engines.database.port, masterUserSecrets: [{ secretArn, secretStatus: "active" }], engineVersion: "local-mariadb" },
        };
      }
      case "pulumi:pulumi:StackReference":
        // Every local run is a first deployment: no stack has outputs yet (the stacks read their own last deployment's).
        return { id: inputs.name, state: { ...inputs, outputs: {}, secretOutputNames: [] } };
      case "awsx:ec2:Vpc":
        return { id: `vpc-${hash(name)}`, state: { ...inputs, vpcId: `vpc-${hash(name)}`, isolatedSubnetIds: ["subnet-local-a", "subnet-local-b"], privateSubnetIds: [], publicSubnetIds: [] } };
      case "aws:iam/role:Role":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:role/${physical}` } };
      case "aws:kms/key:Key":
        return { id: hash(name), state: { ...inputs, keyId: hash(name), arn: arn("kms", `key/${hash(name)}`) } };
      case "aws:iam/policy:Policy":
        return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:iam::${account}:policy/${physical}` } };
      default:
        return { id: `${physical}-id`, state: { ...inputs, name: physical, arn: arn(type.split(":")[1]?.split("/")[0] ?? "local", physical) } };
    }
  }

  /** A queue's URL: CreateQueue answers with it for a queue that exists. */
  private async queueUrl(queueName: string): Promise<string> {
    const { QueueUrl } = await this.engines.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    return QueueUrl!;
  }

  private async createTable(name: string, inputs: Record<string, any>, tableArn: string) {
    const keys: KeySchemaElement[] = [{ AttributeName: inputs.hashKey, KeyType: "HASH" }, ...(inputs.rangeKey ? [{ AttributeName: inputs.rangeKey, KeyType: "RANGE" as const }] : [])];
    const indexes = (inputs.globalSecondaryIndexes ?? []).map((index: any) => ({
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
    const { Table } = await this.engines.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    const label = Table?.LatestStreamLabel ?? "";
    return { id: name, state: { ...inputs, name, arn: tableArn, streamArn: inputs.streamEnabled ? `${tableArn}/stream/${label}` : undefined, streamLabel: label } };
  }
}
