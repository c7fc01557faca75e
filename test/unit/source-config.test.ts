import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { StackConfig } from "../../stacks/config";
import { readSourceConfig } from "../../stacks/source-config";
import { resolve } from "../harness/mock-cloud";
import { CONSUMER, installStack, type Outputs } from "../support/stacks";

const INGEST_ROLE = `arn:aws:iam::${CONSUMER}:role/clicks-ingest-role-1a2b3c4`;
const WRITER_ROLE = `arn:aws:iam::${CONSUMER}:role/clicks-writer-role-9a8b7c6`;

/** The source stack's config as the program reads it, with the consumer stack's outputs when given. */
async function read(config: Record<string, string>, consumerOutputs?: Outputs) {
  await installStack("source", config, consumerOutputs);
  return readSourceConfig(new StackConfig(new pulumi.Config()));
}

async function refusal(config: Record<string, string>, consumerOutputs?: Outputs): Promise<Error> {
  try {
    await read(config, consumerOutputs);
  } catch (error) {
    return error as Error;
  }
  throw new Error("the config was accepted");
}

describe("source stack config (stacks/source-config.ts)", () => {
  it("gives CrossAccountStreamSource its arguments: the stream settings, the fan-out name and the role the consumer stack reports", async () => {
    const config = await read(
      { stream: JSON.stringify({ shardCount: 2 }), fanOutConsumerName: "poc-ingest", protectData: "false" },
      { ingestRoleArn: INGEST_ROLE },
    );
    expect(config.streamSource).to.deep.include({
      stream: { shardCount: 2 },
      consumerRoleArn: INGEST_ROLE,
      fanOutConsumerName: "poc-ingest",
      sharedTable: undefined,
      sharedTableReaderRoleArns: [],
      protectData: false,
    });
    expect(config.streamSource.tags).to.deep.equal({ project: "stream-replication", stack: "prod", "data-classification": "personal" });
    expect(config.push).to.equal(undefined);
    expect(config.capacityInput).to.deep.include({ accessMode: "pull", stream: { shardCount: 2 }, fanOut: true });
  });

  it("prefers a value in config to the consumer stack's output", async () => {
    const configured = `arn:aws:iam::${CONSUMER}:role/configured`;
    expect((await read({ consumerIngestRoleArn: configured }, { ingestRoleArn: INGEST_ROLE })).streamSource.consumerRoleArn).to.equal(configured);
  });

  it("gives PushIngest its writer in push mode once the consumer reports role, table and external ID, and the ingest settings (0 days: kept forever)", async () => {
    const config = await read(
      { accessMode: "push", ingest: JSON.stringify({ batchSize: 50 }), deadLetterExpireAfterDays: "0" },
      { accessMode: "push", writerRoleArn: WRITER_ROLE, tableName: "clicks-table", writerExternalId: "poc-writer-7f3a" },
    );
    expect(config.push).to.deep.include({ ingest: { batchSize: 50 } });
    expect((await read({ accessMode: "push", deadLetterExpireAfterDays: "30" })).push).to.deep.include({ ingest: { deadLetterExpireAfterDays: 30 } });
    const writer = config.push!.writer!;
    expect(writer.roleArn).to.equal(WRITER_ROLE);
    expect(writer.tableName).to.equal("clicks-table");
    expect(await resolve(pulumi.output(writer.externalId))).to.equal("poc-writer-7f3a");
  });

  it("deploys no writer in push mode until the consumer reports one", async () => {
    expect((await read({ accessMode: "push" })).push).to.deep.include({ writer: undefined });
  });

  it("names every problem at once, capacity and wiring alike, as one RunError", async () => {
    const error = await refusal({
      capacityCheck: "maybe",
      serviceQuotas: JSON.stringify({ lambdaConcurrency: -1, shards: 5 }),
      consumerIngestRoleArn: `arn:aws:iam::${CONSUMER}:root`,
    });
    expect(pulumi.RunError.isInstance(error)).to.equal(true);
    expect(error.message).to.match(/^stack "prod": invalid config:\n/);
    expect(error.message).to.include('capacityCheck must be one of "warn", "fail", got "maybe"');
    expect(error.message).to.include("serviceQuotas.lambdaConcurrency must be a positive number, got -1");
    expect(error.message).to.include("serviceQuotas.shards is not a quota the capacity model knows");
    expect(error.message).to.include(`consumerIngestRoleArn must be an ARN like arn:aws:iam::<account>:role/…, got "arn:aws:iam::${CONSUMER}:root"`);
  });

  it("refuses deadLetterExpireAfterDays out of range under its config key's name", async () => {
    expect((await refusal({ accessMode: "push", deadLetterExpireAfterDays: "40000" })).message).to.include(
      "deadLetterExpireAfterDays must be an integer from 1 to 36500, got 40000",
    );
  });

  it("refuses a shared-table reader role of another account", async () => {
    const error = await refusal({
      sharedTable: JSON.stringify({ name: "GameScoreRecords", hashKey: "RecordID" }),
      consumerSharedTableReaderRoleArns: JSON.stringify({ scores: "arn:aws:iam::222222222222:role/scores" }),
    });
    expect(error.message).to.include(`consumerSharedTableReaderRoleArns.scores is in account 222222222222, not ${CONSUMER} as the config says`);
  });

  it("refuses a push writer without its table name, or without the external ID", async () => {
    expect((await refusal({ accessMode: "push", consumerWriterRoleArn: WRITER_ROLE, writerExternalId: "poc-writer-7f3a" })).message).to.include(
      "the consumer's writer role and table name go together: consumerTableName is missing",
    );
    expect((await refusal({ accessMode: "push", consumerWriterRoleArn: WRITER_ROLE, consumerTableName: "clicks-table" })).message).to.include(
      'writerExternalId is required with accessMode "push"',
    );
  });

  it("refuses bad accounts before asking anything of the consumer stack", async () => {
    expect((await refusal({ sourceAccountId: "12345" })).message).to.include('sourceAccountId must be a 12-digit AWS account ID, got "12345"');
  });
});
