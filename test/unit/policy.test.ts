import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { policies } from "../../policy/policies";
import { type RecordedResource } from "../harness/mock-cloud";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up } from "../support/stacks";

/** A recorded resource as a policy sees it: its inputs and the outputs the mocks gave it. */
const asPolicyResource = (r: RecordedResource): PolicyResource =>
  ({ type: r.type, name: r.name, urn: r.urn, props: { ...r.inputs, ...r.state }, opts: { protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace } }) as unknown as PolicyResource;

/** Every violation the pack reports for these resources, as "policy: message". */
function violations(resources: PolicyResource[]): string[] {
  const found: string[] = [];
  for (const policy of policies) {
    const report = (message: string) => found.push(`${policy.name}: ${message}`);
    // The pack's policies each have one validation function.
    type Validate = (args: unknown, report: (message: string) => void) => void;
    const perResource = (policy as ResourceValidationPolicy).validateResource as Validate | undefined;
    const perStack = (policy as StackValidationPolicy).validateStack as Validate | undefined;
    for (const resource of resources) perResource?.({ ...resource, opts: resource.opts ?? {}, stackTags: new Map() }, report);
    perStack?.({ resources, stackTags: new Map() }, report);
  }
  return found;
}

const resource = (type: string, props: Record<string, unknown>, name = "broken", protect = true): PolicyResource =>
  ({ type, name, urn: `urn:pulumi:test::p::${type}::${name}`, props, opts: { protect } }) as unknown as PolicyResource;

const TABLE = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3";
const TABLE_STREAM = `${TABLE}/stream/2026-01-01T00:00:00.000`;
const TOPIC = "arn:aws:sns:eu-west-1:999999999999:alerts-1a2b3c4";
const KEY = "arn:aws:kms:eu-west-1:999999999999:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11";

