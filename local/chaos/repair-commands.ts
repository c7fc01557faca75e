import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LOCAL_REGION } from "../../engines";
import { backfillCommand } from "../../tools/backfill-command";
import { oneLine, type Io } from "../../tools/cli-run";
import { rebuildCommand } from "../../tools/rebuild-command";
import { keptTools } from "../keep";
import { type LocalPipeline } from "../runtime/pipeline";

/** Attempts at one rebuild: a MariaDB restart breaks its connection, and it stops saying to run it again with the same --run. */
const REBUILD_ATTEMPTS = 10;
/** The backfill's rate limit: the whole table is read within seconds, while events still flow. */
const BACKFILL_ITEMS_PER_SECOND = 500;
const REBUILD_RESUMED = "rebuild stopped by a MariaDB restart and resumed with the same --run";

/** The chaos run's MariaDB restarts, as a rebuild needs to know them: one under way or begun meanwhile stopped it. */
export interface RestartWatch {
  /** Restarts begun so far. */
  begun(): number;
  underWay(): boolean;
  /** Settles once the restarts begun so far are over. */
  settled(): Promise<void>;
}

/**
 * `npm run rebuild` (repairing the MySQL table from the archive) and `npm run backfill` (a
 * projection from the dedup table, and from the archive) against a running local pipeline,
 * through the commands' own functions with the arguments an operator gives them (those
 * `npm start -- --keep` prints). The environment the commands read is set until `close`.
 */
export class RepairCommands {
  /** Rebuilds and backfills that failed, each as a line for the verdict's problems. */
  readonly failed: string[] = [];
  /** Rebuilds one at a time, as an operator runs them: two repairing runs at once would each load again what the other loaded. */
  private rebuilds: Promise<void> = Promise.resolve();
  private runs = 0;
  /** The environment the commands read (credentials, region, S3 endpoint, MYSQL_PWD), as it was before. */
  private readonly savedEnv: Record<string, string | undefined>;
  private readonly toolDir: string;
  /** The archive's schema versions, as an operator saves the stack output archiveSchemaHistory for both commands. */
  private readonly schemaHistory: string;

  constructor(
    private readonly pipeline: LocalPipeline,
    private readonly seed: number,
    private readonly restarts: RestartWatch,
    /** Counts what happened, by kind, for the run's summary. */
    private readonly count: (kind: string) => void,
  ) {
    const tools = keptTools(pipeline);
    const env: Record<string, string | undefined> = { ...tools.rebuild.env, ...tools.backfill.env, AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined };
    this.savedEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    for (const [name, value] of Object.entries(env)) setEnv(name, value);
    this.toolDir = mkdtempSync(path.join(tmpdir(), "chaos-tools-"));
    this.schemaHistory = path.join(this.toolDir, "schema-history.json");
    writeFileSync(this.schemaHistory, JSON.stringify(pipeline.outputs.poc.archiveSchemaHistory));
  }

  /** Puts the environment back and removes the commands' files. */
  close(): void {
    for (const [name, value] of Object.entries(this.savedEnv)) setEnv(name, value);
    rmSync(this.toolDir, { recursive: true, force: true });
  }

  /**
   * `npm run rebuild` over the whole archive (it repairs), with the loader's tables and the
   * archive's schema history, while the live loader loads; after any rebuild under way. A MariaDB
   * restart breaks its connection: it stops and says to run the same command with the same
   * --run, which is done (a stop with no restart under way fails the run). Any other end than
   * done fails the run.
   */
  rebuild(label: string): Promise<void> {
    this.rebuilds = this.rebuilds.then(() => this.rebuildNow(label));
    return this.rebuilds;
  }

  /** `npm run backfill` of a projection the dedup table feeds, with the values its function was deployed with; with the archive pass when asked. */
  async backfill(projectionFunction: string, withArchive: boolean, label: string): Promise<void> {
    const pipeline = this.pipeline;
    const transform = this.environment(pipeline.stages.transform);
    const archive = withArchive
      ? [
          "--archive-bucket",
          String(pipeline.outputs.poc.archiveBucketName),
          "--archive-settings",
          JSON.stringify({ SCHEMA: transform.SCHEMA, COLUMNS: transform.COLUMNS, COLUMN_TYPES: transform.COLUMN_TYPES }),
          "--schema-history",
          this.schemaHistory,
        ]
      : [];
    const argv = [
      ...keptTools(pipeline, projectionFunction).backfill.args,
      "--region",
      LOCAL_REGION,
      "--items-per-second",
      String(BACKFILL_ITEMS_PER_SECOND),
      "--segments",
      "2",
      ...archive,
    ];
    const io = collectingIo();
    const code = await backfillCommand(argv, io).catch((error: unknown) => (io.err(`threw ${oneLine(error)}`), -1));
    if (code !== 0) this.failed.push(`${label}: npm run backfill ${code === -1 ? "failed" : `exited ${code}`}: ${io.said()}`);
  }

  private async rebuildNow(label: string): Promise<void> {
    const pipeline = this.pipeline;
    const load = this.environment(pipeline.stages.load);
    const run = `chaos-${this.seed}-rebuild-${++this.runs}`;
    const argv = [
      ...keptTools(pipeline).rebuild.args,
      "--region",
      LOCAL_REGION,
      "--run",
      run,
      "--table",
      load.DB_TABLE,
      "--manifest-table",
      load.MANIFEST_TABLE,
      "--rejects-table",
      load.REJECTS_TABLE,
      "--schema-history",
      this.schemaHistory,
      "--batch",
      "5",
    ];
    for (let attempt = 1; ; attempt++) {
      const restartsBefore = this.restarts.begun();
      const restartingBefore = this.restarts.underWay();
      const io = collectingIo();
      const code = await rebuildCommand(argv, io).catch((error: unknown) => (io.err(`threw ${oneLine(error)}`), -1));
      if (code === 0) return;
      const restarted = restartingBefore || this.restarts.underWay() || this.restarts.begun() !== restartsBefore;
      if (code === 1 && restarted && attempt < REBUILD_ATTEMPTS) {
        this.count(REBUILD_RESUMED);
        // As an operator would: once MariaDB answers again.
        await this.restarts.settled().catch(() => undefined);
        await new Promise((done) => setTimeout(done, 500));
        continue;
      }
      this.failed.push(`${label}: npm run rebuild -- … --run ${run} ${code === -1 ? "failed" : `exited ${code}`} (attempt ${attempt}): ${io.said()}`);
      return;
    }
  }

  /** The environment of the function that plays a part. */
  private environment(functionName: string): Record<string, string> {
    return this.pipeline.functions.all().find((f) => f.name === functionName)?.environment ?? {};
  }
}

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** A command's Io that keeps its lines, to say why it failed: its errors, or else its last line. */
function collectingIo(): Io & { said(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    said: () => (err.length > 0 ? err.join(" | ") : (out[out.length - 1] ?? "nothing said")),
  };
}
