import { DescribeTableCommand, DescribeTimeToLiveCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { performance } from "node:perf_hooks";
import { EXPIRES_AT } from "../../functions/shared/dedup-key";
import { runClickstream } from "../../local/run";
import { startLocalPipeline, type LocalPipeline } from "../../local/runtime/pipeline";

/** Waits until `done` holds, failing with `what` when the pipeline has not got there in two minutes. */
async function until(what: string, done: () => boolean): Promise<void> {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > 120_000) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * docs/change-over-time.md#changing-the-tables-stream, run on the local pipeline while a producer
 * keeps writing. The local runtime cannot realize a changed stack again (its mocks know no update),
 * so each `pulumi up` of the runbook is the runtime's own equivalent: `ingest.enabled: false` pauses
 * the ingest mapping where it is; the view type change disables the table's stream and enables a new
 * one on DynamoDB Local, and replaces each mapping on it by one at the new stream's trim horizon, as
 * the provider and Lambda do; `ingest.enabled: true` resumes the ingest mapping where it stopped.
 * The pipeline starts with NEW_AND_OLD_IMAGES (its aggregate needs them), so the change goes to
 * NEW_IMAGE, which the stack would refuse with that aggregate: what is tested is the procedure,
 * the same either way; an INSERT's new image, all the archive and the aggregate read, is in both.
 */
describe("the runbook for changing the table's stream, on the local pipeline", function () {
  this.timeout(600_000);
  let pipeline: LocalPipeline;

  before(async () => {
    pipeline = await startLocalPipeline({ accessMode: "pull" });
  });

  after(async () => pipeline?.stop());

  it("loses no event and duplicates none, with events produced before, during and after the change", async () => {
    let produced = 0;
    const produce = pipeline.produce;
    pipeline.produce = async (records) => {
      const answers = await produce(records);
      produced += records.length;
      return answers;
    };
    const events = 3_600;
    const run = runClickstream(pipeline, { events, rate: 150, malformedShare: 0.02, duplicateShare: 0.1, seed: 25 });
    const table = pipeline.outputs.poc.tableName as string;
    const streamOf = async () => (await pipeline.clients.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table!.LatestStreamArn!;
    const oldStream = await streamOf();
    await until("events archived from the old stream", () => pipeline.progress().forward.done > 200);

    // 1. Pause the ingest mapping (ingest.enabled: false): the source stream keeps what is produced meanwhile.
    pipeline.setMappingEnabled(pipeline.stages.ingest, false);
    const producedAtPause = produced;
    // 2. Let the archive and the projections read the old stream to its end.
    await pipeline.drain();
    const drained = pipeline.progress();
    expect(drained.forward.done, "the forward function read the whole old stream").to.equal(drained.tableStreamRecords);
    for (const projection of drained.projections.filter((p) => p.name === "hits-per-page"))
      expect(projection.done, projection.name).to.equal(drained.tableStreamRecords);

    // 3. Change the view type (table.streamViewType, with liveChangesAcknowledged): a new stream, the mappings on it replaced.
    const newStream = await pipeline.changeTableStream("NEW_IMAGE");
    expect(newStream).to.not.equal(pipeline.outputs.poc.tableStreamArn);
    expect(await streamOf()).to.not.equal(oldStream);
    const { Table } = await pipeline.clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    expect(Table!.StreamSpecification).to.deep.equal({ StreamEnabled: true, StreamViewType: "NEW_IMAGE" });

    // 4. Resume the ingest mapping (ingest.enabled: true): it goes on where it stopped.
    const producedAtResume = produced;
    pipeline.setMappingEnabled(pipeline.stages.ingest, true);

    const summary = await run;
    expect(producedAtResume, "events produced while the ingest was paused").to.be.greaterThan(producedAtPause);
    expect(producedAtResume, "events produced after the change").to.be.below(events);
    const onNewStream = pipeline.mappings.progress().filter((m) => m.functionName === pipeline.stages.forward && m.sourceArn === newStream);
    expect(
      onNewStream.reduce((sum, m) => sum + m.read, 0),
      "events archived from the new stream",
    ).to.be.greaterThan(0);

    expect(summary.lost, "lost").to.equal(0);
    expect(summary.duplicated, "duplicated").to.equal(0);
    expect(summary.loadedRows).to.equal(summary.valid);
    expect(summary.dedupItems).to.equal(summary.valid);
    expect(summary.projections["hits-per-page"].count, "aggregate count").to.equal(summary.valid);
  });

  it("writes every item's expiry, on a table whose TTL is on that attribute", async () => {
    const table = pipeline.outputs.poc.tableName as string;
    const window = Number(pipeline.functions.all().find((fn) => fn.name === pipeline.stages.ingest)!.environment.EXPIRE_AFTER_SECONDS);
    expect(window, "the ingest function's EXPIRE_AFTER_SECONDS").to.be.greaterThan(0);
    const { TimeToLiveDescription } = await pipeline.clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(TimeToLiveDescription).to.deep.include({ TimeToLiveStatus: "ENABLED", AttributeName: EXPIRES_AT });
    const { Items = [] } = await pipeline.clients.dynamodb.send(new ScanCommand({ TableName: table, Limit: 50 }));
    expect(Items).to.have.length(50);
    for (const item of Items) {
      const arrived = Math.floor(Number(item.approximateArrivalTimestamp.N));
      expect(Number(item[EXPIRES_AT].N) - arrived, "seconds from arrival to expiry").to.equal(window);
    }
  });
});
