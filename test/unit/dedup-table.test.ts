import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DedupTable } from "../../components/dedup-table";
import { checkedExternalId } from "../../components/internal/external-id";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const CONSUMER_ARN = `${STREAM_ARN}/consumer/poc-ingest:1706616477`;
const WRITER_PRINCIPAL = "arn:aws:iam::111111111111:role/prod-clicks-ingest-role-5d4c3b2";
const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11";

describe("DedupTable", () => {
  describe("with defaults", () => {
    const cloud = new MockCloud();
    let component: DedupTable;

    before(async () => {
      await cloud.install();
      component = new DedupTable("clicks", { pull: { streamArn: STREAM_ARN } });
      await cloud.settle();
    });

    it("keys the table as the cross-account replication design does: hash seqNumbershardIdHash, range sequenceNumber, both strings", () => {
      const table = cloud.one("aws:dynamodb/table:Table").inputs;
      expect(table.hashKey).to.equal("seqNumbershardIdHash");
      expect(table.rangeKey).to.equal("sequenceNumber");
      expect(table.attributes).to.deep.equal([
        { name: "seqNumbershardIdHash", type: "S" },
        { name: "sequenceNumber", type: "S" },
      ]);
    });

    it("is on-demand, streams new images, keeps point-in-time recovery and encrypts at rest", () => {
      const table = cloud.one("aws:dynamodb/table:Table").inputs;
      expect(table.billingMode).to.equal("PAY_PER_REQUEST");
      expect(table.streamEnabled).to.equal(true);
      expect(table.streamViewType).to.equal("NEW_IMAGE");
      expect(table.pointInTimeRecovery).to.deep.equal({ enabled: true });
      expect(table.serverSideEncryption.enabled).to.equal(true);
      expect(table.deletionProtectionEnabled).to.equal(false);
      expect(cloud.ofType("aws:appautoscaling/target:Target")).to.have.length(0);
    });

    it("maps the stream to the ingest function from the trim horizon with partial batch responses", async () => {
      const mapping = cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
      const fn = cloud.one("aws:lambda/function:Function");
      const bucket = cloud.one("aws:s3/bucket:Bucket");
      expect(mapping).to.include({
        eventSourceArn: STREAM_ARN,
        functionName: fn.state.arn,
        startingPosition: "TRIM_HORIZON",
        enabled: true,
        batchSize: 300,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 10,
        maximumRecordAgeInSeconds: 86_400,
        parallelizationFactor: 1,
        maximumBatchingWindowInSeconds: 0,
      });
      expect(mapping.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
      expect(mapping.destinationConfig.onFailure.destinationArn).to.equal(bucket.state.arn);
    });

    it("runs the bundled ingest code on nodejs22.x, arm64, with the table and dead-letter bucket in its environment", () => {
      const fn = cloud.one("aws:lambda/function:Function").inputs;
      const table = cloud.one("aws:dynamodb/table:Table").state;
      const bucket = cloud.one("aws:s3/bucket:Bucket").state;
      expect(fn.runtime).to.equal("nodejs22.x");
      expect(fn.architectures).to.deep.equal(["arm64"]);
      expect(fn.handler).to.equal("index.handler");
      expect(fn.timeout).to.equal(120);
      expect(fn.environment.variables).to.include({ TABLE_NAME: table.name, DEAD_LETTER_BUCKET: bucket.bucket });
      expect(fn.loggingConfig.logFormat).to.equal("JSON");
    });

    it("lets the ingest role write only this table, read only the source stream, and park only in its bucket", () => {
      const table = cloud.one("aws:dynamodb/table:Table").state;
      const bucket = cloud.one("aws:s3/bucket:Bucket").state;
      const logGroup = cloud.one("aws:cloudwatch/logGroup:LogGroup").state;
      const statements = policyOf(cloud.one("aws:iam/rolePolicy:RolePolicy")).Statement;
      expect(statements).to.deep.equal([
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup.arn}:*` },
        { Sid: "WriteDedupTable", Effect: "Allow", Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: table.arn },
        {
          Sid: "ReadSourceStream",
          Effect: "Allow",
          Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
          Resource: STREAM_ARN,
        },
        { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket.arn}/*` },
        { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket.arn },
      ]);
    });

    it("lets only Lambda in this account assume the ingest role", () => {
      const trust = policyOf(cloud.one("aws:iam/role:Role"), "assumeRolePolicy").Statement;
      expect(trust).to.deep.equal([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": cloud.accountId } },
        },
      ]);
    });

    it("keeps the function's logs in its own log group for 30 days", () => {
      const logGroup = cloud.one("aws:cloudwatch/logGroup:LogGroup");
      expect(logGroup.inputs.retentionInDays).to.equal(30);
      expect(cloud.one("aws:lambda/function:Function").inputs.loggingConfig.logGroup).to.equal(logGroup.state.name);
    });

    it("parks dead letters in a private, encrypted bucket that refuses requests without TLS", () => {
      const bucket = cloud.one("aws:s3/bucket:Bucket").state;
      expect(cloud.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.include({
        bucket: bucket.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const encryption = cloud.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs;
      expect(encryption.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
      const policy = policyOf(cloud.one("aws:s3/bucketPolicy:BucketPolicy")).Statement;
      expect(policy).to.deep.equal([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("parents every child to the component", async () => {
      const children = await cloud.childrenOf(component);
      const everyoneElse = cloud.resources.filter((r) => r.type !== "stream-replication:index:DedupTable");
      expect(children.map((r) => r.name).sort()).to.deep.equal(everyoneElse.map((r) => r.name).sort());
    });

    it("exposes the table, its stream, the function, the role and the dead-letter bucket", async () => {
      const table = cloud.one("aws:dynamodb/table:Table").state;
      expect(await resolve(component.tableName)).to.equal(table.name);
      expect(await resolve(component.tableArn)).to.equal(table.arn);
      expect(await resolve(component.tableStreamArn)).to.equal(table.streamArn);
      expect(await resolve(component.ingestFunctionArn)).to.equal(cloud.one("aws:lambda/function:Function").state.arn);
      expect(await resolve(component.ingestRoleArn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
      expect(await resolve(component.ingestDeadLetterBucketArn)).to.equal(cloud.one("aws:s3/bucket:Bucket").state.arn);
    });

    it("exposes its child resources themselves, for a program to attach what the component did not think of", async () => {
      expect(await resolve(component.table.arn)).to.equal(cloud.one("aws:dynamodb/table:Table").state.arn);
      expect(await resolve(component.ingest!.function.arn)).to.equal(cloud.one("aws:lambda/function:Function").state.arn);
      expect(await resolve(component.ingest!.role.arn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
      expect(await resolve(component.ingest!.logGroup.arn)).to.equal(cloud.one("aws:cloudwatch/logGroup:LogGroup").state.arn);
      expect(await resolve(component.ingest!.deadLetterBucket.arn)).to.equal(cloud.one("aws:s3/bucket:Bucket").state.arn);
      expect(await resolve(component.ingest!.mapping!.uuid)).to.equal(await resolve(component.eventSourceMappingId));
      expect(component.writerRole).to.equal(undefined);
    });
  });

  describe("with every option", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new DedupTable("clicks", {
        pull: { streamArn: STREAM_ARN, consumerArn: CONSUMER_ARN, streamKmsKeyArn: KEY_ARN },
        table: {
          billingMode: "PROVISIONED",
          capacity: { read: 20, write: 20, maxWrite: 400, targetUtilization: 60 },
          streamViewType: "NEW_AND_OLD_IMAGES",
          kmsKeyArn: "arn:aws:kms:eu-west-1:999999999999:key/table-key",
          deletionProtection: true,
          globalSecondaryIndexes: [{ name: "by-user", hashKey: "useremail", rangeKey: "nanotimestamp", attributeTypes: { nanotimestamp: "N" } }],
          expireAfterDays: 10,
        },
        ingest: {
          batchSize: 100,
          parallelizationFactor: 4,
          maximumBatchingWindowInSeconds: 5,
          maximumRetryAttempts: 3,
          maximumRecordAgeInSeconds: 3600,
          deadLetterExpireAfterDays: 90,
          enabled: false,
        },
      });
      await cloud.settle();
    });

    it("reads through the enhanced fan-out consumer, may describe and subscribe to it, and decrypts only this stream's records through Kinesis", () => {
      const mapping = cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
      expect(mapping.eventSourceArn).to.equal(CONSUMER_ARN);
      const statements = policyOf(cloud.one("aws:iam/rolePolicy:RolePolicy")).Statement;
      expect(statements).to.deep.include({
        Sid: "ReadFanOutConsumer",
        Effect: "Allow",
        Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
        Resource: CONSUMER_ARN,
      });
      expect(statements).to.deep.include({
        Sid: "DecryptSourceStream",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY_ARN,
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": STREAM_ARN } },
      });
    });

    it("passes the mapping options through, a paused mapping (enabled: false) included", () => {
      expect(cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs).to.include({
        batchSize: 100,
        parallelizationFactor: 4,
        maximumBatchingWindowInSeconds: 5,
        maximumRetryAttempts: 3,
        maximumRecordAgeInSeconds: 3600,
        enabled: false,
      });
    });

    it("provisions capacity with target-tracking autoscaling on reads and writes", () => {
      const table = cloud.one("aws:dynamodb/table:Table").inputs;
      expect(table).to.include({ billingMode: "PROVISIONED", readCapacity: 20, writeCapacity: 20 });
      const targets = cloud.ofType("aws:appautoscaling/target:Target").map((t) => t.inputs);
      expect(targets.map((t) => [t.scalableDimension, t.minCapacity, t.maxCapacity])).to.deep.equal([
        ["dynamodb:table:ReadCapacityUnits", 20, 200],
        ["dynamodb:table:WriteCapacityUnits", 20, 400],
      ]);
      expect(targets[0].resourceId).to.equal(`table/${cloud.one("aws:dynamodb/table:Table").state.name}`);
      const policies = cloud.ofType("aws:appautoscaling/policy:Policy").map((p) => p.inputs.targetTrackingScalingPolicyConfiguration);
      expect(policies.map((p) => [p.predefinedMetricSpecification.predefinedMetricType, p.targetValue])).to.deep.equal([
        ["DynamoDBReadCapacityUtilization", 60],
        ["DynamoDBWriteCapacityUtilization", 60],
      ]);
    });

    it("streams old and new images, uses the customer key, protects from deletion, indexes by user and expires by TTL", () => {
      const table = cloud.one("aws:dynamodb/table:Table").inputs;
      expect(table.streamViewType).to.equal("NEW_AND_OLD_IMAGES");
      expect(table.serverSideEncryption).to.deep.equal({ enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:999999999999:key/table-key" });
      expect(table.deletionProtectionEnabled).to.equal(true);
      expect(table.attributes).to.deep.include({ name: "useremail", type: "S" });
      expect(table.attributes).to.deep.include({ name: "nanotimestamp", type: "N" });
      expect(table.globalSecondaryIndexes[0]).to.include({
        name: "by-user",
        hashKey: "useremail",
        rangeKey: "nanotimestamp",
        projectionType: "ALL",
        readCapacity: 20,
      });
      expect(table.ttl).to.deep.equal({ attributeName: "dedupExpiresAt", enabled: true });
      expect(cloud.one("aws:lambda/function:Function").inputs.environment.variables.EXPIRE_AFTER_SECONDS).to.equal(String(10 * 86_400));
    });

    it("expires dead letters after the given days", () => {
      const lifecycle = cloud.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs;
      expect(lifecycle.rules[0].expiration).to.deep.equal({ days: 90 });
    });
  });

  describe("argument validation", () => {
    const build = (args: Partial<ConstructorParameters<typeof DedupTable>[1]>) => () => new DedupTable("bad", { pull: { streamArn: STREAM_ARN }, ...args });

    before(() => new MockCloud().install());

    it("names an out-of-range batch size", () => {
      expect(build({ ingest: { batchSize: 0 } })).to.throw(/DedupTable "bad".*\n.*ingest\.batchSize must be an integer from 1 to 10000, got 0/);
    });

    it("names an enabled setting that is not true or false", () => {
      expect(build({ ingest: { enabled: "no" as never } })).to.throw(/ingest\.enabled must be true or false, got "no"/);
    });

    it("requires capacity with provisioned billing", () => {
      expect(build({ table: { billingMode: "PROVISIONED" } })).to.throw(/table\.capacity is required when table\.billingMode is "PROVISIONED"/);
    });

    it("rejects capacity with on-demand billing, naming both arguments", () => {
      expect(build({ table: { capacity: { read: 5, write: 5 } } })).to.throw(/table\.capacity conflicts with table\.billingMode/);
    });

    it("rejects an unknown stream view type", () => {
      expect(build({ table: { streamViewType: "KEYS_ONLY" as "NEW_IMAGE" } })).to.throw(
        /table\.streamViewType must be one of "NEW_IMAGE", "NEW_AND_OLD_IMAGES", got "KEYS_ONLY"/,
      );
    });

    it("reports every problem at once", () => {
      expect(build({ ingest: { parallelizationFactor: 11, maximumRetryAttempts: -1 } })).to.throw(/parallelizationFactor[\s\S]*maximumRetryAttempts/);
    });

    it("keeps each access mode's arguments to that mode", () => {
      expect(build({ push: { externalId: "x-1234" } })).to.throw(/give either pull or push, not both/);
      expect(() => new DedupTable("bad", { push: { externalId: "x-1234" }, ingest: { batchSize: 10 } })).to.throw(
        /ingest is for pull; with push the ingest function runs in the source account/,
      );
    });

    it("requires an external ID in push mode, and a role ARN as the writer principal", () => {
      const push = () => new DedupTable("bad", { push: { principalArn: "arn:aws:iam::111111111111:root" } as never });
      expect(push).to.throw(/push\.externalId is required[\s\S]*push\.principalArn must be an IAM role ARN/);
    });
  });

  describe("pull mode before the source has granted access", () => {
    const cloud = new MockCloud();
    let component: DedupTable;

    before(async () => {
      await cloud.install();
      component = new DedupTable("clicks", {});
      await cloud.settle();
    });

    it("deploys the table, the ingest function and its role, so the source account can grant that role", async () => {
      cloud.one("aws:dynamodb/table:Table");
      cloud.one("aws:lambda/function:Function");
      expect(await resolve(component.ingestRoleArn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
    });

    it("has no event source mapping and no stream access yet", async () => {
      expect(cloud.ofType("aws:lambda/eventSourceMapping:EventSourceMapping")).to.have.length(0);
      const sids = policyOf(cloud.one("aws:iam/rolePolicy:RolePolicy")).Statement.map((s) => s.Sid);
      expect(sids).to.deep.equal(["WriteOwnLogs", "WriteDedupTable", "WriteDeadLetters", "ListDeadLetters"]);
      expect(await resolve(component.eventSourceMappingId)).to.equal(undefined);
    });

    it("keeps the logical names it will have once the stream is given, so nothing is replaced", async () => {
      const later = new MockCloud();
      await later.install();
      new DedupTable("clicks", { pull: { streamArn: STREAM_ARN } });
      await later.settle();
      const urns = (c: MockCloud) => c.resources.map((r) => r.urn);
      expect(urns(later)).to.include.members(urns(cloud));
      expect(urns(later).filter((u) => !urns(cloud).includes(u))).to.deep.equal([
        "urn:pulumi:test::stream-replication::stream-replication:index:DedupTable$aws:lambda/eventSourceMapping:EventSourceMapping::clicks-ingest-mapping",
        // The mapping's alarms on the records it gives up on come with it.
        "urn:pulumi:test::stream-replication::stream-replication:index:DedupTable$aws:cloudwatch/metricAlarm:MetricAlarm::clicks-ingest-on-failure-alarm",
        "urn:pulumi:test::stream-replication::stream-replication:index:DedupTable$aws:cloudwatch/metricAlarm:MetricAlarm::clicks-ingest-dropped-alarm",
      ]);
    });
  });

  describe("push mode", () => {
    const cloud = new MockCloud();
    let component: DedupTable;

    before(async () => {
      await cloud.install();
      component = new DedupTable("clicks", { push: { principalArn: WRITER_PRINCIPAL, externalId: "poc-writer-7f3a" } });
      await cloud.settle();
    });

    it("lets only the source account's push function role assume the writer role, and only with the external ID", () => {
      const trust = policyOf(cloud.one("aws:iam/role:Role"), "assumeRolePolicy").Statement;
      expect(trust).to.deep.equal([
        {
          Sid: "SourceIngestFunctionOnly",
          Effect: "Allow",
          Principal: { AWS: WRITER_PRINCIPAL },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "poc-writer-7f3a" } },
        },
      ]);
    });

    it("lets the writer role write items to this table and do nothing else", () => {
      const table = cloud.one("aws:dynamodb/table:Table").state;
      expect(policyOf(cloud.one("aws:iam/rolePolicy:RolePolicy")).Statement).to.deep.equal([
        { Sid: "WriteDedupTable", Effect: "Allow", Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: table.arn },
      ]);
    });

    it("runs no function and keeps no dead-letter bucket in this account", async () => {
      expect(cloud.ofType("aws:lambda/function:Function")).to.have.length(0);
      expect(cloud.ofType("aws:s3/bucket:Bucket")).to.have.length(0);
      expect(await resolve(component.writerRoleArn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
      expect(await resolve(component.ingestRoleArn)).to.equal(undefined);
      expect(await resolve(component.writerRole!.arn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
      expect(component.ingest).to.equal(undefined);
    });

    it("refuses, once its value is known, an external ID STS would refuse", async () => {
      const refused = await (checkedExternalId(pulumi.secret("no spaces allowed"), "writerExternalId") as unknown as { promise(): Promise<string> })
        .promise()
        .catch((e: Error) => e.message);
      expect(refused).to.equal("writerExternalId must be 2–1224 characters of letters, digits and +=,.@:/-");
    });

    it("waits for the writer principal before creating the writer role", async () => {
      const early = new MockCloud();
      await early.install();
      const table = new DedupTable("clicks", { push: { externalId: "poc-writer-7f3a" } });
      await early.settle();
      expect(early.ofType("aws:iam/role:Role")).to.have.length(0);
      expect(await resolve(table.writerRoleArn)).to.equal(undefined);
    });
  });

  describe("item expiry: the table keeps an item as long as its record can be delivered again, and no longer", () => {
    const expiry = async (args: ConstructorParameters<typeof DedupTable>[1]) => {
      const cloud = new MockCloud();
      await cloud.install();
      const component = new DedupTable("clicks", args);
      await cloud.settle();
      const fn = cloud.ofType("aws:lambda/function:Function")[0];
      return {
        ttl: cloud.one("aws:dynamodb/table:Table").inputs.ttl,
        seconds: fn?.inputs.environment.variables.EXPIRE_AFTER_SECONDS,
        days: component.itemExpireAfterDays,
      };
    };

    it("by default: the source stream's 24 h, the mapping's one day of retries, and a day to spare", async () => {
      expect(await expiry({ pull: { streamArn: STREAM_ARN } })).to.deep.equal({
        ttl: { attributeName: "dedupExpiresAt", enabled: true },
        seconds: String(3 * 86_400),
        days: 3,
      });
    });

    it("longer when the source stream keeps records longer, or the mapping retries them longer", async () => {
      expect((await expiry({ pull: { streamArn: STREAM_ARN, streamRetentionHours: 168 }, ingest: { maximumRecordAgeInSeconds: 3_600 } })).days).to.equal(9);
    });

    it("never, with table.expireItems false: no TTL and no expiry written", async () => {
      expect(await expiry({ pull: { streamArn: STREAM_ARN }, table: { expireItems: false } })).to.deep.equal({
        ttl: undefined,
        seconds: undefined,
        days: undefined,
      });
    });

    it("in push mode, on the attribute the source account's ingest function writes", async () => {
      expect((await expiry({ push: { principalArn: WRITER_PRINCIPAL, externalId: "poc-writer-7f3a" } })).ttl).to.deep.equal({
        attributeName: "dedupExpiresAt",
        enabled: true,
      });
    });

    it("refuses at preview an expiry a redelivered record could outlive, naming the least", async () => {
      await new MockCloud().install();
      expect(() => new DedupTable("bad", { pull: { streamRetentionHours: 72 }, table: { expireAfterDays: 4 } })).to.throw(
        /table\.expireAfterDays 4 is shorter than a record can be delivered again: the source stream keeps it 72 h, the mapping retries it for up to 86400 s, and a day to spare makes 5 days at least/,
      );
    });
  });
});
