import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { ParkedRecords } from "./function-output";
import { PlantedChanges } from "./planted-changes";
import { processCpuSeconds } from "./process-cpu";

export interface LocalFunctionSpec {
  name: string;
  arn: string;
  /** The execution role's ARN. */
  role: string;
  /** The bundle's index.js, from the function's AssetArchive. */
  code: string;
  environment: Record<string, string>;
  memorySize: number;
  /** The function's reserved concurrency: at most this many invocations at once. */
  reservedConcurrency?: number;
}

/** What the function threw, as Lambda reports a function error. */
export class FunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorName: string,
    message: string,
  ) {
    super(`${functionName} failed: ${errorName}: ${message}`);
  }
}

/** What the mappings, the Firehose and the notifications need of the functions: Lambda's synchronous Invoke. */
export interface Invoker {
  invoke<T = unknown>(name: string, event: unknown): Promise<T>;
}

/** What a function has done so far, for the summary and the bench's account of where the time goes. */
export interface FunctionStats {
  name: string;
  invocations: number;
  /** Invocations that ended in an error (the function threw, or its process died). */
  errors: number;
  /** Seconds invocations were running, summed (two at once count twice). */
  busySeconds: number;
  /** CPU seconds its processes used, those still running and those that exited. */
  cpuSeconds: number;
  /** Processes (execution environments) started so far. */
  instances: number;
}

/** One execution environment: a Node process running the bundle, one invocation at a time, as a Lambda execution environment does. */
interface Instance {
  child: ChildProcess;
  ready: Promise<void>;
  /** Taken by an invocation, which may still wait for the environment to be ready. */
  taken: boolean;
  /** The invocation running now. */
  call?: { resolve: (value: unknown) => void; reject: (error: Error) => void };
  exited: boolean;
}

interface Pool {
  spec: LocalFunctionSpec;
  instances: Instance[];
  /** Invocations waiting for an instance, oldest first. */
  waiting: (() => void)[];
  stats: Omit<FunctionStats, "cpuSeconds" | "name">;
  /** CPU seconds of instances that have exited, last read while they ran. */
  exitedCpu: number;
  lastCpu: Map<ChildProcess, number>;
}

/**
 * Environments a function may have at once when its reserved concurrency does not say: Lambda
 * scales much further, but every environment here is a Node process on this machine.
 */
const DEFAULT_INSTANCES = 4;

/**
 * The functions of the realized stacks. Each invocation runs in an execution environment of its
 * own, a Node process with the environment the function's component set (plus the endpoints of
 * the local engines), one invocation at a time; a function has as many environments as it has
 * invocations at once (up to its reserved concurrency), started as they are needed and reused.
 */
export class LocalFunctions implements Invoker {
  private readonly pools = new Map<string, Pool>();
  /** Bugs a test plants into the bundles (see planted-changes.ts); none otherwise. */
  readonly planted = new PlantedChanges();
  /** The records each function parked, from its log lines. */
  readonly parked = new ParkedRecords();
  /** Called before each invocation; a test throws from it to inject a fault. */
  beforeInvoke: (name: string, event: unknown) => void = () => undefined;

