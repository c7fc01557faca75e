import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { prng } from "../clickstream";
import { type LocalPipeline } from "../runtime/pipeline";
import { chaosSchedule, PAUSED_ENGINES, type ScheduledFault } from "./schedule";
import { ScoreWriter } from "./score-writer";
import { fedByDedupTable } from "./table-fed";

/** Share of the functions' DynamoDB writes a throttling burst refuses (local/runtime/throttling-proxy.ts). */
const BURST_THROTTLE_SHARE = 0.5;
/** Lambda retries a failed asynchronous event after a minute and then two: scaled so that a retry outlasts a database restart. */
const CHAOS_ASYNC_RETRY_DELAY_MS = 4_000;
/** An item is changed in place only this long after its row is in MySQL: any redelivery of its ingest batch is over by then. */
const UPDATE_AFTER_LOAD_MS = 3_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const ENGINE_NAMES: Record<(typeof PAUSED_ENGINES)[number], string> = { dynamodb: "DynamoDB Local", kinesis: "kinesalite", s3: "the S3 engine" };

/**
 * Injects a seeded run's faults into a running local pipeline, through the local runtime only:
 * function processes killed mid-batch, engines paused and resumed, MariaDB restarted, throttling
 * bursts, mapping batches, Firehose deliveries and S3 notifications delayed (and so reordered) or
 * duplicated, and items of the dedup table changed in place (the newest values MySQL must end with).
 */
export class ChaosInjector {
  /** Faults injected so far, by kind. */
  readonly injected: Record<string, number> = {};
  /** The Hits each item changed in place now has, by dedup key. */
  readonly updatedHits = new Map<string, number>();
  private readonly random: () => number;
  /** Throttling bursts under way, by the operation they refuse. */
  private readonly throttling = new Map<string, number>();
  private readonly paused = new Map<number, number>();
  private readonly work: Promise<unknown>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private running = false;
  /** Restarts one at a time: a restart that overlaps another waits for it. */
  private restarts: Promise<void> = Promise.resolve();
  private updating = false;
  private schedule: ScheduledFault[] = [];
  private pipeline?: LocalPipeline;
  /** Pull mode: writes prod's shared table, whose projection then has work too. */
  private scores?: ScoreWriter;

  constructor(readonly seed: number) {
    this.random = prng(seed);
  }

  /** For the throttling proxy: the share of an operation's writes to refuse now. */
  readonly throttleShare = (operation: string) => ((this.throttling.get(operation) ?? 0) > 0 ? BURST_THROTTLE_SHARE : 0);

  /** Starts the faults; `windowMs` is how long events will flow. */
  start(pipeline: LocalPipeline, windowMs: number): void {
    this.pipeline = pipeline;
    this.running = this.updating = true;
    const shared = pipeline.outputs.prod.sharedTableName as string | undefined;
    if (shared) {
      this.scores = new ScoreWriter(pipeline.clients.dynamodb, shared, prng(this.seed ^ 0x5c0e));
      this.scores.start();
    }
    const stages = [pipeline.stages.ingest, pipeline.stages.forward, pipeline.stages.transform, pipeline.stages.load, ...this.tableProjections(pipeline)];
    this.schedule = chaosSchedule(this.seed, windowMs, stages);
    const r = this.random;
    pipeline.mappings.random = r;
    pipeline.mappings.deliveryDelayMs = () => (r() < 0.05 ? this.count("mapping batch delayed", 100 + Math.round(r() * 900)) : 0);
    pipeline.firehose.deliveryDelayMs = () => (r() < 0.2 ? this.count("Firehose delivery delayed", 200 + Math.round(r() * 1_300)) : 0);
    pipeline.firehose.duplicateDelivery = () => r() < 0.15 && this.count("Firehose delivery duplicated (overlapping objects)", true);
    pipeline.notifications.retryDelayMs = CHAOS_ASYNC_RETRY_DELAY_MS;
    pipeline.notifications.deliveryDelays = () => {
      const copies = r() < 0.15 ? this.count("S3 notification duplicated (parallel loaders on one object)", 2) : 1;
      return Array.from({ length: copies }, () => (r() < 0.3 ? this.count("S3 notification delayed (reordered)", 200 + Math.round(r() * 2_000)) : 0));
    };
    for (const fault of this.schedule) this.timers.push(setTimeout(() => this.work.push(this.inject(fault)), fault.atMs));
  }

  /** Scheduled faults by kind, for the verdict: how many were due. */
  scheduled(): Record<string, number> {
    const due: Record<string, number> = {};
    for (const fault of this.schedule) due[this.label(fault)] = (due[this.label(fault)] ?? 0) + 1;
    return due;
  }

  /**
   * Changes some loaded items in place (a seeded share of them), a few seconds after their row is
   * in MySQL, until every row is: the drain that follows carries every change to MySQL.
   */
  rowLoaded(key: string, allLoaded: boolean): void {
    if (allLoaded) this.updating = false;
    if (!this.updating || this.random() >= 0.02) return;
    const hits = 1_000 + Math.floor(this.random() * 9_000);
    this.timers.push(setTimeout(() => this.work.push(this.update(key, hits)), UPDATE_AFTER_LOAD_MS));
  }

