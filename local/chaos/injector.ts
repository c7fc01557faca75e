import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";
import { prng } from "../clickstream";
import { type LocalPipeline } from "../runtime/pipeline";
import { RepairCommands } from "./repair-commands";
import { chaosSchedule, PAUSED_ENGINES, type ScheduledFault } from "./schedule";
import { ScoreWriter } from "./score-writer";
import { fedByDedupTable } from "./table-fed";

/** Share of the functions' DynamoDB writes a throttling burst refuses (local/runtime/throttling-proxy.ts). */
const BURST_THROTTLE_SHARE = 0.5;
/**
 * Lambda retries a failed asynchronous event after a minute and then two: scaled so that the three
 * attempts (0, +10 s, +30 s) outlast two database restarts in a row and a load kill between them.
 * At 4 and 8 s, one event in four 10,000-event runs of seed 42 used up its attempts that way.
 */
const CHAOS_ASYNC_RETRY_DELAY_MS = 10_000;
/** An item is changed in place only this long after its row is in MySQL: any redelivery of its ingest batch is over by then. */
const UPDATE_AFTER_LOAD_MS = 3_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const ENGINE_NAMES: Record<(typeof PAUSED_ENGINES)[number], string> = { dynamodb: "DynamoDB Local", kinesis: "kinesalite", s3: "the S3 engine" };

/**
 * Injects a seeded run's faults into a running local pipeline, through the local runtime only:
 * function processes killed mid-batch, engines paused and resumed, MariaDB restarted, throttling
 * bursts, mapping batches, Firehose deliveries and S3 notifications delayed (and so reordered) or
 * duplicated, items of the dedup table changed in place (the newest values MySQL must end with),
 * and `npm run rebuild` (repairing the MySQL table from the archive) and `npm run backfill` (a
 * projection from the dedup table, and from the archive) started mid-run, through their commands'
 * own functions with the arguments an operator gives them.
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
  /** MariaDB restarts begun so far, and whether one is under way: a rebuild they stop is resumed. */
  private restartsBegun = 0;
  private restarting = false;
  private updating = false;
  private schedule: ScheduledFault[] = [];
  /** Rebuilds and backfills not started yet, by the share of the rows loaded that starts them. */
  private byLoadedShare: ScheduledFault[] = [];
  private pipeline?: LocalPipeline;
  /** Pull mode: writes prod's shared table, whose projection then has work too. */
  private scores?: ScoreWriter;
  private repairs?: RepairCommands;

  constructor(
    readonly seed: number,
    /** Whether rebuilds start mid-run; the rest of the schedule is the seed's either way. */
    private readonly options: { rebuilds: boolean } = { rebuilds: true },
  ) {
    this.random = prng(seed);
  }

  /** Rebuilds and backfills that failed, each as a line for the verdict's problems. */
  get failed(): readonly string[] {
    return this.repairs?.failed ?? [];
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
    // Projections of the dedup table have records to be busy with, and those of the shared table while the score writer runs;
    // a backfill fills a projection from the dedup table (and its archive), so only those it feeds.
    const fed = fedByDedupTable(pipeline);
    const projections = Object.values(pipeline.stages.projections).map((p) => p.functionName);
    const busy = projections.filter((name) => this.scores || fed.has(name));
    const stages = [pipeline.stages.ingest, pipeline.stages.forward, pipeline.stages.transform, pipeline.stages.load, ...busy];
    this.schedule = chaosSchedule(
      this.seed,
      windowMs,
      stages,
      projections.filter((name) => fed.has(name)),
    ).filter((fault) => this.options.rebuilds || fault.kind !== "rebuild");
    const restarts = { begun: () => this.restartsBegun, underWay: () => this.restarting, settled: () => this.restarts };
    this.repairs = new RepairCommands(pipeline, this.seed, restarts, (kind) => this.count(kind, undefined));
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
    for (const fault of this.schedule) {
      if (fault.loadedShare === undefined) this.timers.push(setTimeout(() => this.work.push(this.inject(fault)), fault.atMs));
      else this.byLoadedShare.push(fault);
    }
    this.byLoadedShare.sort((a, b) => a.loadedShare! - b.loadedShare!);
  }

  /** Scheduled faults by kind, for the verdict: how many were due. */
  scheduled(): Record<string, number> {
    const due: Record<string, number> = {};
    for (const fault of this.schedule) due[this.label(fault)] = (due[this.label(fault)] ?? 0) + 1;
    return due;
  }

  /**
   * Starts the rebuilds and backfills due at the share of the valid events' rows now loaded, and
   * changes some loaded items in place (a seeded share of them), a few seconds after their row is
   * in MySQL, until every row is: the drain that follows carries every change to MySQL.
   */
  rowLoaded(key: string, allLoaded: boolean, loadedShare: number): void {
    while (this.running && this.byLoadedShare.length > 0 && this.byLoadedShare[0].loadedShare! <= loadedShare)
      this.work.push(this.inject(this.byLoadedShare.shift()!));
    if (allLoaded) {
      // The run then waits for every stream to be read once more: the shared table stops changing too.
      this.updating = false;
      if (this.scores) this.work.push(this.scores.stop());
    }
    if (!this.updating || this.random() >= 0.02) return;
    const hits = 1_000 + Math.floor(this.random() * 9_000);
    this.timers.push(setTimeout(() => this.work.push(this.update(key, hits)), UPDATE_AFTER_LOAD_MS));
  }

  /** Stops injecting, waits for the faults under way (a rebuild or a backfill to its end), and resumes every engine still paused. */
  async stop(): Promise<void> {
    this.running = this.updating = false;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.work, this.scores?.stop()]);
    for (const pid of this.paused.keys()) process.kill(pid, "SIGCONT");
    this.repairs?.close();
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

  private label(fault: ScheduledFault): string {
    const pipeline = this.pipeline!;
    if (fault.kind === "rebuild") return "rebuild started mid-run (repairing MySQL from the archive)";
    if (fault.kind === "backfill") {
      const projection = Object.entries(pipeline.stages.projections).find(([, p]) => p.functionName === fault.target)?.[0];
      return `backfill started mid-run (projection ${projection}, from the dedup table${fault.archive ? " and the archive" : ""})`;
    }
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
        this.restarts = this.restarts.then(async () => {
          this.count(label, undefined);
          this.restartsBegun += 1;
          this.restarting = true;
          try {
            await pipeline.restartDatabase();
          } finally {
            this.restarting = false;
          }
        });
        await this.restarts;
        return;
      case "rebuild":
        this.count(label, undefined);
        await this.repairs!.rebuild(label);
        return;
      case "backfill":
        this.count(label, undefined);
        await this.repairs!.backfill(fault.target!, fault.archive ?? false, label);
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
