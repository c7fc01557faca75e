import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DATA_BEARING_TYPES } from "../../policy/aws-rules-policies";
import { COMPOSITIONS, selectComposition } from "../../stacks/select";
import { MockCloud, policyOf } from "../harness/mock-cloud";
import { type PulumiValues } from "../../components/testing/inputs";
import { CONSUMER, POC_STACK, PROD_STACK, SCORES_BY_USER, SHARED_TABLE, SOURCE, stackConfig, up } from "../support/stacks";

const rolePolicy = (cloud: MockCloud) => policyOf(cloud.named("clicks-ingest-policy")).Statement;

describe("stacks", () => {
  describe("choosing the composition", () => {
    it("deploys the source side on prod and the consumer side on poc", () => {
      expect(selectComposition("prod", undefined)).to.equal(COMPOSITIONS.source);
      expect(selectComposition("poc", undefined)).to.equal(COMPOSITIONS.consumer);
    });

    it("lets a new stack, such as staging, pick its composition by config alone", () => {
      expect(selectComposition("staging", "consumer")).to.equal(COMPOSITIONS.consumer);
    });

    it("tells the user which config key to set for a stack with no default", () => {
      expect(() => selectComposition("staging", undefined)).to.throw(
        /stack "staging" has no default composition: set one with `pulumi config set composition <source\|consumer>`/,
      );
    });

    it("names the available compositions when the selected one does not exist", () => {
      expect(() => selectComposition("poc", "sink")).to.throw(/composition "sink", which does not exist; available: source, consumer/);
    });
  });

  describe("pull mode, wired by stack references in the documented order: poc, prod, poc", () => {
    let poc1: Awaited<ReturnType<typeof up>>;
    let prod: Awaited<ReturnType<typeof up>>;
    let poc2: Awaited<ReturnType<typeof up>>;
    const config = { fanOutConsumerName: "poc-ingest" };

    before(async () => {
      poc1 = await up("consumer", {}, {});
      prod = await up("source", config, poc1.outputs);
      poc2 = await up("consumer", {}, prod.outputs);
    });

    it("first poc run: deploys the table and the ingest function without a mapping, and says to run prod", () => {
      expect(poc1.cloud.has("clicks-ingest-mapping")).to.equal(false);
      expect(poc1.outputs.ingestRoleArn).to.match(/^arn:aws:iam::999999999999:role\/clicks-ingest-role-/);
      expect(poc1.outputs.nextStep).to.equal(
        `Run \`pulumi up\` on the source stack (${PROD_STACK}): it grants ${poc1.outputs.ingestRoleArn} read access to the stream. Then run \`pulumi up\` on this stack again to start reading.`,
      );
    });

    it("prod: shares the stream, its fan-out consumer and its key with exactly that ingest role", () => {
      const role = poc1.outputs.ingestRoleArn;
      const policies = prod.cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy");
      expect(policies.map((p) => p.inputs.resourceArn)).to.deep.equal([prod.outputs.streamArn, prod.outputs.streamConsumerArn]);
      expect(policyOf(policies[0]).Statement).to.deep.equal([
        {
          Sid: "ConsumerRoleReadsStream",
          Effect: "Allow",
          Principal: { AWS: role },
          Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
          Resource: prod.outputs.streamArn,
        },
      ]);
      expect(policyOf(policies[1]).Statement).to.deep.equal([
        {
          Sid: "ConsumerRoleReadsFanOut",
          Effect: "Allow",
          Principal: { AWS: role },
          Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
          Resource: prod.outputs.streamConsumerArn,
        },
      ]);
      const decrypt = policyOf(prod.cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement[1];
      expect(decrypt.Principal).to.deep.equal({ AWS: role });
      expect(decrypt.Action).to.equal("kms:Decrypt");
      expect(prod.outputs.streamReadGrantedTo).to.equal(role);
    });

    it("second poc run: maps the fan-out consumer to the ingest function, which may read that stream, consumer and key only", () => {
      const mapping = poc2.cloud.named("clicks-ingest-mapping");
      expect(mapping.inputs.eventSourceArn).to.equal(prod.outputs.streamConsumerArn);
      const statements = rolePolicy(poc2.cloud);
      expect(statements).to.deep.include({
        Sid: "ReadSourceStream",
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
        Resource: prod.outputs.streamArn,
      });
      expect(statements).to.deep.include({
        Sid: "ReadFanOutConsumer",
        Effect: "Allow",
        Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
        Resource: prod.outputs.streamConsumerArn,
      });
      expect(statements).to.deep.include({
        Sid: "DecryptSourceStream",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: prod.outputs.streamKmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": prod.outputs.streamArn } },
      });
      expect(poc2.outputs.nextStep).to.equal(`Wired: the ingest function reads ${prod.outputs.streamConsumerArn}.`);
    });

    it("keeps the role across runs, so the grant stays valid", () => {
      expect(poc2.cloud.named("clicks-ingest-role").urn).to.equal(poc1.cloud.named("clicks-ingest-role").urn);
    });

    it("exports every value the other account needs, by name", () => {
      expect(Object.keys(prod.outputs).sort()).to.deep.equal([
        "accessMode",
        "accountId",
        "alertTopicArn",
        "dashboardName",
        "deployments",
        "nextStep",
        "producerPolicyArn",
        "region",
        "sharedTableKmsKeyArn",
        "sharedTableName",
        "sharedTableReadGrantedTo",
        "sharedTableStreamArn",
        "streamArn",
        "streamConsumerArn",
        "streamKmsKeyArn",
        "streamName",
        "streamReadGrantedTo",
        "streamRetentionHours",
      ]);
      expect(Object.keys(poc2.outputs).sort()).to.deep.equal([
        "accessMode",
        "accountId",
        "alertTopicArn",
        "archiveBucketName",
        "archiveCsvColumns",
        "archiveSchemaHistory",
        "archiveSchemaVersion",
        "clusterArn",
        "clusterEndpoint",
        "clusterPort",
        "dashboardName",
        "databaseName",
        "databaseSecretArn",
        "databaseTable",
        "deadLetterBucketName",
        "deliveryStreamName",
        "deployments",
        "failedLoadsQueueUrl",
        "forwardDeadLetterBucketName",
        "ingestFunctionArn",
        "ingestRoleArn",
        "loaderFunctionArn",
        "nextStep",
        "projectionTables",
        "region",
        "subnetIds",
        "tableArn",
        "tableName",
        "tableStreamArn",
        "vpcId",
      ]);
    });
  });

  describe("pull mode when prod is deployed first", () => {
    it("prod shares nothing yet and says to deploy poc", async () => {
      const prod = await up("source", {}, {});
      expect(prod.cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
      expect(policyOf(prod.cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement.map((s) => s.Sid)).to.deep.equal(["AccountAdministersKey"]);
      expect(prod.outputs.nextStep).to.match(/^Run `pulumi up` on the consumer stack \(acme\/stream-replication\/poc\): it creates the ingest role/);
    });

    it("poc does not map a stream that has not been shared with it yet", async () => {
      const prod = await up("source", {}, {});
      const poc = await up("consumer", {}, prod.outputs);
      expect(poc.cloud.has("clicks-ingest-mapping")).to.equal(false);
    });
  });

  describe("pull mode after poc's ingest role was re-created", () => {
    it("says that prod must grant the new role", async () => {
      const poc1 = await up("consumer", {}, {});
      const prod = await up("source", {}, { ...poc1.outputs, ingestRoleArn: `arn:aws:iam::${CONSUMER}:role/clicks-ingest-role-0ld0ld0` });
      const poc2 = await up("consumer", {}, prod.outputs);
      expect(poc2.outputs.nextStep).to.equal(
        `the source stack (${PROD_STACK}) grants arn:aws:iam::${CONSUMER}:role/clicks-ingest-role-0ld0ld0, not this stack's ingest role ${poc1.outputs.ingestRoleArn}: run \`pulumi up\` on the source stack (${PROD_STACK}), then here again.`,
      );
    });
  });

  describe("pull mode with every value given directly in config (stacks in different backends)", () => {
    const streamArn = `arn:aws:kinesis:eu-west-1:${SOURCE}:stream/web-analytics`;
    const keyArn = `arn:aws:kms:eu-west-1:${SOURCE}:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11`;
    const roleArn = `arn:aws:iam::${CONSUMER}:role/clicks-ingest-role-1a2b3c4`;

    it("poc reads the configured stream and may decrypt with the configured key", async () => {
      const poc = await up("consumer", { sourceStreamArn: streamArn, sourceStreamKmsKeyArn: keyArn });
      expect(poc.cloud.named("clicks-ingest-mapping").inputs.eventSourceArn).to.equal(streamArn);
      expect(rolePolicy(poc.cloud)).to.deep.include({
        Sid: "DecryptSourceStream",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: keyArn,
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": streamArn } },
      });
    });

    it("prod grants the configured consumer role", async () => {
      const prod = await up("source", { consumerIngestRoleArn: roleArn });
      expect(policyOf(prod.cloud.one("aws:kinesis/resourcePolicy:ResourcePolicy")).Statement[0].Principal).to.deep.equal({ AWS: roleArn });
    });
  });

  describe("push mode, wired by stack references in the documented order: prod, poc, prod", () => {
    let prod1: Awaited<ReturnType<typeof up>>;
    let poc: Awaited<ReturnType<typeof up>>;
    let prod2: Awaited<ReturnType<typeof up>>;
    const push = { accessMode: "push" };

    before(async () => {
      prod1 = await up("source", push, {});
      poc = await up("consumer", { ...push, writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
      prod2 = await up("source", push, poc.outputs);
    });

    it("first prod run: deploys the stream and the push function's role only, and says to run poc", () => {
      expect(prod1.cloud.ofType("aws:lambda/function:Function")).to.have.length(0);
      expect(prod1.cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
      expect(prod1.outputs.pushIngestRoleArn).to.match(/^arn:aws:iam::111111111111:role\/clicks-ingest-role-/);
      expect(prod1.outputs.nextStep).to.equal(
        `Run \`pulumi up\` on the consumer stack (${POC_STACK}): it creates a writer role trusting ${prod1.outputs.pushIngestRoleArn}. Then run \`pulumi up\` here again to deploy the push function.`,
      );
    });

    it("poc: the writer role trusts exactly that role, with the external ID", () => {
      const trust = policyOf(poc.cloud.named("clicks-writer-role"), "assumeRolePolicy").Statement;
      expect(trust[0].Principal).to.deep.equal({ AWS: prod1.outputs.pushIngestRoleArn });
      expect(trust[0].Condition).to.deep.equal({ StringEquals: { "sts:ExternalId": "poc-writer-7f3a" } });
      expect(poc.cloud.has("clicks-ingest-function")).to.equal(false);
    });

    it("second prod run: the push function reads its own stream and writes through the writer role", () => {
      const fn = prod2.cloud.one("aws:lambda/function:Function").inputs;
      expect(fn.environment.variables).to.include({
        TABLE_NAME: poc.outputs.tableName,
        WRITER_ROLE_ARN: poc.outputs.writerRoleArn,
        WRITER_EXTERNAL_ID: "poc-writer-7f3a",
      });
      expect(prod2.cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs.eventSourceArn).to.equal(prod2.outputs.streamArn);
      const statements = rolePolicy(prod2.cloud);
      expect(statements).to.deep.include({ Sid: "AssumeWriterRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: poc.outputs.writerRoleArn });
      expect(statements.flatMap((s) => s.Action)).to.not.include("dynamodb:BatchWriteItem");
      expect(prod2.cloud.one("aws:iam/role:Role").urn).to.equal(prod1.cloud.one("aws:iam/role:Role").urn);
    });

    it("shares nothing across accounts through resource or key policies", () => {
      expect(prod2.cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
      expect(policyOf(prod2.cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement.map((s) => s.Sid)).to.deep.equal(["AccountAdministersKey"]);
    });

    it("reports the pipeline wired on both sides", async () => {
      expect(prod2.outputs.nextStep).to.match(
        /^Wired: arn:aws:lambda:eu-west-1:111111111111:function:clicks-ingest-function-\w+ writes to clicks-table-\w+ through arn:aws:iam::999999999999:role\/clicks-writer-role-\w+\.$/,
      );
      const poc2 = await up("consumer", { ...push, writerExternalId: "poc-writer-7f3a" }, prod2.outputs);
      expect(poc2.outputs.nextStep).to.equal(`Wired: ${prod2.outputs.pushIngestFunctionArn} writes to this table through ${poc.outputs.writerRoleArn}.`);
    });
  });

  describe("cross-account principals", () => {
    it("are always the other account's specific role, never * or an account root", async () => {
      const poc1 = await up("consumer", SCORES_BY_USER, {});
      const prod = await up("source", { fanOutConsumerName: "poc-ingest", ...SHARED_TABLE }, poc1.outputs);
      const prod1 = await up("source", { accessMode: "push" }, {});
      const poc = await up("consumer", { accessMode: "push", writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
      const allowedPrincipals = (documents: { Statement: PulumiValues[] }[], ownAccount: string) =>
        documents
          .flatMap((d) => d.Statement)
          .filter((statement) => statement.Effect === "Allow" && statement.Principal?.AWS !== `arn:aws:iam::${ownAccount}:root`)
          .map((statement) => statement.Principal?.AWS ?? statement.Principal);
      const sourcePolicies = prod.cloud.resources.filter((r) => /ResourcePolicy|KeyPolicy/.test(r.type)).map((r) => policyOf(r));
      const writerTrust = [policyOf(poc.cloud.named("clicks-writer-role"), "assumeRolePolicy")];
      // The stream, its fan-out consumer and its key to the ingest role; the key and the shared table's stream to the score projection's role.
      const scoresRole = poc1.outputs.sharedTableReaderRoleArns["scores-by-user"];
      expect(allowedPrincipals(sourcePolicies, SOURCE)).to.have.members([...Array(3).fill(poc1.outputs.ingestRoleArn), scoresRole, scoresRole]);
      expect(allowedPrincipals(writerTrust, CONSUMER)).to.deep.equal([prod1.outputs.pushIngestRoleArn]);
    });
  });

  describe("the cross-account DynamoDB Streams design: poc keeps each user's score from prod's shared table, across accounts, in three runs: poc, prod, poc", () => {
    let poc1: Awaited<ReturnType<typeof up>>;
    let prod: Awaited<ReturnType<typeof up>>;
    let poc2: Awaited<ReturnType<typeof up>>;

    before(async () => {
      poc1 = await up("consumer", SCORES_BY_USER, {});
      prod = await up("source", SHARED_TABLE, poc1.outputs);
      poc2 = await up("consumer", SCORES_BY_USER, prod.outputs);
    });

    it("first poc run: deploys the projection and its role, without a mapping, and exports the role by projection name", () => {
      expect(poc1.cloud.has("scores-by-user-project-mapping")).to.equal(false);
      expect(poc1.outputs.sharedTableReaderRoleArns).to.deep.equal({ "scores-by-user": poc1.cloud.named("scores-by-user-project-role").state.arn });
    });

    it("prod: shares the table's stream and key with exactly that role, and the ingest role gets nothing of the table", () => {
      const role = poc1.outputs.sharedTableReaderRoleArns["scores-by-user"];
      const streamPolicy = policyOf(prod.cloud.one("aws:dynamodb/resourcePolicy:ResourcePolicy"));
      expect(streamPolicy.Statement).to.deep.equal([
        {
          Sid: "ReadersReadTableStream",
          Effect: "Allow",
          Principal: { AWS: role },
          Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
          Resource: prod.outputs.sharedTableStreamArn,
        },
      ]);
      const keyStatements = policyOf(prod.cloud.one("aws:kms/keyPolicy:KeyPolicy")).Statement;
      expect(keyStatements.find((st) => st.Sid === "ReadersDecryptSharedTableStream")).to.deep.include({ Principal: { AWS: role }, Action: "kms:Decrypt" });
      expect(keyStatements.filter((st) => st.Principal?.AWS === poc1.outputs.ingestRoleArn).map((st) => st.Sid)).to.deep.equal([
        "ConsumerRoleDecryptsThisStream",
      ]);
      expect(prod.outputs.sharedTableReadGrantedTo).to.deep.equal(poc1.outputs.sharedTableReaderRoleArns);
    });

    it("second poc run: maps prod's table stream to the projection, whose role may read that stream and decrypt it through DynamoDB", () => {
      expect(poc2.cloud.named("scores-by-user-project-mapping").inputs.eventSourceArn).to.equal(prod.outputs.sharedTableStreamArn);
      const statements = policyOf(poc2.cloud.named("scores-by-user-project-policy")).Statement;
      expect(statements).to.deep.include({
        Sid: "ReadTableStream",
        Effect: "Allow",
        Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        Resource: prod.outputs.sharedTableStreamArn,
      });
      expect(statements).to.deep.include({
        Sid: "DecryptTableStream",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: prod.outputs.sharedTableKmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
      });
      expect(poc2.cloud.named("scores-by-user-project-role").urn).to.equal(poc1.cloud.named("scores-by-user-project-role").urn);
      expect(poc2.outputs.sharedTableProjectionTables).to.deep.equal({ "scores-by-user": poc2.cloud.named("scores-by-user-table").state.name });
    });

    it("does not map a projection prod has not granted yet, such as one added after prod's run", async () => {
      const two = {
        sharedTableProjections: JSON.stringify([
          ...JSON.parse(SCORES_BY_USER.sharedTableProjections),
          { name: "games-by-user", projection: { kind: "aggregate", groupBy: ["Username"] } },
        ]),
      };
      const poc = await up("consumer", two, prod.outputs);
      expect(poc.cloud.has("scores-by-user-project-mapping")).to.equal(true);
      expect(poc.cloud.has("games-by-user-project-mapping")).to.equal(false);
    });
  });

  describe("data protection", () => {
    it("protects every table, bucket, stream, cluster, queue and key of both stacks by default", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, {});
      const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, {});
      const data = [...poc.cloud.resources, ...prod.cloud.resources].filter((r) => DATA_BEARING_TYPES.includes(r.type));
      expect(new Set(data.map((r) => r.type))).to.have.property("size", DATA_BEARING_TYPES.length);
      expect(data.filter((r) => !r.protect).map((r) => r.name)).to.deep.equal([]);
      expect(
        [...poc.cloud.resources, ...prod.cloud.resources].filter((r) => r.protect && !DATA_BEARING_TYPES.includes(r.type)).map((r) => r.name),
      ).to.deep.equal([]);
    });

    it("creates every bucket of both stacks without forceDestroy, so deleting one that holds objects fails instead of emptying it", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, {});
      const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, {});
      const buckets = [...poc.cloud.resources, ...prod.cloud.resources].filter((r) => r.type === "aws:s3/bucket:Bucket");
      expect(buckets.length).to.be.greaterThan(1);
      expect(buckets.filter((b) => b.inputs.forceDestroy !== false).map((b) => b.name)).to.deep.equal([]);
    });

    it("protects nothing on a test stack with protectData false", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), protectData: "false" }, {});
      expect(poc.cloud.resources.filter((r) => r.protect).map((r) => r.name)).to.deep.equal([]);
    });

    it("replaces resources with a fixed physical name delete-first, as the example configs' stream name requires", async () => {
      const prod = await up("source", stackConfig("prod"), {});
      expect(prod.cloud.one("aws:kinesis/stream:Stream").deleteBeforeReplace).to.equal(true);
      const poc = await up("consumer", { table: JSON.stringify({ name: "clicks" }), archive: JSON.stringify({ delivery: { name: "clicks" } }) }, {});
      expect(poc.cloud.named("clicks-table").deleteBeforeReplace).to.equal(true);
      expect(poc.cloud.named("clicks-delivery").deleteBeforeReplace).to.equal(true);
      expect(poc.cloud.named("clicks-bucket").deleteBeforeReplace).to.equal(false);
    });
  });

  describe("a customer-managed key on the dedup table", () => {
    const keyArn = `arn:aws:kms:eu-west-1:${CONSUMER}:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11`;
    const viaDynamoDb = { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } };
    const table = JSON.stringify({ streamViewType: "NEW_AND_OLD_IMAGES", kmsKeyArn: keyArn });

    it("is usable, through DynamoDB only, by the ingest role that writes it and the forward and projection roles that read its stream", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), table }, {});
      const statements = (name: string) => policyOf(poc.cloud.named(name)).Statement;
      expect(statements("clicks-ingest-policy")).to.deep.include({
        Sid: "UseDedupTableKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keyArn,
        Condition: viaDynamoDb,
      });
      for (const reader of ["clicks-forward-policy", "by-user-project-policy"]) {
        expect(statements(reader), reader).to.deep.include({
          Sid: "DecryptTableStream",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: keyArn,
          Condition: viaDynamoDb,
        });
      }
    });

    it("is usable by the writer role in push mode", async () => {
      const poc = await up(
        "consumer",
        { accessMode: "push", writerExternalId: "poc-writer-7f3a", table, sourceIngestRoleArn: `arn:aws:iam::${SOURCE}:role/clicks-ingest-role-5d4c3b2` },
        {},
      );
      expect(policyOf(poc.cloud.named("clicks-writer-policy")).Statement).to.deep.include({
        Sid: "UseDedupTableKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keyArn,
        Condition: viaDynamoDb,
      });
    });
  });

  describe("config the program does not read", () => {
    it("warns about a typo such as tabel, naming the nearest key", async () => {
      const warnings: string[] = [];
      const warn = pulumi.log.warn;
      pulumi.log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
      };
      try {
        await up("consumer", { ...stackConfig("poc"), tabel: JSON.stringify({ deletionProtection: true }) }, {});
      } finally {
        pulumi.log.warn = warn;
      }
      expect(warnings).to.include('config key "tabel" is not one this program reads, so it has no effect; did you mean "table"? (Pulumi.yaml lists every key)');
      expect(warnings.filter((w) => w.includes("is not one this program reads"))).to.have.length(1);
    });
  });

  describe("invalid config fails before anything is planned, with a clear message", () => {
    const refusal = async (run: () => Promise<unknown>): Promise<string> => {
      try {
        await run();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("the stack deployed");
    };

    it("throws config problems as a RunError, which Pulumi prints without a stack trace", async () => {
      let error: unknown;
      try {
        await up("consumer", { sourceAccountId: "12345" });
      } catch (e) {
        error = e;
      }
      expect(pulumi.RunError.isInstance(error)).to.equal(true);
    });

    it("refuses a second projection on the dedup table's stream, which already feeds the forward function, with the reason and the way out", async () => {
      const index = (name: string) => ({ name, projection: { kind: "index", hashKey: "useremail" } });
      const message = await refusal(() => up("consumer", { projections: JSON.stringify([index("by-user"), index("by-page")]) }));
      expect(message).to.include(
        "projections lists 2 projections, but DynamoDB Streams serves at most 2 readers per shard and the dedup table's stream already feeds the archive's forward function: keep at most 1",
      );
      expect(message).to.include("Kinesis Data Streams for DynamoDB");
    });

    it("refuses three projections of the shared table's stream", async () => {
      const aggregate = (name: string) => ({ name, projection: { kind: "aggregate", groupBy: ["Username"] } });
      const message = await refusal(() => up("consumer", { sharedTableProjections: JSON.stringify(["a", "b", "c"].map(aggregate)) }));
      expect(message).to.include("sharedTableProjections lists 3 projections, but DynamoDB Streams serves at most 2 readers per shard");
    });

    it("names every bad account setting at once", async () => {
      const message = await refusal(() => up("consumer", { sourceAccountId: "12345", consumerAccountId: "", accessMode: "both" }));
      expect(message).to.equal(
        'stack "poc": invalid config:\n' +
          '  - accessMode must be one of "pull", "push", got "both"\n' +
          '  - sourceAccountId must be a 12-digit AWS account ID, got "12345"\n' +
          "  - consumerAccountId is required: the 12-digit ID of the consumer (POC) account",
      );
    });

    it("requires a region", async () => {
      expect(await refusal(() => up("source", { "aws:region": "" }))).to.match(/aws:region is required, and must be the same in both stacks/);
    });

    it("refuses credentials for another account than the config names", async () => {
      expect(await refusal(() => up("source", {}, undefined, CONSUMER))).to.equal(
        `stack "prod" deploys the source side into account ${SOURCE} (sourceAccountId), but the AWS credentials are for account ${CONSUMER}: switch credentials or fix the config`,
      );
    });

    it("refuses a source stream in another region or account", async () => {
      const message = await refusal(() => up("consumer", { sourceStreamArn: `arn:aws:kinesis:us-east-1:222222222222:stream/web-analytics` }));
      expect(message).to.include("sourceStreamArn is in account 222222222222, not 111111111111 as the config says");
      expect(message).to.include(
        "sourceStreamArn is in region us-east-1, but this stack deploys to eu-west-1: both accounts must use one region, as Lambda requires",
      );
    });

    it("refuses a consumer role that is not a role of the consumer account", async () => {
      const message = await refusal(() => up("source", { consumerIngestRoleArn: `arn:aws:iam::${CONSUMER}:root` }));
      expect(message).to.include(`consumerIngestRoleArn must be an ARN like arn:aws:iam::<account>:role/…, got "arn:aws:iam::${CONSUMER}:root"`);
    });

    it("refuses a peer stack deployed with another access mode or region", async () => {
      expect(await refusal(() => up("source", {}, { accessMode: "push" }))).to.equal(
        `the consumer stack (${POC_STACK}) uses accessMode "push" but this stack uses "pull": set the same accessMode in both stacks`,
      );
      expect(await refusal(() => up("consumer", {}, { region: "us-east-1" }))).to.match(
        /the source stack \(acme\/stream-replication\/prod\) is in region us-east-1 but this stack is in eu-west-1/,
      );
    });

    it("refuses half of the push target in config", async () => {
      const message = await refusal(() =>
        up("source", {
          accessMode: "push",
          consumerWriterRoleArn: `arn:aws:iam::${CONSUMER}:role/clicks-writer-role-9a8b7c6`,
          writerExternalId: "poc-writer-7f3a",
        }),
      );
      expect(message).to.include("the consumer's writer role and table name go together: consumerTableName is missing");
    });

    it("refuses an aggregate projection on a stream without old images, and two projections of one name", async () => {
      const hits = { name: "hits", projection: { kind: "aggregate", groupBy: ["page_id"] } };
      const message = await refusal(() =>
        up("consumer", { projections: JSON.stringify([hits, { ...hits, projection: { kind: "index", hashKey: "useremail" } }]) }),
      );
      expect(message).to.include('projections[0] ("hits") aggregates, which needs table.streamViewType NEW_AND_OLD_IMAGES');
      expect(message).to.include('projections has two entries named "hits"');
    });

    it("requires the external ID in push mode", async () => {
      expect(await refusal(() => up("consumer", { accessMode: "push" }))).to.match(
        /writerExternalId is required with accessMode "push": set it with `pulumi config set writerExternalId "\$\(openssl rand -hex 16\)"`/,
      );
    });
  });

  describe("the example stack configs (Pulumi.prod.yaml, Pulumi.poc.yaml)", () => {
    it("wire a running pull pipeline in three runs: poc, prod, poc", async () => {
      const poc1 = await up("consumer", stackConfig("poc"), {});
      const prod = await up("source", stackConfig("prod"), poc1.outputs);
      const poc2 = await up("consumer", stackConfig("poc"), prod.outputs);
      expect(prod.cloud.one("aws:kinesis/stream:Stream").inputs).to.include({ name: "web-analytics", retentionPeriod: 48 });
      expect(poc2.cloud.named("clicks-ingest-mapping").inputs).to.include({ eventSourceArn: prod.outputs.streamConsumerArn, batchSize: 300 });
      expect(poc2.cloud.named("clicks-table").inputs.deletionProtectionEnabled).to.equal(true);
      expect(poc2.outputs.nextStep).to.match(/^Wired/);
    });

    it("archive the dedup table's stream with the configured buffering", async () => {
      const poc = await up("consumer", stackConfig("poc"), {});
      expect(poc.cloud.named("clicks-forward-mapping").inputs.eventSourceArn).to.equal(poc.outputs.tableStreamArn);
      expect(poc.cloud.named("clicks-delivery").inputs.extendedS3Configuration).to.include({ bufferingSize: 5, bufferingInterval: 300 });
      expect(poc.cloud.named("clicks-bucket-lifecycle").inputs.rules[1].expiration).to.deep.equal({ days: 90 });
      expect(poc.outputs.archiveCsvColumns.slice(0, 3)).to.deep.equal(["dedup_key", "change", "changed_at"]);
      expect(poc.outputs.deliveryStreamName).to.equal(poc.cloud.named("clicks-delivery").state.name);
    });

    it("load the archive's processed rows into Aurora, hits as integers, or leave Aurora out when asked", async () => {
      const poc = await up("consumer", stackConfig("poc"), {});
      expect(poc.cloud.named("clicks-notification").inputs.bucket).to.equal(poc.outputs.archiveBucketName);
      const variables = poc.cloud.named("clicks-load-function").inputs.environment.variables;
      expect(JSON.parse(variables.COLUMNS)).to.deep.equal(poc.outputs.archiveCsvColumns);
      expect(JSON.parse(variables.COLUMN_TYPES)).to.deep.equal({ hits: "INT" });
      expect(poc.outputs).to.include({ databaseName: "clickstream", databaseTable: "web_analytics", clusterPort: 3306 });
      const archiveOnly = await up("consumer", { ...stackConfig("poc"), aurora: JSON.stringify({ enabled: false }) }, {});
      expect(archiveOnly.cloud.ofType("aws:rds/cluster:Cluster")).to.have.length(0);
      expect(archiveOnly.outputs.clusterEndpoint).to.equal(undefined);
    });

    it("keep the per-user index up to date from the dedup table's stream, saying at preview what a late backfill from the archive would miss", async () => {
      const warned: string[] = [];
      const warn = pulumi.log.warn;
      pulumi.log.warn = (message: string) => (warned.push(message), Promise.resolve());
      const poc = await up("consumer", stackConfig("poc"), {}).finally(() => (pulumi.log.warn = warn));
      // The stack hands each projection its archive's schema and columns: the example archive has no nanotimestamp column.
      expect(warned).to.include(
        'StreamProjection "by-user": projection.rangeKey reads nanotimestamp, which no column of the archive holds (a column whose path is "nanotimestamp"): a backfill from the archive parks the rows of every item the table has let expire, so those items are missing from the index',
      );
      expect(poc.cloud.named("by-user-table").inputs).to.include({ hashKey: "useremail", rangeKey: "nanotimestamp" });
      expect(poc.cloud.named("by-user-project-mapping").inputs.eventSourceArn).to.equal(poc.outputs.tableStreamArn);
      expect(poc.outputs.projectionTables).to.deep.equal({ "by-user": poc.cloud.named("by-user-table").state.name });
    });

    it("aggregate hits per page per day once the table's stream carries old images too", async () => {
      const hits = {
        name: "hits-per-page",
        projection: { kind: "aggregate", groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }], sums: [{ name: "hits", attribute: "Hits" }] },
      };
      const config = { ...stackConfig("poc"), table: JSON.stringify({ streamViewType: "NEW_AND_OLD_IMAGES" }), projections: JSON.stringify([hits]) };
      const poc = await up("consumer", config, {});
      expect(poc.cloud.named("clicks-table").inputs.streamViewType).to.equal("NEW_AND_OLD_IMAGES");
      expect(poc.cloud.has("hits-per-page-ledger")).to.equal(true);
    });

    it("wire a running push pipeline in three runs with accessMode push and an external ID: prod, poc, prod", async () => {
      const push = { accessMode: "push" };
      const prod1 = await up("source", { ...stackConfig("prod"), ...push }, {});
      const poc = await up("consumer", { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
      const prod2 = await up("source", { ...stackConfig("prod"), ...push }, poc.outputs);
      expect(prod2.cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs.eventSourceArn).to.equal(prod2.outputs.streamConsumerArn);
      expect(prod2.outputs.nextStep).to.match(/^Wired/);
    });
  });
});
