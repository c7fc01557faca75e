import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { consumerStack } from "../../stacks/poc";
import { COMPOSITIONS, selectComposition } from "../../stacks/select";
import { MockCloud, resolve } from "../harness/mock-cloud";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";

describe("stacks", () => {
  describe("choosing the composition", () => {
    it("deploys the consumer side on a stack named poc", () => {
      expect(selectComposition("poc", undefined)).to.equal(COMPOSITIONS.consumer);
    });

    it("lets a new stack, such as staging, pick its composition by config alone", () => {
      expect(selectComposition("staging", "consumer")).to.equal(COMPOSITIONS.consumer);
    });

    it("tells the user which config key to set for a stack with no default", () => {
      expect(() => selectComposition("staging", undefined)).to.throw(/stack "staging" has no default composition: set one with `pulumi config set composition <consumer>`/);
    });

    it("names the available compositions when the selected one does not exist", () => {
      expect(() => selectComposition("prod", undefined)).to.throw(/composition "source", which this version of the program does not have; available: consumer/);
    });
  });

  describe("the poc stack", () => {
    const cloud = new MockCloud({ stack: "poc" });
    let outputs: ReturnType<typeof consumerStack>;

    before(async () => {
      await cloud.install({
        sourceStreamArn: STREAM_ARN,
        table: JSON.stringify({ deletionProtection: true, streamViewType: "NEW_AND_OLD_IMAGES" }),
        ingest: JSON.stringify({ batchSize: 500 }),
        logRetentionDays: "14",
      });
      outputs = consumerStack(new pulumi.Config());
      await cloud.settle();
    });

    it("composes a DedupTable reading the configured source stream", () => {
      cloud.one("stream-replication:index:DedupTable");
      expect(cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs).to.include({ eventSourceArn: STREAM_ARN, batchSize: 500 });
    });

    it("passes the table and log settings from config to the component", () => {
      expect(cloud.one("aws:dynamodb/table:Table").inputs).to.include({ deletionProtectionEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" });
      expect(cloud.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).to.equal(14);
    });

    it("exports what the other account and the next stages need", async () => {
      expect(Object.keys(outputs).sort()).to.deep.equal(
        ["deadLetterBucketName", "ingestFunctionArn", "ingestRoleArn", "tableArn", "tableName", "tableStreamArn"],
      );
      expect(await resolve(outputs.ingestRoleArn)).to.match(/^arn:aws:iam::999999999999:role\/clicks-ingest-role-/);
    });
  });
});
