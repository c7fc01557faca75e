import { expect } from "chai";
import { CrossAccountStreamSource } from "../../components/cross-account-stream-source";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const CONSUMER_ROLE = "arn:aws:iam::999999999999:role/clicks-ingest-role-1a2b3c4";
const SCORES_ROLE = "arn:aws:iam::999999999999:role/scores-by-user-project-role-5e6f7a8";

describe("CrossAccountStreamSource", () => {
  describe("with defaults, before a consumer role is known", () => {
    const cloud = new MockCloud({ accountId: "111111111111" });
    let component: CrossAccountStreamSource;

    before(async () => {
      await cloud.install();
      component = new CrossAccountStreamSource("clicks");
      await cloud.settle();
    });

    it("creates an on-demand stream kept 24 hours, encrypted with its own key", () => {
      const stream = cloud.one("aws:kinesis/stream:Stream").inputs;
      expect(stream.streamModeDetails).to.deep.equal({ streamMode: "ON_DEMAND" });
      expect(stream.shardCount).to.equal(undefined);
      expect(stream.retentionPeriod).to.equal(24);
      expect(stream).to.include({ encryptionType: "KMS", kmsKeyId: cloud.one("aws:kms/key:Key").state.arn });
    });

    it("rotates the key and lets only this account administer it", () => {
      expect(cloud.one("aws:kms/key:Key").inputs).to.include({ enableKeyRotation: true, deletionWindowInDays: 30 });
      const keyPolicy = cloud.one("aws:kms/keyPolicy:KeyPolicy");
      expect(keyPolicy.inputs.keyId).to.equal(cloud.one("aws:kms/key:Key").id);
      expect(policyOf(keyPolicy).Statement).to.deep.equal([
        { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" },
      ]);
    });

    it("shares nothing yet: no resource policy", async () => {
      expect(cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
      expect(await resolve(component.streamReadGrantedTo)).to.equal(undefined);
    });

    it("offers producers a policy to write this stream and encrypt for it through Kinesis, and nothing more", () => {
      const stream = cloud.one("aws:kinesis/stream:Stream").state;
      expect(policyOf(cloud.one("aws:iam/policy:Policy")).Statement).to.deep.equal([
        {
          Sid: "WriteStream",
          Effect: "Allow",
          Action: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"],
          Resource: stream.arn,
        },
        {
          Sid: "EncryptRecords",
          Effect: "Allow",
          Action: "kms:GenerateDataKey",
          Resource: cloud.one("aws:kms/key:Key").state.arn,
          Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": stream.arn } },
        },
      ]);
    });

    it("parents every child to the component and exposes the stream, key and producer policy", async () => {
      const children = await cloud.childrenOf(component);
      expect(children).to.have.length(cloud.resources.length - 1);
      expect(await resolve(component.streamArn)).to.equal(cloud.one("aws:kinesis/stream:Stream").state.arn);
      expect(await resolve(component.streamName)).to.equal(cloud.one("aws:kinesis/stream:Stream").state.name);
      expect(await resolve(component.streamKmsKeyArn)).to.equal(cloud.one("aws:kms/key:Key").state.arn);
      expect(await resolve(component.producerPolicyArn)).to.match(/^arn:aws:iam::111111111111:policy\/clicks-producer-/);
      expect(await resolve(component.streamConsumerArn)).to.equal(undefined);
    });
  });

  describe("shared with a consumer role, with a fan-out consumer and a shared table", () => {
    const cloud = new MockCloud({ accountId: "111111111111" });
    let component: CrossAccountStreamSource;

    before(async () => {
      await cloud.install();
      component = new CrossAccountStreamSource("clicks", {
        stream: { name: "web-analytics", shardCount: 4, retentionHours: 168 },
        consumerRoleArn: CONSUMER_ROLE,
        fanOutConsumerName: "poc-ingest",
        sharedTable: { name: "GameScoreRecords", hashKey: "recordId", rangeKey: "createdAt", attributeTypes: { createdAt: "N" } },
        sharedTableReaderRoleArns: [SCORES_ROLE],
        keyDeletionWindowDays: 7,
      });
      await cloud.settle();
    });

    const policyFor = (arn: string) => {
      const found = cloud.resources.filter((r) => r.type.endsWith("/resourcePolicy:ResourcePolicy") && r.inputs.resourceArn === arn);
      expect(found, `policies on ${arn}`).to.have.length(1);
      return policyOf(found[0]).Statement;
    };

    it("provisions the given shards and retention", () => {
      const stream = cloud.one("aws:kinesis/stream:Stream").inputs;
      expect(stream).to.include({ name: "web-analytics", shardCount: 4, retentionPeriod: 168 });
      expect(stream.streamModeDetails).to.deep.equal({ streamMode: "PROVISIONED" });
    });

    it("grants the consumer role exactly the stream read actions Lambda needs, in one policy on the stream", () => {
      const streamArn = cloud.one("aws:kinesis/stream:Stream").state.arn;
      expect(policyFor(streamArn)).to.deep.equal([
        {
          Sid: "ConsumerRoleReadsStream",
          Effect: "Allow",
          Principal: { AWS: CONSUMER_ROLE },
          Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
          Resource: streamArn,
        },
      ]);
    });

    it("registers the fan-out consumer, replacing it delete-first, with its own policy for describe and subscribe", () => {
      const consumer = cloud.one("aws:kinesis/streamConsumer:StreamConsumer");
      expect(consumer.inputs).to.include({ name: "poc-ingest", streamArn: cloud.one("aws:kinesis/stream:Stream").state.arn });
      expect(consumer.deleteBeforeReplace).to.equal(true);
      const policy = cloud.resources.find((r) => r.name === "clicks-fan-out-policy")!;
      expect(policy.dependencies).to.include(consumer.urn);
      expect(policyFor(consumer.state.arn)).to.deep.equal([
        {
          Sid: "ConsumerRoleReadsFanOut",
          Effect: "Allow",
          Principal: { AWS: CONSUMER_ROLE },
          Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
          Resource: consumer.state.arn,
        },
      ]);
    });

    it("lets the consumer role decrypt, only through Kinesis and only for this stream", () => {
      const streamArn = cloud.one("aws:kinesis/stream:Stream").state.arn;
      expect(policyOf(cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement[1]).to.deep.equal({
        Sid: "ConsumerRoleDecryptsThisStream",
        Effect: "Allow",
        Principal: { AWS: CONSUMER_ROLE },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": streamArn } },
      });
      expect(cloud.one("aws:kms/key:Key").inputs.deletionWindowInDays).to.equal(7);
    });

    it("shares the table's stream with its reader roles, not the ingest role, through the stream's own policy, without ListStreams", () => {
      const table = cloud.one("aws:dynamodb/table:Table");
      expect(table.inputs).to.include({
        name: "GameScoreRecords",
        hashKey: "recordId",
        rangeKey: "createdAt",
        streamEnabled: true,
        streamViewType: "NEW_AND_OLD_IMAGES",
      });
      expect(table.inputs.attributes).to.deep.equal([
        { name: "recordId", type: "S" },
        { name: "createdAt", type: "N" },
      ]);
      const statements = policyFor(table.state.streamArn);
      expect(statements).to.deep.equal([
        {
          Sid: "ReadersReadTableStream",
          Effect: "Allow",
          Principal: { AWS: SCORES_ROLE },
          Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
          Resource: table.state.streamArn,
        },
      ]);
      expect(cloud.resources.filter((r) => r.inputs.resourceArn === table.state.arn)).to.have.length(0);
      expect(table.inputs.serverSideEncryption).to.deep.equal({ enabled: true, kmsKeyArn: cloud.one("aws:kms/key:Key").state.arn });
      expect(policyOf(cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement[2]).to.deep.equal({
        Sid: "ReadersDecryptSharedTableStream",
        Effect: "Allow",
        Principal: { AWS: SCORES_ROLE },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:dynamodb:tableName": "GameScoreRecords" },
        },
      });
    });

    it("exposes the consumer, the grantee and the shared table", async () => {
      expect(await resolve(component.streamConsumerArn)).to.equal(cloud.one("aws:kinesis/streamConsumer:StreamConsumer").state.arn);
      expect(await resolve(component.streamReadGrantedTo)).to.equal(CONSUMER_ROLE);
      expect(await resolve(component.sharedTableName)).to.equal("GameScoreRecords");
      expect(await resolve(component.sharedTableStreamArn)).to.equal(cloud.one("aws:dynamodb/table:Table").state.streamArn);
      expect(await resolve(component.sharedTableKmsKeyArn)).to.equal(cloud.one("aws:kms/key:Key").state.arn);
      expect(await resolve(component.sharedTableReadGrantedTo)).to.deep.equal([SCORES_ROLE]);
    });

    it("protects the stream, its key and the shared table, and replaces the fixed-name stream and table delete-first", () => {
      for (const type of ["aws:kinesis/stream:Stream", "aws:kms/key:Key", "aws:dynamodb/table:Table"]) expect(cloud.one(type).protect, type).to.equal(true);
      expect(cloud.one("aws:kinesis/stream:Stream").deleteBeforeReplace).to.equal(true);
      expect(cloud.one("aws:dynamodb/table:Table").deleteBeforeReplace).to.equal(true);
    });

    it("alarms when the fan-out consumer falls 5 minutes behind, on the metric fan-out readers emit", () => {
      expect(cloud.named("clicks-fan-out-lag-alarm").inputs).to.deep.include({
        namespace: "AWS/Kinesis",
        metricName: "SubscribeToShardEvent.MillisBehindLatest",
        dimensions: { StreamName: "web-analytics", ConsumerName: "poc-ingest" },
        statistic: "Maximum",
        threshold: 300_000,
      });
    });
  });

  describe("for a test stack, with protectData false", () => {
    const cloud = new MockCloud({ accountId: "111111111111" });

    before(async () => {
      await cloud.install();
      new CrossAccountStreamSource("clicks", { protectData: false, sharedTable: { hashKey: "recordId" } });
      await cloud.settle();
    });

    it("leaves the data-bearing children unprotected, and the auto-named ones create-first", () => {
      for (const type of ["aws:kinesis/stream:Stream", "aws:kms/key:Key", "aws:dynamodb/table:Table"]) {
        expect(cloud.one(type).protect, type).to.equal(false);
        expect(cloud.one(type).deleteBeforeReplace, type).to.equal(false);
      }
    });

    it("shares the table's stream with nobody when no reader role is given", () => {
      expect(cloud.ofType("aws:dynamodb/resourcePolicy:ResourcePolicy")).to.have.length(0);
    });
  });

  describe("argument validation", () => {
    before(() => new MockCloud().install());

    it("names every bad argument at once", () => {
      const build = () =>
        new CrossAccountStreamSource("bad", {
          stream: { shardCount: 0, retentionHours: 12 },
          consumerRoleArn: "arn:aws:iam::999999999999:root",
          fanOutConsumerName: "has spaces",
          keyDeletionWindowDays: 3,
        });
      expect(build).to.throw(
        /CrossAccountStreamSource "bad": invalid arguments:\n {2}- stream\.shardCount must be an integer from 1 to 4096, got 0\n {2}- stream\.retentionHours must be an integer from 24 to 8760, got 12\n {2}- keyDeletionWindowDays must be an integer from 7 to 30, got 3\n {2}- consumerRoleArn must be an IAM role ARN \(arn:aws:iam::<account>:role\/<name>\), got "arn:aws:iam::999999999999:root"\n {2}- fanOutConsumerName must be/,
      );
    });

    it("refuses reader roles without a shared table, and names too long for the services", () => {
      const build = () => new CrossAccountStreamSource("bad", { stream: { name: "a".repeat(129) }, sharedTableReaderRoleArns: [SCORES_ROLE] });
      expect(build).to.throw(/stream\.name must be a Kinesis stream name of at most 128 characters[\s\S]*sharedTableReaderRoleArns needs sharedTable/);
    });

    it("requires a hash key on the shared table", () => {
      expect(() => new CrossAccountStreamSource("bad", { sharedTable: { hashKey: "" } })).to.throw(/sharedTable\.hashKey is required/);
    });
  });
});
