import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { policies } from "../../policy/policies";
import { type RecordedResource } from "../harness/mock-cloud";
import { stackConfig, up } from "../support/stacks";

/** A recorded resource as a policy sees it: its inputs and the outputs the mocks gave it. */
const asPolicyResource = (r: RecordedResource): PolicyResource => ({ type: r.type, name: r.name, urn: r.urn, props: { ...r.inputs, ...r.state } }) as unknown as PolicyResource;

/** Every violation the pack reports for these resources, as "policy: message". */
function violations(resources: PolicyResource[]): string[] {
  const found: string[] = [];
  for (const policy of policies) {
    const report = (message: string) => found.push(`${policy.name}: ${message}`);
    // The pack's policies each have one validation function.
    type Validate = (args: unknown, report: (message: string) => void) => void;
    const perResource = (policy as ResourceValidationPolicy).validateResource as Validate | undefined;
    const perStack = (policy as StackValidationPolicy).validateStack as Validate | undefined;
    for (const resource of resources) perResource?.({ ...resource, opts: {}, stackTags: new Map() }, report);
    perStack?.({ resources, stackTags: new Map() }, report);
  }
  return found;
}

const resource = (type: string, props: Record<string, unknown>, name = "broken"): PolicyResource => ({ type, name, urn: `urn:pulumi:test::p::${type}::${name}`, props }) as unknown as PolicyResource;

describe("policy pack", function () {
  this.timeout(60_000);

  describe("on the stacks as they are", () => {
    it("passes on both stacks in pull mode, with every option of the example configs", async () => {
      const poc1 = await up("consumer", { ...stackConfig("poc"), table: JSON.stringify({ streamViewType: "NEW_AND_OLD_IMAGES" }) }, {});
      const prod = await up("source", { ...stackConfig("prod"), sharedTable: JSON.stringify({ hashKey: "userId" }) }, poc1.outputs);
      const poc2 = await up("consumer", stackConfig("poc"), prod.outputs);
      for (const cloud of [prod.cloud, poc2.cloud]) expect(violations(cloud.resources.map(asPolicyResource))).to.deep.equal([]);
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
      ["a bucket without default encryption", [resource("aws:s3/bucket:Bucket", { bucket: "b" }), resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "b", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })], /private-encrypted-buckets: bucket broken has no default encryption/],
      ["a bucket that lets public policies in", [resource("aws:s3/bucket:Bucket", { bucket: "b" }), resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: "b" }), resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "b", blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true })], /private-encrypted-buckets: bucket broken does not block all public access/],
      ["a bucket policy open to everyone", [resource("aws:s3/bucketPolicy:BucketPolicy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }) })], /no-unconditioned-public-principal/],
      ["a trust policy open to every AWS account", [resource("aws:iam/role:Role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) })], /no-unconditioned-public-principal/],
      ["a mapping with no on-failure destination", [resource("aws:lambda/eventSourceMapping:EventSourceMapping", { maximumRetryAttempts: 10 })], /stream-mappings-park-failures: .*on-failure destination/],
      ["a mapping that retries forever", [resource("aws:lambda/eventSourceMapping:EventSourceMapping", { maximumRetryAttempts: -1, destinationConfig: { onFailure: { destinationArn: "arn:aws:s3:::x" } } })], /stream-mappings-park-failures: .*bound maximumRetryAttempts/],
      ["a log group kept forever", [resource("aws:cloudwatch/logGroup:LogGroup", {})], /log-retention: log groups must set retentionInDays/],
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
