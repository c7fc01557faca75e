import { expect } from "chai";
import { AuroraLoader } from "../../components/aurora-loader";
import { CrossAccountStreamSource } from "../../components/cross-account-stream-source";
import { DedupTable } from "../../components/dedup-table";
import { FirehoseArchive } from "../../components/firehose-archive";
import { PushIngest } from "../../components/push-ingest";
import { StreamProjection } from "../../components/stream-projection";
import { MockCloud, resolve } from "../harness/mock-cloud";
import { takesTags } from "../support/tags";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const TABLE_STREAM = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026-01-01T00:00:00.000";
const PRINCIPAL = "arn:aws:iam::111111111111:role/clicks-ingest-role";
const BUCKET = "clicks-bucket-1a2b3c4";
const COLUMNS = ["dedup_key", "change", "changed_at", "stream_sequence", "page_id", "hits"];
const INDEX = { kind: "index" as const, hashKey: "useremail" };

describe("one interface style across components", () => {
  describe("DedupTable's access modes as pull or push", () => {
    it("builds from push: {…} the writer role trusting the principal with the external ID, and no function", async () => {
      const cloud = new MockCloud();
      await cloud.install();
      const table = new DedupTable("clicks", { push: { principalArn: PRINCIPAL, externalId: "poc-writer-7f3a" } });
      await cloud.settle();
      expect(cloud.ofType("aws:lambda/function:Function")).to.have.length(0);
      const trust = JSON.parse(cloud.named("clicks-writer-role").inputs.assumeRolePolicy as string).Statement[0];
      expect(trust).to.deep.include({ Principal: { AWS: PRINCIPAL }, Condition: { StringEquals: { "sts:ExternalId": "poc-writer-7f3a" } } });
      expect(await resolve(table.writerRoleArn)).to.equal(cloud.named("clicks-writer-role").state.arn);
    });

    describe("refuses at preview", () => {
      before(() => new MockCloud().install());
      const build = (args: ConstructorParameters<typeof DedupTable>[1]) => () => new DedupTable("bad", args);

      it("both modes at once", () => {
        expect(build({ pull: {}, push: { externalId: "poc-writer-7f3a" } })).to.throw(
          /DedupTable "bad": invalid arguments:[\s\S]*give either pull or push, not both/,
        );
      });

      it("push without an external ID, with a bad one, with a principal that is no role, or with the pull-only ingest settings", () => {
        expect(build({ push: {} as never })).to.throw(/push\.externalId is required/);
        expect(build({ push: { externalId: "no spaces allowed" } })).to.throw(/push\.externalId must be 2–1224 characters/);
        expect(build({ push: { externalId: "poc-writer-7f3a", principalArn: "arn:aws:iam::111111111111:root" } })).to.throw(
          /push\.principalArn must be an IAM role ARN/,
        );
        expect(build({ push: { externalId: "poc-writer-7f3a" }, ingest: { batchSize: 5 } })).to.throw(
          /ingest is for pull; with push the ingest function runs in the source account/,
        );
      });
    });
  });

  describe("function settings by role, with the same fields", () => {
    const cloud = new MockCloud();
    let archive: FirehoseArchive;
    let projection: StreamProjection;
    let loader: AuroraLoader;

    before(async () => {
      await cloud.install();
      archive = new FirehoseArchive("clicks", {
        tableStreamArn: TABLE_STREAM,
        forward: { deadLetterExpireAfterDays: 30, logRetentionDays: 90 },
        transform: { logRetentionDays: 14 },
      });
      projection = new StreamProjection("by-user", {
        tableStreamArn: TABLE_STREAM,
        projection: INDEX,
        project: { batchSize: 25, deadLetterExpireAfterDays: 7 },
      });
      loader = new AuroraLoader("warehouse", {
        archiveBucketName: BUCKET,
        archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
        columns: COLUMNS,
        load: { memorySize: 1024, deadLetterExpireAfterDays: 4, logRetentionDays: 60 },
      });
      await cloud.settle();
    });

    const lifecycleOf = (bucket: string) =>
      cloud.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.name === `${bucket}-lifecycle`)!.inputs;
    const retentionOf = (fn: string) => cloud.ofType("aws:cloudwatch/logGroup:LogGroup").find((r) => r.name === `${fn}-logs`)?.inputs.retentionInDays;

    it("expires FirehoseArchive's forward dead letters, and keeps each function's logs, as its role's settings say", () => {
      expect(lifecycleOf("clicks-forward-dead-letter").rules[0].expiration).to.deep.equal({ days: 30 });
      expect(retentionOf("clicks-forward")).to.equal(90);
      expect(retentionOf("clicks-transform")).to.equal(14);
    });

    it("takes StreamProjection's settings under project", () => {
      expect(cloud.named("by-user-project-mapping").inputs.batchSize).to.equal(25);
      expect(lifecycleOf("by-user-dead-letter").rules[0].expiration).to.deep.equal({ days: 7 });
    });

    it("takes AuroraLoader's settings under load: its size, its logs, and how long its failed events are kept", () => {
      expect(cloud.named("warehouse-load-function").inputs.memorySize).to.equal(1024);
      expect(retentionOf("warehouse-load")).to.equal(60);
      expect(cloud.named("warehouse-failed-events").inputs.messageRetentionSeconds).to.equal(4 * 86_400);
    });

    it("names every function's outputs by role, so that no one parses them out of ARNs", async () => {
      expect(await resolve(archive.forwardFunctionName)).to.equal(cloud.named("clicks-forward-function").state.name);
      expect(await resolve(archive.transformFunctionName)).to.equal(cloud.named("clicks-transform-function").state.name);
      expect(await resolve(archive.forwardDeadLetterBucketArn)).to.equal(cloud.named("clicks-forward-dead-letter").state.arn);
      expect(await resolve(projection.projectFunctionName)).to.equal(cloud.named("by-user-project-function").state.name);
      expect(await resolve(projection.projectRoleArn)).to.equal(cloud.named("by-user-project-role").state.arn);
      expect(await resolve(projection.projectDeadLetterBucketName)).to.equal(cloud.named("by-user-dead-letter").state.bucket);
      expect(await resolve(loader.loadFunctionName)).to.equal(cloud.named("warehouse-load-function").state.name);
    });

    it("names the metrics its log filters count, and lists every alarm it created", async () => {
      const filterMetric = (name: string) => cloud.named(`${name}-filter`).inputs.metricTransformation.name;
      expect(archive.forwardParkedMetricName).to.equal(filterMetric("clicks-forward-parked"));
      expect(archive.failedTransformationsMetricName).to.equal(filterMetric("clicks-failed-transformations"));
      expect(projection.projectParkedMetricName).to.equal(filterMetric("by-user-project-parked"));
      expect(loader.rejectedRowsMetricName).to.equal(filterMetric("warehouse-rejected-rows"));
      const alarmsOf = (prefix: string) =>
        cloud
          .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
          .filter((a) => a.name.startsWith(prefix))
          .map((a) => a.state.name);
      expect(await resolve(archive.alarmNames))
        .to.have.members(alarmsOf("clicks-"))
        .and.have.length.greaterThan(4);
      expect(await resolve(loader.alarmNames)).to.have.members(alarmsOf("warehouse-"));
    });
  });

  it("names PushIngest's and DedupTable's dead-letter bucket and parked-record metric by role", async () => {
    const cloud = new MockCloud();
    await cloud.install();
    const push = new PushIngest("clicks", {
      streamArn: STREAM_ARN,
      writer: { roleArn: "arn:aws:iam::999999999999:role/w", externalId: "poc-writer-7f3a", tableName: "t" },
      ingest: { deadLetterExpireAfterDays: 3 },
    });
    const table = new DedupTable("table", { pull: {} });
    await cloud.settle();
    expect(await resolve(push.ingestDeadLetterBucketName)).to.equal(cloud.named("clicks-dead-letter").state.bucket);
    expect(lifecycleDays(cloud, "clicks-dead-letter")).to.equal(3);
    expect(push.ingestParkedMetricName).to.equal("clicks-ingest-parked");
    expect(await resolve(table.ingestDeadLetterBucketArn)).to.equal(cloud.named("table-dead-letter").state.arn);
    expect(table.ingestParkedMetricName).to.equal("table-ingest-parked");
  });

  it("passes overrides through to the main resources, over the component's own arguments", async () => {
    const cloud = new MockCloud();
    await cloud.install();
    new DedupTable("clicks", { pull: {}, overrides: { table: { tableClass: "STANDARD_INFREQUENT_ACCESS", pointInTimeRecovery: { enabled: false } } } });
    new StreamProjection("by-user", { projection: INDEX, overrides: { table: { tags: { team: "analytics" } } } });
    new CrossAccountStreamSource("source", { overrides: { stream: { retentionPeriod: 72, tags: { team: "web" } } } });
    new AuroraLoader("warehouse", {
      archiveBucketName: BUCKET,
      archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
      columns: COLUMNS,
      overrides: { cluster: { preferredMaintenanceWindow: "sun:03:00-sun:04:00" } },
    });
    await cloud.settle();
    expect(cloud.named("clicks-table").inputs).to.deep.include({
      tableClass: "STANDARD_INFREQUENT_ACCESS",
      pointInTimeRecovery: { enabled: false },
      streamEnabled: true,
    });
    expect(cloud.named("by-user-table").inputs.tags).to.deep.equal({ team: "analytics" });
    expect(cloud.named("source-stream").inputs).to.deep.include({ retentionPeriod: 72, encryptionType: "KMS", tags: { team: "web" } });
    expect(cloud.named("warehouse-cluster").inputs).to.include({ preferredMaintenanceWindow: "sun:03:00-sun:04:00", engine: "aurora-mysql" });
  });

  describe("refuses at preview", () => {
    before(() => new MockCloud().install());

    it("overrides of what the pipeline depends on, naming the setting to use instead", () => {
      expect(() => new DedupTable("bad", { pull: {}, overrides: { table: { hashKey: "id", streamEnabled: false } } })).to.throw(
        /overrides\.table\.hashKey cannot be overridden[\s\S]*overrides\.table\.streamEnabled cannot be overridden: the dedup key, the stream, the name and the encryption are the pipeline's/,
      );
      expect(() => new StreamProjection("bad", { projection: INDEX, overrides: { table: { name: "other" } } })).to.throw(
        /overrides\.table\.name cannot be overridden/,
      );
      expect(() => new CrossAccountStreamSource("bad", { overrides: { stream: { kmsKeyId: "alias/aws/kinesis" } } })).to.throw(
        /overrides\.stream\.kmsKeyId cannot be overridden/,
      );
      expect(
        () =>
          new AuroraLoader("bad", {
            archiveBucketName: BUCKET,
            archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
            columns: COLUMNS,
            overrides: { cluster: { port: 3307 } },
          }),
      ).to.throw(/overrides\.cluster\.port cannot be overridden/);
      // Encryption at rest is the components' own: the escape hatch does not turn it off or swap the key.
      expect(() => new DedupTable("bad", { pull: {}, overrides: { table: { serverSideEncryption: { enabled: false } } } })).to.throw(
        /overrides\.table\.serverSideEncryption cannot be overridden[^\n]*table\.kmsKeyArn/,
      );
      expect(() => new StreamProjection("bad", { projection: INDEX, overrides: { table: { serverSideEncryption: { enabled: false } } } })).to.throw(
        /overrides\.table\.serverSideEncryption cannot be overridden/,
      );
      expect(
        () =>
          new AuroraLoader("bad", {
            archiveBucketName: BUCKET,
            archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
            columns: COLUMNS,
            overrides: { cluster: { storageEncrypted: false, kmsKeyId: "alias/aws/rds" } },
          }),
      ).to.throw(/overrides\.cluster\.storageEncrypted cannot be overridden[\s\S]*overrides\.cluster\.kmsKeyId cannot be overridden[^\n]*kmsKeyArn/);
    });

    it("role settings out of range", () => {
      expect(
        () => new FirehoseArchive("bad", { tableStreamArn: TABLE_STREAM, forward: { deadLetterExpireAfterDays: 0 }, transform: { logRetentionDays: 2 } }),
      ).to.throw(
        /forward\.deadLetterExpireAfterDays must be an integer from 1 to 36500, got 0[\s\S]*transform\.logRetentionDays must be a retention CloudWatch Logs accepts/,
      );
      const loaderArgs = { archiveBucketName: BUCKET, archiveBucketArn: `arn:aws:s3:::${BUCKET}`, columns: COLUMNS };
      expect(() => new AuroraLoader("bad", { ...loaderArgs, load: { deadLetterExpireAfterDays: 15 } })).to.throw(
        /load\.deadLetterExpireAfterDays must be an integer from 1 to 14, got 15/,
      );
    });
  });

  describe("catches, at preview, the mistakes of a caller without the type checker (JavaScript, another language, `as any`)", () => {
    before(() => new MockCloud().install());
    const loose = (build: (args: any) => unknown, args: Record<string, unknown>) => () => build(args); // eslint-disable-line @typescript-eslint/no-explicit-any

    it("a required argument left out", () => {
      expect(loose((a) => new FirehoseArchive("bad", a), {})).to.throw(
        /FirehoseArchive "bad": invalid arguments:[\s\S]*tableStreamArn is required: the dedup table's stream/,
      );
      expect(loose((a) => new PushIngest("bad", a), {})).to.throw(/streamArn is required/);
      expect(loose((a) => new StreamProjection("bad", a), {})).to.throw(/projection is required/);
      expect(loose((a) => new AuroraLoader("bad", a), { columns: COLUMNS })).to.throw(/archiveBucketName is required[\s\S]*archiveBucketArn is required/);
    });

    it("an ARN of the wrong kind, or a name where an ARN belongs", () => {
      expect(loose((a) => new DedupTable("bad", a), { pull: { streamArn: "clicks-stream" } })).to.throw(
        /pull\.streamArn must be an ARN like arn:aws:kinesis:<region>:<account>:stream\/<name>, got "clicks-stream"/,
      );
      expect(loose((a) => new FirehoseArchive("bad", a), { tableStreamArn: STREAM_ARN })).to.throw(/tableStreamArn must be an ARN like arn:aws:dynamodb:/);
      expect(loose((a) => new CrossAccountStreamSource("bad", a), { consumerRoleArn: "clicks-ingest-role" })).to.throw(
        /consumerRoleArn must be an IAM role ARN/,
      );
      expect(loose((a) => new DedupTable("bad", a), { pull: {}, monitoring: { alarmTopicArn: "alerts" } })).to.throw(
        /monitoring\.alarmTopicArn must be an ARN like arn:aws:sns:/,
      );
    });

    it("an ARN of the right service but another resource: a table's where its stream's belongs, a stream's where a consumer's belongs", () => {
      const TABLE = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks";
      expect(loose((a) => new FirehoseArchive("bad", a), { tableStreamArn: TABLE })).to.throw(
        /tableStreamArn must be an ARN like arn:aws:dynamodb:<region>:<account>:table\/<name>\/stream\/<label>, got "arn:aws:dynamodb:eu-west-1:999999999999:table\/clicks"/,
      );
      expect(loose((a) => new StreamProjection("bad", a), { projection: INDEX, tableStreamArn: `${TABLE}/index/by-page` })).to.throw(
        /tableStreamArn must be an ARN like/,
      );
      expect(loose((a) => new DedupTable("bad", a), { pull: { streamArn: STREAM_ARN, consumerArn: STREAM_ARN } })).to.throw(
        /pull\.consumerArn must be an ARN like arn:aws:kinesis:<region>:<account>:stream\/<name>\/consumer\/<consumer>:<created>/,
      );
      expect(loose((a) => new DedupTable("bad", a), { pull: { streamArn: `${STREAM_ARN}/consumer/ingest:1764151200` } })).to.throw(
        /pull\.streamArn must be an ARN like/,
      );
      expect(
        loose((a) => new DedupTable("bad", a), { pull: { streamArn: STREAM_ARN }, monitoring: { alarmTopicArn: "arn:aws:sns:eu-west-1:1:a/b" } }),
      ).to.throw(/monitoring\.alarmTopicArn must be an ARN like/);
      expect(
        loose((a) => new AuroraLoader("bad", a), { archiveBucketName: BUCKET, archiveBucketArn: `arn:aws:s3:::${BUCKET}/processed/`, columns: COLUMNS }),
      ).to.throw(/archiveBucketArn must be an ARN like arn:aws:s3:::<bucket>/);
      // The shapes AWS gives are taken: a stream label holds ":", a consumer ends with its creation time.
      expect(loose((a) => new FirehoseArchive("ok", a), { tableStreamArn: TABLE_STREAM })).to.not.throw();
      expect(
        loose((a) => new DedupTable("ok", a), { pull: { streamArn: STREAM_ARN, consumerArn: `${STREAM_ARN}/consumer/ingest:1764151200` } }),
      ).to.not.throw();
    });

    it("a key attribute type DynamoDB refuses, or a type for an attribute that is no key (which would be dropped, the key staying a string)", () => {
      expect(
        loose((a) => new StreamProjection("bad", a), {
          projection: { ...INDEX, rangeKey: "Score" },
          table: { attributeTypes: { Score: "NUMBER", score: "N" } },
        }),
      ).to.throw(
        /table\.attributeTypes\.Score must be one of "S", "N", "B", got "NUMBER"[\s\S]*table\.attributeTypes\.score names no key of this table \(its keys: useremail, Score\)/,
      );
      expect(
        loose((a) => new StreamProjection("bad", a), {
          projection: { kind: "aggregate", groupBy: ["page_id"], sums: [] },
          table: { attributeTypes: { page_id: "S" } },
        }),
      ).to.throw(/table\.attributeTypes\.page_id names no key of this table \(it takes none\)/);
      expect(loose((a) => new CrossAccountStreamSource("bad", a), { sharedTable: { hashKey: "user", attributeTypes: { User: "S" } } })).to.throw(
        /sharedTable\.attributeTypes\.User names no key of this table \(its keys: user\)/,
      );
      const index = (name: string, attributeTypes: Record<string, string>) => ({ name, hashKey: "page_id", attributeTypes });
      expect(
        loose((a) => new DedupTable("bad", a), {
          pull: { streamArn: STREAM_ARN },
          table: { globalSecondaryIndexes: [index("by-page", { page_id: "N" }), index("by-page-2", { page_id: "S" })] },
        }),
      ).to.throw(
        /table\.globalSecondaryIndexes\[1\]\.attributeTypes\.page_id is S, but page_id is N already \(the table's own key, or an index before this one/,
      );
      expect(
        loose((a) => new DedupTable("ok", a), {
          pull: { streamArn: STREAM_ARN },
          table: { globalSecondaryIndexes: [index("by-page", { page_id: "N" }), index("by-page-2", { page_id: "N" })] },
        }),
      ).to.not.throw();
    });

    it("an index name DynamoDB refuses, and more projected attributes across a table's indexes than it takes", () => {
      const table = (globalSecondaryIndexes: unknown[]) => () =>
        new DedupTable("bad", { pull: { streamArn: STREAM_ARN }, table: { globalSecondaryIndexes } as never });
      expect(
        table([
          { name: "ix", hashKey: "page_id" },
          { name: "by page", hashKey: "page_id" },
        ]),
      ).to.throw(
        /globalSecondaryIndexes\[0\]\.name must be 3–255 letters, digits, "_", "\." or "-", as DynamoDB requires of an index name, got "ix"[\s\S]*\[1\]\.name must be .*got "by page"/,
      );
      const include = (name: string, count: number) => ({
        name,
        hashKey: "page_id",
        projectionType: "INCLUDE",
        nonKeyAttributes: Array.from({ length: count }, (_, i) => `a${i}`),
      });
      expect(table([include("by-page", 60), include("by-user", 41)])).to.throw(
        /table\.globalSecondaryIndexes project 101 nonKeyAttributes in all; DynamoDB takes at most 100 across a table's indexes/,
      );
      expect(table([include("by-page", 60), include("by-user", 40)])).to.not.throw();
    });

    it("a misspelt key, at any depth, with the key it most likely meant", () => {
      expect(loose((a) => new DedupTable("bad", a), { pul: { streamArn: STREAM_ARN } })).to.throw(/pul is not an argument: did you mean pull\?/);
      expect(loose((a) => new DedupTable("bad", a), { table: { bilingMode: "PROVISIONED" } })).to.throw(
        /table\.bilingMode is not an argument of table: did you mean billingMode\?/,
      );
      expect(loose((a) => new FirehoseArchive("bad", a), { tableStreamArn: TABLE_STREAM, forward: { batchsize: 10 } })).to.throw(
        /forward\.batchsize is not an argument of forward: did you mean batchSize\?/,
      );
      expect(
        loose((a) => new AuroraLoader("bad", a), {
          archiveBucketName: BUCKET,
          archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
          columns: COLUMNS,
          database: { maxCapacty: 8 },
        }),
      ).to.throw(/database\.maxCapacty is not an argument of database: did you mean maxCapacity\?/);
      expect(loose((a) => new StreamProjection("bad", a), { projection: { kind: "aggregate", groupBy: [{ atribute: "page_id" }] } })).to.throw(
        /projection\.groupBy\[0\]\.atribute is not an argument of projection\.groupBy\[0\]: did you mean attribute\?/,
      );
      expect(loose((a) => new CrossAccountStreamSource("bad", a), { stream: { shards: 2 } })).to.throw(
        /stream\.shards is not an argument of stream; known: name, shardCount, retentionHours/,
      );
    });
  });

  describe("tags every child that takes tags", () => {
    const cloud = new MockCloud();
    const tags = { project: "clickstream", owner: "data-platform" };

    before(async () => {
      await cloud.install();
      new CrossAccountStreamSource("source", {
        tags,
        consumerRoleArn: PRINCIPAL,
        fanOutConsumerName: "poc",
        sharedTable: { hashKey: "id" },
        sharedTableReaderRoleArns: [PRINCIPAL],
      });
      new DedupTable("pull", { tags, pull: { streamArn: STREAM_ARN }, table: { billingMode: "PROVISIONED", capacity: { read: 1, write: 1 } } });
      new DedupTable("push", { tags, push: { principalArn: PRINCIPAL, externalId: "poc-writer-7f3a" } });
      new PushIngest("push-ingest", { tags, streamArn: STREAM_ARN, writer: { roleArn: PRINCIPAL, externalId: "poc-writer-7f3a", tableName: "t" } });
      new FirehoseArchive("archive", { tags, tableStreamArn: TABLE_STREAM, delivery: { backupSourceRecords: true } });
      new StreamProjection("aggregate", { tags, tableStreamArn: TABLE_STREAM, projection: { kind: "aggregate", groupBy: [{ attribute: "page_id" }] } });
      new AuroraLoader("warehouse", {
        tags,
        archiveBucketName: BUCKET,
        archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
        columns: COLUMNS,
        database: { finalSnapshot: true },
      });
      new AuroraLoader("existing", {
        tags,
        archiveBucketName: BUCKET,
        archiveBucketArn: `arn:aws:s3:::${BUCKET}`,
        columns: COLUMNS,
        loadMode: "streamed",
        network: { vpcId: "vpc-1", subnetIds: ["subnet-1", "subnet-2"], createEndpoints: true },
      });
      await cloud.settle();
    });

    it("gives the tags to every child whose provider arguments take tags, as @pulumi/aws declares them", () => {
      const children = cloud.resources.filter((r) => !r.type.startsWith("stream-replication:"));
      const sameTags = (given: Record<string, string> | undefined) =>
        JSON.stringify(Object.entries(given ?? {}).sort()) === JSON.stringify(Object.entries(tags).sort());
      const untagged = children.filter((r) => takesTags(r.type) && !sameTags(r.inputs.tags)).map((r) => `${r.type} ${r.name}`);
      expect(untagged).to.deep.equal([]);
      // The check above sees every kind of child: each component's own, the helpers' and the network's.
      expect(children.filter((r) => takesTags(r.type)).length).to.be.greaterThan(60);
    });

    it("leaves tags off every child when none are given, so that a stack without tags sees no change", async () => {
      const plain = new MockCloud();
      await plain.install();
      new DedupTable("pull", { pull: { streamArn: STREAM_ARN } });
      await plain.settle();
      expect(plain.resources.filter((r) => r.inputs.tags !== undefined).map((r) => r.name)).to.deep.equal([]);
    });

    it("refuses tags AWS would refuse", () => {
      expect(() => new DedupTable("bad", { pull: {}, tags: { "aws:owner": "x", team: "a|b" } })).to.throw(
        /tags key "aws:owner" must be 1–128 letters[\s\S]*tags\.team must be a string of up to 256 letters/,
      );
      expect(() => new DedupTable("bad", { pull: {}, tags: { "AWS:owner": "x", owner: "Aws:sso" } })).to.throw(
        /tags key "AWS:owner" must be [\s\S]*tags\.owner must be .*not starting with aws: in any case, got "Aws:sso"/,
      );
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`tag${i}`, "x"]));
      expect(() => new DedupTable("bad", { pull: {}, tags: many })).to.throw(/tags has 51 tags; AWS takes at most 50 on a resource/);
      const fifty = Object.fromEntries(Object.entries(many).slice(0, 50));
      expect(() => new DedupTable("ok", { pull: { streamArn: STREAM_ARN }, tags: fifty })).to.not.throw();
      const loader = (tags: Record<string, string>) => () =>
        new AuroraLoader("db", { archiveBucketName: BUCKET, archiveBucketArn: `arn:aws:s3:::${BUCKET}`, columns: COLUMNS, tags });
      expect(loader({ "rds:tier": "gold" })).to.throw(/tags\.rds:tier: RDS takes no tag key or value starting with "rds:"/);
      expect(loader({ tier: "rds:gold" })).to.throw(/tags\.tier: RDS takes no tag key or value starting with "rds:"/);
      expect(loader({ tier: "gold" })).to.not.throw();
    });
  });
});

function lifecycleDays(cloud: MockCloud, bucket: string): number {
  return cloud.named(`${bucket}-lifecycle`).inputs.rules[0].expiration.days;
}
