import { expect } from "chai";
import { PushIngest } from "../../components/push-ingest";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11";
const WRITER_ROLE = "arn:aws:iam::999999999999:role/clicks-writer-role-9a8b7c6";

describe("PushIngest", () => {
  describe("before the consumer account has a writer role", () => {
    const cloud = new MockCloud({ accountId: "111111111111" });
    let component: PushIngest;

    before(async () => {
      await cloud.install();
      component = new PushIngest("clicks", { streamArn: STREAM_ARN, streamKmsKeyArn: KEY_ARN });
      await cloud.settle();
    });

    it("deploys only the execution role, which Lambda alone may assume", async () => {
      expect(cloud.resources.map((r) => r.type)).to.deep.equal(["stream-replication:index:PushIngest", "aws:iam/role:Role"]);
      expect(policyOf(cloud.one("aws:iam/role:Role"), "assumeRolePolicy").Statement[0].Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
      expect(await resolve(component.ingestRoleArn)).to.equal(cloud.one("aws:iam/role:Role").state.arn);
      expect(await resolve(component.ingestFunctionArn)).to.equal(undefined);
    });
  });

  describe("with the writer role", () => {
    const cloud = new MockCloud({ accountId: "111111111111" });
    let component: PushIngest;
    let earlyRoleUrn: string;

    before(async () => {
      const early = new MockCloud({ accountId: "111111111111" });
      await early.install();
      new PushIngest("clicks", { streamArn: STREAM_ARN });
      await early.settle();
      earlyRoleUrn = early.one("aws:iam/role:Role").urn;

      await cloud.install();
      component = new PushIngest("clicks", {
        streamArn: STREAM_ARN,
        streamKmsKeyArn: KEY_ARN,
        writer: { roleArn: WRITER_ROLE, externalId: "poc-writer-7f3a", tableName: "clicks-table-0c1d2e3" },
        ingest: { batchSize: 500 },
      });
      await cloud.settle();
    });

    it("keeps the role it deployed first, so the writer role's trust stays valid", () => {
      expect(cloud.one("aws:iam/role:Role").urn).to.equal(earlyRoleUrn);
    });

    it("gives the function the consumer table, the writer role and the external ID", () => {
      expect(cloud.one("aws:lambda/function:Function").inputs.environment.variables).to.include({
        TABLE_NAME: "clicks-table-0c1d2e3",
        WRITER_ROLE_ARN: WRITER_ROLE,
        WRITER_EXTERNAL_ID: "poc-writer-7f3a",
      });
    });

    it("lets the role assume only the writer role, read only the stream and decrypt only its records, through Kinesis", () => {
      const bucket = cloud.one("aws:s3/bucket:Bucket").state.arn;
      const statements = policyOf(cloud.one("aws:iam/rolePolicy:RolePolicy")).Statement.slice(1);
      expect(statements).to.deep.equal([
        { Sid: "AssumeWriterRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: WRITER_ROLE },
        {
          Sid: "ReadSourceStream",
          Effect: "Allow",
          Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
          Resource: STREAM_ARN,
        },
        {
          Sid: "DecryptSourceStream",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: KEY_ARN,
          Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": STREAM_ARN } },
        },
        { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/*` },
        { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
      ]);
    });

    it("maps the stream with the same retry and failure settings as pull mode", async () => {
      const mapping = cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
      expect(mapping).to.include({ eventSourceArn: STREAM_ARN, batchSize: 500, bisectBatchOnFunctionError: true, maximumRetryAttempts: 10 });
      expect(mapping.destinationConfig.onFailure.destinationArn).to.equal(cloud.one("aws:s3/bucket:Bucket").state.arn);
      expect(await resolve(component.eventSourceMappingId)).to.equal(cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").state.uuid);
    });
  });

  it("validates its settings", async () => {
    await new MockCloud().install();
    expect(() => new PushIngest("bad", { streamArn: STREAM_ARN, ingest: { batchSize: 20_000 }, logRetentionDays: 0 })).to.throw(
      /PushIngest "bad": invalid arguments:\n {2}- logRetentionDays must be a retention CloudWatch Logs accepts \(1, 3, 5, [\d, ]+\), got 0\n {2}- ingest\.batchSize must be an integer from 1 to 10000, got 20000/,
    );
  });
});
