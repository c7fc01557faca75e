import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MockCloud, resolve } from "../harness/mock-cloud";

describe("the mocks harness", () => {
  const cloud = new MockCloud({
    accountId: "111111111111",
    region: "eu-central-1",
    stackOutputs: { "acme/stream-replication/poc": { ingestRoleArn: "arn:aws:iam::999999999999:role/clicks-ingest-role-1a2b3c4" } },
  });

  before(() => cloud.install());

  it("stands in for a stack reference with the given outputs", async () => {
    const poc = new pulumi.StackReference("acme/stream-replication/poc");
    expect(await resolve(poc.getOutput("ingestRoleArn"))).to.equal("arn:aws:iam::999999999999:role/clicks-ingest-role-1a2b3c4");
  });

  it("answers caller identity, region and partition for the configured account", async () => {
    expect(await resolve(aws.getCallerIdentityOutput().accountId)).to.equal("111111111111");
    expect(await resolve(aws.getRegionOutput().region)).to.equal("eu-central-1");
    expect(await resolve(aws.getPartitionOutput().partition)).to.equal("aws");
  });

  it("gives each resource type an ARN in its service's own format", async () => {
    const stream = new aws.kinesis.Stream("clicks", {});
    const queue = new aws.sqs.Queue("dlq", {});
    expect(await resolve(stream.arn)).to.match(/^arn:aws:kinesis:eu-central-1:111111111111:stream\/clicks-[0-9a-f]{7}$/);
    expect(await resolve(queue.arn)).to.match(/^arn:aws:sqs:eu-central-1:111111111111:dlq-[0-9a-f]{7}$/);
  });
});