describe("policy pack", function () {
  this.timeout(60_000);

  describe("on the stacks as they are", () => {
    it("passes on both stacks in pull mode, with every option of the example configs", async () => {
      const table = JSON.stringify({ streamViewType: "NEW_AND_OLD_IMAGES", kmsKeyArn: "arn:aws:kms:eu-west-1:999999999999:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11" });
      const poc1 = await up("consumer", { ...stackConfig("poc"), table, ...SCORES_BY_USER }, {});
      const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, poc1.outputs);
      const poc2 = await up("consumer", { ...stackConfig("poc"), table, ...SCORES_BY_USER }, prod.outputs);
      for (const cloud of [prod.cloud, poc2.cloud]) expect(violations(cloud.resources.map(asPolicyResource))).to.deep.equal([]);
    });

    it("finds every data-bearing resource of a test stack with protectData false unprotected, as its policy config must then allow", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), protectData: "false" }, {});
      const found = violations(poc.cloud.resources.map(asPolicyResource));
      expect(found.length).to.be.greaterThan(5);
      for (const violation of found) expect(violation).to.match(/^data-bearing-resources-protected: /);
    });

    it("passes on both stacks in push mode", async () => {
      const push = { accessMode: "push" };
      const prod1 = await up("source", { ...stackConfig("prod"), ...push }, {});
      const poc = await up("consumer", { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
      const prod2 = await up("source", { ...stackConfig("prod"), ...push }, poc.outputs);
      for (const cloud of [poc.cloud, prod2.cloud]) expect(violations(cloud.resources.map(asPolicyResource))).to.deep.equal([]);
    });
  });

  describe("on deliberately broken inputs", () => {
    const cases: [string, PolicyResource[], RegExp][] = [
      ["an unencrypted stream", [resource("aws:kinesis/stream:Stream", { encryptionType: "NONE" })], /encryption-at-rest: Kinesis streams must be encrypted/],
      ["a table without server-side encryption", [resource("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: false } })], /encryption-at-rest: DynamoDB tables/],
      ["a queue without SSE", [resource("aws:sqs/queue:Queue", {})], /encryption-at-rest: SQS queues/],
      ["a topic without a key", [resource("aws:sns/topic:Topic", {})], /encryption-at-rest: SNS topics/],
      ["a delivery stream without SSE", [resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", {})], /encryption-at-rest: Firehose/],
      ["an unencrypted cluster", [resource("aws:rds/cluster:Cluster", { storageEncrypted: false })], /encryption-at-rest: RDS clusters/],
      ["a bucket without default encryption", [resource("aws:s3/bucket:Bucket", { bucket: "bucket-b" }), resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "bucket-b", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })], /private-encrypted-buckets: bucket broken has no default encryption/],
      ["a bucket that lets public policies in", [resource("aws:s3/bucket:Bucket", { bucket: "bucket-b" }), resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: "bucket-b" }), resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "bucket-b", blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true })], /private-encrypted-buckets: bucket broken does not block all public access/],
      ["a bucket policy open to everyone", [resource("aws:s3/bucketPolicy:BucketPolicy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }) })], /no-unconditioned-public-principal/],
      ["a trust policy open to every AWS account", [resource("aws:iam/role:Role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) })], /no-unconditioned-public-principal/],
      ["a mapping with no on-failure destination", [resource("aws:lambda/eventSourceMapping:EventSourceMapping", { maximumRetryAttempts: 10 })], /stream-mappings-park-failures: .*on-failure destination/],
      ["a mapping that retries forever", [resource("aws:lambda/eventSourceMapping:EventSourceMapping", { maximumRetryAttempts: -1, destinationConfig: { onFailure: { destinationArn: "arn:aws:s3:::x" } } })], /stream-mappings-park-failures: .*bound maximumRetryAttempts/],
      ["a log group kept forever", [resource("aws:cloudwatch/logGroup:LogGroup", {})], /log-retention: log groups must set retentionInDays/],
      ["a log group kept 13 days, which CloudWatch Logs refuses", [resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 13 })], /log-retention-accepted: retentionInDays 13/],
      ["an unprotected table", [resource("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: true } }, "broken", false)], /data-bearing-resources-protected: aws:dynamodb\/table:Table broken holds data but is not protected/],
      ["an unprotected key", [resource("aws:kms/key:Key", {}, "broken", false)], /data-bearing-resources-protected: aws:kms\/key:Key/],
      ["a rule description with an apostrophe", [resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { description: "HTTPS through the network's NAT" })], /security-group-rule-descriptions: rule description "HTTPS through the network's NAT"/],
      ["a function name over 64 characters after auto-naming", [resource("aws:lambda/function:Function", { name: `${"p".repeat(50)}-project-function-1a2b3c4` })], /physical-names-within-limits: Lambda function name .* is 75 characters; AWS allows 64/],
      ["a bucket name with an underscore", [resource("aws:s3/bucket:Bucket", { bucket: "by_user-dead-letter-1a2b3c4" }), resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: "by_user-dead-letter-1a2b3c4" }), resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "by_user-dead-letter-1a2b3c4", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })], /physical-names-within-limits: S3 bucket name "by_user-dead-letter-1a2b3c4": lowercase letters/],
      ["a third reader of one DynamoDB stream", ["forward", "by-user", "hits"].map((name) => resource("aws:lambda/eventSourceMapping:EventSourceMapping", { eventSourceArn: TABLE_STREAM, maximumRetryAttempts: 10, destinationConfig: { onFailure: { destinationArn: "arn:aws:s3:::x" } } }, name)), /dynamodb-stream-readers: 3 mappings read .*\/stream\/.* \(forward, by-user, hits\); DynamoDB Streams serves at most 2/],
      ["alarms notifying a topic encrypted with the AWS-managed key", [resource("aws:sns/topic:Topic", { arn: TOPIC, kmsMasterKeyId: "alias/aws/sns" }), resource("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [TOPIC] })], /alarm-topic-key-admits-cloudwatch: alarms notify topic broken, whose key alias\/aws\/sns does not let cloudwatch\.amazonaws\.com use it/],
      ["alarms notifying a topic whose key policy leaves CloudWatch out", [resource("aws:sns/topic:Topic", { arn: TOPIC, kmsMasterKeyId: KEY }, "topic"), resource("aws:kms/key:Key", { arn: KEY, policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:*", Resource: "*" }] }) }), resource("aws:cloudwatch/metricAlarm:MetricAlarm", { okActions: [TOPIC] })], /alarm-topic-key-admits-cloudwatch: alarms notify topic topic/],
      ["a role that writes a table encrypted with a customer key it may not use", [resource("aws:dynamodb/table:Table", { arn: TABLE, serverSideEncryption: { enabled: true, kmsKeyArn: KEY } }), resource("aws:iam/rolePolicy:RolePolicy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "dynamodb:PutItem", Resource: TABLE }, { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY }] }) }, "writer-policy")], /table-key-usable: writer-policy lets its role use table broken, encrypted with .*, but not kms:GenerateDataKey on that key/],
      ["a role that reads a table's stream without its customer key", [resource("aws:dynamodb/table:Table", { arn: TABLE, serverSideEncryption: { enabled: true, kmsKeyArn: KEY } }), resource("aws:iam/rolePolicy:RolePolicy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "dynamodb:GetRecords", Resource: TABLE_STREAM }] }) }, "reader-policy")], /table-key-usable: reader-policy .* but not kms:Decrypt on that key/],
    ];

    for (const [what, resources, expected] of cases) {
      it(`reports ${what}`, () => {
        const found = violations(resources);
        expect(found).to.have.length(1);
        expect(found[0]).to.match(expected);
      });
    }

    it("accepts a public principal held to a condition, and a deny", () => {
      const conditioned = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } };
      const deny = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
      expect(violations([resource("aws:s3/bucketPolicy:BucketPolicy", { policy: JSON.stringify({ Statement: [conditioned, deny] }) })])).to.deep.equal([]);
    });
  });
});