  constructor(
    private readonly dir: string,
    private readonly endpoints: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {}

  register(spec: LocalFunctionSpec): void {
    this.pools.set(spec.name, {
      spec: { ...spec, code: this.planted.apply(spec.name, spec.code) },
      instances: [],
      waiting: [],
      stats: { invocations: 0, errors: 0, busySeconds: 0, instances: 0 },
      exitedCpu: 0,
      lastCpu: new Map(),
    });
  }

  /** Every registered function. */
  all(): LocalFunctionSpec[] {
    return [...this.pools.values()].map((pool) => pool.spec);
  }

  /** Starts an environment of every function and loads its bundle now, so that start-up pays for it and not the first events. */
  async warm(): Promise<void> {
    // A function whose module fails to load says so on its first invocation, as on Lambda.
    await Promise.all([...this.pools.values()].map((pool) => this.start(pool).ready.catch(() => undefined)));
  }

  byArn(arn: string): LocalFunctionSpec | undefined {
    const unqualified = arn.replace(/:\$LATEST$/, "");
    return this.all().find((spec) => spec.arn === unqualified || spec.name === unqualified);
  }

  /** Invokes a function with an event, as Lambda's synchronous Invoke does. */
  async invoke<T = unknown>(name: string, event: unknown): Promise<T> {
    const pool = this.pool(name);
    const instance = await this.acquire(pool);
    const started = performance.now();
    pool.stats.invocations += 1;
    try {
      this.beforeInvoke(name, event);
      await instance.ready;
      return (await new Promise<unknown>((resolve, reject) => {
        if (instance.exited) return reject(new FunctionError(name, "Runtime.ExitError", "process exited before the invocation"));
        instance.call = { resolve, reject };
        instance.child.send({ event });
      })) as T;
    } catch (error) {
      pool.stats.errors += 1;
      throw error;
    } finally {
      instance.call = undefined;
      pool.stats.busySeconds += (performance.now() - started) / 1000;
      this.release(pool, instance);
    }
  }

  /** Whether the function has an invocation running now. */
  busy(name: string): boolean {
    return this.pool(name).instances.some((instance) => instance.call !== undefined);
  }

  /**
   * Kills the environment of a running invocation of the function, as a crash or an out-of-memory
   * kill ends a Lambda environment: the invocation fails with Runtime.ExitError, and the next one
   * starts a new environment. Says whether an invocation was running.
   */
  kill(name: string, signal: NodeJS.Signals = "SIGKILL"): boolean {
    const running = this.pool(name).instances.filter((instance) => instance.call !== undefined && !instance.exited);
    if (running.length === 0) return false;
    running[Math.floor(Math.random() * running.length)].child.kill(signal);
    return true;
  }

  /** What each function has done so far. */
  stats(): FunctionStats[] {
    return [...this.pools.values()].map((pool) => {
      let cpu = pool.exitedCpu;
      for (const instance of pool.instances) {
        const now = processCpuSeconds(instance.child.pid);
        if (now !== undefined) pool.lastCpu.set(instance.child, now);
        cpu += pool.lastCpu.get(instance.child) ?? 0;
      }
      return { name: pool.spec.name, ...pool.stats, cpuSeconds: cpu };
    });
  }

  private pool(name: string): Pool {
    const pool = this.pools.get(name);
    if (!pool) throw new Error(`no function named ${name}`);
    return pool;
  }

  /** An idle environment, a new one when every one is busy and the function may have another, or the first to free up. */
  private async acquire(pool: Pool): Promise<Instance> {
    for (;;) {
      const idle = pool.instances.find((instance) => !instance.taken && !instance.exited);
      const limit = Math.max(1, Math.min(pool.spec.reservedConcurrency ?? DEFAULT_INSTANCES, DEFAULT_INSTANCES));
      const instance = idle ?? (pool.instances.length < limit ? this.start(pool) : undefined);
      if (instance) {
        instance.taken = true;
        return instance;
      }
      await new Promise<void>((resolve) => pool.waiting.push(resolve));
    }
  }

  private release(pool: Pool, instance: Instance): void {
    instance.taken = false;
    pool.waiting.shift()?.();
  }

  private start(pool: Pool): Instance {
    const { spec } = pool;
    const dir = path.join(this.dir, spec.name);
    const code = path.join(dir, "index.js");
    if (pool.stats.instances === 0) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(code, spec.code);
    }
    pool.stats.instances += 1;
    const child = fork(path.join(__dirname, "function-host.cjs"), [code], {
      env: {
        PATH: process.env.PATH,
        ...spec.environment,
        ...this.endpoints,
        AWS_LAMBDA_FUNCTION_NAME: spec.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
        LOCAL_FUNCTION_ARN: spec.arn,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Bundles are plain JavaScript: the child needs none of the TypeScript loader this process runs under.
      execArgv: [],
    });
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    ready.catch(() => undefined);
    const instance: Instance = { child, ready, taken: false, exited: false };
    child.on("message", (message: { ready?: boolean; result?: unknown; error?: { name: string; message: string } }) => {
      if (message.ready) return markReady();
      const call = instance.call;
      instance.call = undefined;
      if (message.error) call?.reject(new FunctionError(spec.name, message.error.name, message.error.message));
      else call?.resolve(message.result);
    });
    // A message to an environment that has just died: its exit fails the invocation.
    child.on("error", () => undefined);
    child.on("exit", (code, signal) => {
      instance.exited = true;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      failReady(new FunctionError(spec.name, "Runtime.ExitError", `process exited with ${how} before its module loaded`));
      instance.call?.reject(new FunctionError(spec.name, "Runtime.ExitError", `process exited with ${how}`));
      instance.call = undefined;
      pool.exitedCpu += pool.lastCpu.get(child) ?? 0;
      pool.lastCpu.delete(child);
      pool.instances.splice(pool.instances.indexOf(instance), 1);
      // A waiting invocation may now start an environment of its own.
      pool.waiting.shift()?.();
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        if (!line) return;
        this.parked.read(spec.name, line);
        this.log(`[${spec.name}] ${line}`);
      });
    }
    pool.instances.push(instance);
    return instance;
  }

  async stop(): Promise<void> {
    const children = [...this.pools.values()].flatMap((pool) => pool.instances.map((instance) => instance.child));
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : (child.once("exit", () => done()), child.kill()))),
      ),
    );
  }
}
