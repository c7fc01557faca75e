import { expect } from "chai";
import { changePrinter, progressLine } from "../../local/progress-line";
import { producerChunk, type RunProgress, type RunSummary } from "../../local/run";
import { activity, pendingWork, type MappingStage, type PipelineProgress } from "../../local/runtime/progress";
import { summaryLines } from "../../local/summary";

const stage = (done: number, extra: Partial<MappingStage> = {}): MappingStage => ({ read: done, done, inFlight: 0, parked: 0, ...extra });

/** A pipeline that has handled everything: 2,943 valid events of 3,000, every stage caught up. */
function idle(): PipelineProgress {
  return {
    ingest: stage(3_000, { parked: 57 }),
    tableItems: 2_943,
    tableStreamRecords: 2_943,
    forward: stage(2_943),
    firehose: { received: 3_249, buffered: 0, delivered: 3_249, failed: 0, objects: 12 },
    load: { handled: 12, inFlight: 0 },
    projections: [
      { name: "by-user", ...stage(2_943), streamRecords: 2_943 },
      { name: "hits-per-page", ...stage(2_943), streamRecords: 2_943 },
    ],
  };
}

const update = (pipeline: PipelineProgress, extra: Partial<RunProgress> = {}): RunProgress => ({
  elapsedMs: 12_000,
  produced: 3_000,
  events: 3_000,
  valid: 2_943,
  loadedRows: 2_943,
  pipeline,
  ...extra,
});

