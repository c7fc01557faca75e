import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { StackConfig } from "../../stacks/config";
import { readConsumerConfig } from "../../stacks/consumer-config";
import { CONSUMER, installStack, type Outputs, SOURCE } from "../support/stacks";

const STREAM = `arn:aws:kinesis:eu-west-1:${SOURCE}:stream/web-analytics`;
const KEY = `arn:aws:kms:eu-west-1:${SOURCE}:key/5e6f7a8b-1111-4111-8111-111111111111`;
const SHARED_STREAM = `arn:aws:dynamodb:eu-west-1:${SOURCE}:table/GameScoreRecords/stream/2026-01-01T00:00:00.000`;
const aggregate = (name: string) => ({ name, projection: { kind: "aggregate", groupBy: ["Username"] } });

/** The consumer stack's config as the program reads it, with the source stack's outputs when given. */
async function read(config: Record<string, string>, sourceOutputs?: Outputs) {
  await installStack("consumer", config, sourceOutputs);
  return readConsumerConfig(new StackConfig(new pulumi.Config()));
}

async function refusal(config: Record<string, string>, sourceOutputs?: Outputs): Promise<Error> {
  try {
    await read(config, sourceOutputs);
  } catch (error) {
    return error as Error;
  }
  throw new Error("the config was accepted");
}

describe("consumer stack config (stacks/consumer-config.ts)", () => {
  it("gives DedupTable no stream in pull mode until the source stack reports its grant, then the stream, fan-out consumer and key", async () => {
    const before = await read({}, { streamArn: STREAM });
    expect(before.dedupTable.pull).to.deep.include({ streamArn: undefined });
    const after = await read(
      { table: JSON.stringify({ billingMode: "PAY_PER_REQUEST" }), ingest: JSON.stringify({ batchSize: 100 }) },
      { streamArn: STREAM, streamConsumerArn: `${STREAM}/consumer/poc:1`, streamKmsKeyArn: KEY, streamReadGrantedTo: `arn:aws:iam::${CONSUMER}:role/ingest` },
    );
    expect(after.dedupTable).to.deep.include({
      pull: { streamArn: STREAM, consumerArn: `${STREAM}/consumer/poc:1`, streamKmsKeyArn: KEY, streamRetentionHours: undefined },
      table: { billingMode: "PAY_PER_REQUEST" },
      ingest: { batchSize: 100 },
    });
    expect(after.dedupTable.push).to.equal(undefined);
    expect(after.pull).to.deep.equal({ grantedTo: `arn:aws:iam::${CONSUMER}:role/ingest` });
  });

  it("gives DedupTable the source's push role and the external ID in push mode", async () => {
    const role = `arn:aws:iam::${SOURCE}:role/clicks-ingest-role`;
    const config = await read(
      { accessMode: "push", writerExternalId: "poc-writer-7f3a" },
      { accessMode: "push", pushIngestRoleArn: role, pushIngestFunctionArn: `arn:aws:lambda:eu-west-1:${SOURCE}:function:push` },
    );
    expect(config.dedupTable.push).to.deep.include({ principalArn: role });
    expect(config.dedupTable.pull).to.equal(undefined);
    expect(config.push).to.deep.equal({ pushFunctionArn: `arn:aws:lambda:eu-west-1:${SOURCE}:function:push`, itemExpireAfterDays: undefined });
  });

  it("sends aurora's column types to the archive, keeps the table's key for the archive and projections, and leaves Aurora out when disabled", async () => {
    const index = { name: "by-user", projection: { kind: "index", hashKey: "useremail" } };
    const config = await read({
      table: JSON.stringify({ kmsKeyArn: KEY }),
      aurora: JSON.stringify({ columnTypes: { hits: "INT" }, enabled: false }),
      projections: JSON.stringify([index]),
    });
    expect(config.archive).to.deep.include({ columnTypes: { hits: "INT" }, tableKmsKeyArn: KEY });
    expect(config.aurora).to.equal(undefined);
    expect(config.projections).to.have.length(1);
    expect(config.projections[0].args).to.deep.include({ projection: { kind: "index", hashKey: "useremail" }, tableStreamKmsKeyArn: KEY });
    expect((await read({ aurora: JSON.stringify({ database: { name: "analytics" } }) })).aurora).to.deep.include({ database: { name: "analytics" } });
  });

  it("maps a shared-table projection only once the source stack granted it by name", async () => {
    const config = await read(
      { sharedTableProjections: JSON.stringify([aggregate("granted"), aggregate("new")]) },
      { sharedTableStreamArn: SHARED_STREAM, sharedTableKmsKeyArn: KEY, sharedTableReadGrantedTo: { granted: `arn:aws:iam::${CONSUMER}:role/granted` } },
    );
    expect(config.sharedTableProjections.map((p) => [p.name, p.readable, p.args.tableStreamArn])).to.deep.equal([
      ["granted", true, SHARED_STREAM],
      ["new", false, undefined],
    ]);
  });

  it("names every problem at once as one RunError: projections, column types, source ARNs and capacity", async () => {
    const error = await refusal({
      projections: JSON.stringify([aggregate("hits")]),
      archive: JSON.stringify({ columnTypes: { hits: "INT" } }),
      aurora: JSON.stringify({ columnTypes: { hits: "BIGINT" } }),
      sourceStreamArn: "arn:aws:kinesis:us-east-1:222222222222:stream/web-analytics",
      expectedLoad: JSON.stringify({ eventsPerSecond: -5, eventBytes: 500 }),
    });
    expect(pulumi.RunError.isInstance(error)).to.equal(true);
    expect(error.message).to.match(/^stack "poc": invalid config:\n/);
    expect(error.message).to.include('projections[0] ("hits") aggregates, which needs table.streamViewType NEW_AND_OLD_IMAGES');
    expect(error.message).to.include("archive.columnTypes and aurora.columnTypes disagree: set the column types once, in aurora.columnTypes");
    expect(error.message).to.include("sourceStreamArn is in account 222222222222, not 111111111111 as the config says");
    expect(error.message).to.include("sourceStreamArn is in region us-east-1, but this stack deploys to eu-west-1");
    expect(error.message).to.include("expectedLoad.eventsPerSecond");
  });

  it("refuses too many readers of either table stream, and a projection without a name", async () => {
    const error = await refusal({
      projections: JSON.stringify([aggregate("a"), { projection: aggregate("b").projection }]),
      sharedTableProjections: JSON.stringify(["c", "d", "e"].map(aggregate)),
    });
    expect(error.message).to.include("projections lists 2 projections, but DynamoDB Streams serves at most 2 readers per shard");
    expect(error.message).to.include("sharedTableProjections lists 3 projections");
    expect(error.message).to.include("projections[1] needs a name");
  });

  it("refuses a shared table stream of another account, and push mode without the external ID or with a source role of another account", async () => {
    expect(
      (
        await refusal({
          sharedTableProjections: JSON.stringify([aggregate("a")]),
          sourceSharedTableStreamArn: "arn:aws:dynamodb:eu-west-1:222222222222:table/T/stream/x",
        })
      ).message,
    ).to.include("sourceSharedTableStreamArn is in account 222222222222");
    const push = (await refusal({ accessMode: "push", sourceIngestRoleArn: "arn:aws:iam::222222222222:role/push" })).message;
    expect(push).to.include('writerExternalId is required with accessMode "push"');
    expect(push).to.include("sourceIngestRoleArn is in account 222222222222, not 111111111111 as the config says");
  });
});