  /** Stops injecting, waits for the faults under way, and resumes every engine still paused. */
  async stop(): Promise<void> {
    this.running = this.updating = false;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.work, this.scores?.stop()]);
    for (const pid of this.paused.keys()) process.kill(pid, "SIGCONT");
    if (this.pipeline) {
      for (const [kind, n] of Object.entries(this.scores?.counts ?? {}))
        if (n > 0) this.injected[`shared table record ${kind} (scores-by-user must match)`] = n;
      const { redelivered, concurrent } = this.pipeline.mappings.counts;
      if (redelivered > 0) this.injected["mapping batch duplicated"] = redelivered;
      if (concurrent > 0) this.injected["mapping batch beside another of its shard (reordered across items)"] = concurrent;
      for (const [operation, n] of Object.entries(this.pipeline.throttledWrites())) this.injected[`${operation} calls refused as throttled`] = n;
      this.pipeline.mappings.deliveryDelayMs = () => 0;
      this.pipeline.firehose.deliveryDelayMs = () => 0;
      this.pipeline.firehose.duplicateDelivery = () => false;
      this.pipeline.notifications.deliveryDelays = () => [0];
    }
  }

  /** The projections with records to be busy with: those of the dedup table, and of the shared table while the score writer runs. */
  private tableProjections(pipeline: LocalPipeline): string[] {
    const fed = fedByDedupTable(pipeline);
    return Object.values(pipeline.stages.projections)
      .map((p) => p.functionName)
      .filter((name) => this.scores || fed.has(name));
  }

  private label(fault: ScheduledFault): string {
    const pipeline = this.pipeline!;
    if (fault.kind === "pause") return `${ENGINE_NAMES[fault.target as keyof typeof ENGINE_NAMES]} paused`;
    if (fault.kind === "throttling burst") return `${fault.target} throttled (a burst)`;
    if (fault.kind !== "kill") return "MariaDB restarted";
    const { stages } = pipeline;
    const projection = Object.entries(stages.projections).find(([, p]) => p.functionName === fault.target)?.[0];
    const stage = projection ? `projection ${projection}` : (["ingest", "forward", "transform", "load"] as const).find((s) => stages[s] === fault.target);
    return `${stage} killed mid-batch (SIGKILL)`;
  }

  private count<T>(kind: string, value: T): T {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return value;
  }

  private async inject(fault: ScheduledFault): Promise<void> {
    const pipeline = this.pipeline!;
    const label = this.label(fault);
    switch (fault.kind) {
      case "kill":
        // Mid-batch: wait until the function is handling one.
        while (this.running && !pipeline.functions.busy(fault.target!)) await sleep(10);
        if (this.running && pipeline.functions.kill(fault.target!)) this.count(label, undefined);
        return;
      case "pause": {
        const pid = pipeline.engineProcesses[fault.target as keyof LocalPipeline["engineProcesses"]];
        if (pid === undefined) return;
        this.paused.set(pid, (this.paused.get(pid) ?? 0) + 1);
        if (this.paused.get(pid) === 1) process.kill(pid, "SIGSTOP");
        this.count(label, undefined);
        await sleep(fault.durationMs);
        const left = this.paused.get(pid)! - 1;
        if (left === 0) {
          this.paused.delete(pid);
          process.kill(pid, "SIGCONT");
        } else this.paused.set(pid, left);
        return;
      }
      case "restart database":
        this.restarts = this.restarts.then(() => (this.count(label, undefined), pipeline.restartDatabase()));
        await this.restarts;
        return;
      case "throttling burst": {
        // Like a kill, a burst finds work: it lasts its duration and then until it has refused one write.
        const operation = fault.target!;
        const refused = () => pipeline.throttledWrites()[operation] ?? 0;
        const before = refused();
        this.throttling.set(operation, (this.throttling.get(operation) ?? 0) + 1);
        await sleep(fault.durationMs);
        while (this.running && refused() === before) await sleep(10);
        this.throttling.set(operation, this.throttling.get(operation)! - 1);
        if (refused() > before) this.count(label, undefined);
        return;
      }
    }
  }

  private async update(key: string, hits: number): Promise<void> {
    if (!this.updating) return;
    const pipeline = this.pipeline!;
    const [hash, sequence] = key.split("|");
    await pipeline.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: pipeline.outputs.poc.tableName as string,
        Key: { [HASH_KEY]: { S: hash }, [RANGE_KEY]: { S: sequence } },
        UpdateExpression: "SET Hits = :hits",
        ConditionExpression: `attribute_exists(${RANGE_KEY})`,
        ExpressionAttributeValues: { ":hits": { N: String(hits) } },
      }),
    );
    this.updatedHits.set(key, hits);
    this.count("item changed in place (its newest values must reach MySQL)", undefined);
  }
}