describe("the local run's progress", () => {
  describe("what the pipeline is waiting for while it drains", () => {
    it("is nothing once every stage has handled every record", () => {
      expect(pendingWork(idle())).to.deep.equal([]);
    });

    it("names each projection behind the table's stream, with how far it got", () => {
      const p = idle();
      p.projections[1] = { name: "hits-per-page", ...stage(2_000), streamRecords: 2_943 };
      expect(pendingWork(p)).to.deep.equal(["projection hits-per-page (2000 of 2943 stream records handled)"]);
    });

    it("measures a projection of another table's stream against that stream's records", () => {
      const p = idle();
      p.projections.push({ name: "scores-by-user", ...stage(40), streamRecords: 90 });
      expect(pendingWork(p)).to.deep.equal(["projection scores-by-user (40 of 90 stream records handled)"]);
      expect(progressLine(update(p, { loadedRows: 2_900 }))).to.match(/ · scores-by-user 40\/90$/);
    });

    it("names a batch in a function, Firehose's buffer and objects being loaded, in the order records flow", () => {
      const p = idle();
      p.ingest = stage(2_700, { inFlight: 300 });
      p.firehose.buffered = 120;
      p.load.inFlight = 2;
      p.projections[0] = { name: "by-user", ...stage(2_800, { inFlight: 100 }), streamRecords: 2_943 };
      expect(pendingWork(p)).to.deep.equal([
        "ingest (a batch of 300 records in the function)",
        "Firehose (120 records in its buffer)",
        "the loader (2 objects being loaded)",
        "projection by-user (a batch of 100 records in the function; 2800 of 2943 stream records handled)",
      ]);
    });

    it("says so when a stage cannot read its stream", () => {
      const p = idle();
      p.forward = stage(100, { readError: "ExpiredIteratorException: Iterator expired" });
      expect(pendingWork(p)).to.deep.equal(["forward (cannot read its stream: ExpiredIteratorException: Iterator expired)"]);
    });

    it("counts any record moving anywhere as activity, so a drain waits for it", () => {
      const before = activity(idle());
      for (const move of [
        (p: PipelineProgress) => (p.projections[0].done += 1),
        (p: PipelineProgress) => (p.firehose.objects += 1),
        (p: PipelineProgress) => (p.load.handled += 1),
        (p: PipelineProgress) => (p.ingest.read += 1),
      ]) {
        const p = idle();
        move(p);
        expect(activity(p)).to.not.equal(before);
      }
    });
  });

  describe("the progress line", () => {
    it("shows every stage, parked records and each projection", () => {
      const p = idle();
      p.projections[1] = { name: "hits-per-page", ...stage(2_000, { parked: 3 }), streamRecords: 2_943 };
      expect(progressLine(update(p, { loadedRows: 2_900 }))).to.equal(
        "produced 3000/3000 · ingest 3000 read, 57 parked · dedup table 2943 · forwarded 2943 · Firehose 0 buffered, 3249 archived · MySQL 2900/2943 rows · by-user 2943/2943 · hits-per-page 2000/2943, 3 parked",
      );
    });

    it("says what the drain waits for once every row is in", () => {
      const p = idle();
      p.projections[1] = { name: "hits-per-page", ...stage(2_000), streamRecords: 2_943 };
      expect(progressLine(update(p, { draining: pendingWork(p) }))).to.equal(
        "all 2943 rows loaded; waiting for projection hits-per-page (2000 of 2943 stream records handled)",
      );
    });

    it("is printed only when it says something new", () => {
      const printed: string[] = [];
      const show = changePrinter((line) => printed.push(line));
      const p = idle();
      show(update(p, { elapsedMs: 1_000 }));
      show(update(p, { elapsedMs: 2_000 }));
      p.projections[0].done = 2_944;
      show(update(p, { elapsedMs: 3_000 }));
      expect(printed.map((line) => line.trim().split(" ")[0])).to.deep.equal(["1", "3"]);
    });
  });

  describe("the producer", () => {
    it("puts at most a fortieth of a second's events in one call, so that one call's shared produced time cannot fill the top 1% of a 3,000-event run's latencies", () => {
      expect(producerChunk(1_000)).to.equal(25);
      expect(producerChunk(1_000) / 3_000).to.be.below(0.01);
      expect(producerChunk(100_000)).to.equal(500);
      expect(producerChunk(5)).to.equal(1);
    });
  });

  describe("the summary", () => {
    const summary: RunSummary = {
      produced: 3_000,
      valid: 2_943,
      malformed: 57,
      dedupItems: 2_943,
      archivedRows: 3_249,
      redeliveredBatches: 18,
      rejected: { "not-json": 16, "item-too-large": 16, "not-an-object": 25 },
      loadedRows: 2_943,
      duplicated: 0,
      lost: 0,
      projections: {
        "by-user": { kind: "index", keys: ["useremail", "nanotimestamp"], count: 2_370, parked: 0 },
        "hits-per-page": { kind: "aggregate", keys: ["page_id", "client_timestamp"], count: 2_943, parked: 0 },
      },
      functions: {
        ingest: { invocations: 31, errors: 2, busySeconds: 9.25, cpuSeconds: 4.5, instances: 3 },
        "projection scores-by-user": { invocations: 0, errors: 0, busySeconds: 0, cpuSeconds: 0.4, instances: 1 },
      },
      latencyMs: { p50: 13_300, p95: 20_500, p99: 21_200, max: 21_200 },
      seconds: 24.3,
      eventsPerSecond: 121,
      drainSeconds: 44.4,
    };
    const line = (label: string) => summaryLines(summary, "pull").find((l) => l.startsWith(label))!;

    it("explains why more rows were archived than loaded", () => {
      expect(line("archived rows"))
        .to.include("3249: 306 more than loaded, because 18 batches were delivered twice")
        .and.to.include("the loader keeps one row per dedup key");
    });

    it("explains why an index holds fewer items than rows", () => {
      expect(line("projection by-user")).to.include(
        "2370 items: an index holds one item per event with a value for useremail and nanotimestamp, which 573 events lack",
      );
    });

    it("has a line for every function, the idle ones too", () => {
      expect(line("function ingest")).to.match(
        /function ingest +31 invocations \(2 failed, retried as Lambda retries them\), 3 processes, 9\.3 s invoked, 4\.5 s of CPU$/,
      );
      expect(line("function projection scores-by-user")).to.match(/ +0 invocations, 1 process, 0\.0 s invoked, 0\.4 s of CPU$/);
    });

    it("says what the throughput and latency are measured between", () => {
      expect(line("throughput")).to.include("121 events/s: 2943 valid events in the 24.3 s from the first event produced to the last row loaded");
      expect(line("latency")).to.include("from PutRecords' answer until the loader finished the object holding the row");
    });

    it("adds why the run stopped when the pipeline stalled", () => {
      expect(summaryLines({ ...summary, stalled: "no row arrived for 120 s" }, "pull").at(-1)).to.match(/^stalled +no row arrived for 120 s$/);
    });
  });
});
