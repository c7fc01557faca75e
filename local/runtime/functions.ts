import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { ParkedRecords } from "./function-output";

export interface LocalFunctionSpec {
  name: string;
  arn: string;
  /** The execution role's ARN. */
  role: string;
  /** The bundle's index.js, from the function's AssetArchive. */
  code: string;
  environment: Record<string, string>;
  memorySize: number;
}

/** What the function threw, as Lambda reports a function error. */
export class FunctionError extends Error {
  constructor(readonly functionName: string, readonly errorName: string, message: string) {
    super(`${functionName} failed: ${errorName}: ${message}`);
  }
}

/** What the mappings, the Firehose and the notifications need of the functions: Lambda's synchronous Invoke. */
export interface Invoker {
  invoke<T = unknown>(name: string, event: unknown): Promise<T>;
}

interface Host {
  child: ChildProcess;
  ready: Promise<void>;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  queue: Promise<unknown>;
}

/**
 * The functions of the realized stacks, each in its own Node process with the environment its
 * component set (plus endpoints of the local engines). One invocation at a time per function.
 */
export class LocalFunctions implements Invoker {
  private readonly specs = new Map<string, LocalFunctionSpec>();
  private readonly hosts = new Map<string, Host>();
  private nextId = 0;
  /** The records each function parked, from its log lines. */
  readonly parked = new ParkedRecords();
  /** Called before each invocation; a test throws from it to inject a fault. */
  beforeInvoke: (name: string, event: unknown) => void = () => undefined;

  constructor(private readonly dir: string, private readonly endpoints: Record<string, string>, private readonly log: (line: string) => void) {}

  register(spec: LocalFunctionSpec): void {
    this.specs.set(spec.name, spec);
  }

  /** Every registered function. */
  all(): LocalFunctionSpec[] {
    return [...this.specs.values()];
  }

  /** Starts every function's process and loads its bundle now, so that start-up pays for it and not the first events. */
  async warm(): Promise<void> {
    // A function whose module fails to load says so on its first invocation, as on Lambda.
    await Promise.all([...this.specs.keys()].map((name) => this.host(name).ready.catch(() => undefined)));
  }

  byArn(arn: string): LocalFunctionSpec | undefined {
    const unqualified = arn.replace(/:\$LATEST$/, "");
    return [...this.specs.values()].find((spec) => spec.arn === unqualified || spec.name === unqualified);
  }

  /** Invokes a function with an event, as Lambda's synchronous Invoke does. */
  invoke<T = unknown>(name: string, event: unknown): Promise<T> {
    const host = this.host(name);
    const run = host.queue.then(async () => {
      this.beforeInvoke(name, event);
      await host.ready;
      const id = ++this.nextId;
      return new Promise<unknown>((resolve, reject) => {
        host.pending.set(id, { resolve, reject });
        host.child.send({ id, event });
      });
    });
    host.queue = run.catch(() => undefined);
    return run as Promise<T>;
  }

  private host(name: string): Host {
    const existing = this.hosts.get(name);
    if (existing) return existing;
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`no function named ${name}`);
    const dir = path.join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "index.js"), spec.code);
    const child = fork(path.join(__dirname, "function-host.cjs"), [path.join(dir, "index.js")], {
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
    const pending: Host["pending"] = new Map();
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    ready.catch(() => undefined);
    child.on("message", (message: { ready?: boolean; id?: number; result?: unknown; error?: { name: string; message: string } }) => {
      if (message.ready) return markReady();
      const call = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error) call?.reject(new FunctionError(spec.name, message.error.name, message.error.message));
      else call?.resolve(message.result);
    });
    child.on("exit", (code) => {
      failReady(new FunctionError(spec.name, "Runtime.ExitError", `process exited with ${code} before its module loaded`));
      for (const call of pending.values()) call.reject(new FunctionError(spec.name, "Runtime.ExitError", `process exited with ${code}`));
      pending.clear();
      this.hosts.delete(name);
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        if (!line) return;
        this.parked.read(spec.name, line);
        this.log(`[${spec.name}] ${line}`);
      });
    }
    const host: Host = { child, ready, pending, queue: Promise.resolve() };
    this.hosts.set(name, host);
    return host;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.hosts.values()].map(
        ({ child }) => new Promise<void>((done) => (child.exitCode !== null ? done() : (child.once("exit", () => done()), child.kill()))),
      ),
    );
  }
}
