import { parseArgs } from "node:util";
import { type AccessMode } from "../components/dedup-table";
import { runClickstream, type RunSummary } from "./run";
import { startLocalPipeline } from "./runtime/pipeline";

const USAGE = `npm start -- [options]

Runs the whole pipeline on this machine: the prod and poc stacks realized on local engines
(kinesalite, DynamoDB Local, an S3 and SQS engine, MariaDB), a clickstream produced into the
source stream, followed to rows in MySQL.

  --events <n>            events to produce (default 3000)
  --rate <n>              events per second (default 1000)
  --malformed-share <x>   share of malformed events, 0–1 (default 0.02)
  --duplicate-share <x>   share of batches the mappings deliver twice, 0–1 (default 0.1)
  --mode <pull|push>      how records cross the accounts (default pull)
  --keep                  leave everything running and print how to query it`;

function number(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function printSummary(summary: RunSummary, mode: AccessMode): void {
  const rows: [string, string][] = [
    ["access mode", mode],
    ["produced", `${summary.produced} (${summary.valid} valid, ${summary.malformed} malformed)`],
    ["written to the dedup table", String(summary.dedupItems)],
    ["archived rows", `${summary.archivedRows} (redelivered batches archive some rows twice; the loader keeps one)`],
    ["rejected, by reason", Object.entries(summary.rejected).map(([reason, n]) => `${reason} ${n}`).join(", ") || "none"],
    ["loaded rows in MySQL", String(summary.loadedRows)],
    ["projections", Object.entries(summary.projections).map(([name, n]) => `${name} ${n}`).join(", ")],
    ["duplicates (must be 0)", String(summary.duplicated)],
    ["lost (must be 0)", String(summary.lost)],
    ["latency, produced to row", `p50 ${summary.latencyMs.p50.toFixed(0)} ms, p95 ${summary.latencyMs.p95.toFixed(0)} ms, p99 ${summary.latencyMs.p99.toFixed(0)} ms, max ${summary.latencyMs.max.toFixed(0)} ms`],
    ["throughput", `${summary.eventsPerSecond.toFixed(0)} events/s end to end`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log("");
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: "string" },
      rate: { type: "string" },
      "malformed-share": { type: "string" },
      "duplicate-share": { type: "string" },
      mode: { type: "string", default: "pull" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.mode !== "pull" && values.mode !== "push") throw new Error(`--mode must be pull or push, got "${values.mode}"`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const options = {
    events: number("events", values.events, 3_000, 1, 1_000_000),
    rate: number("rate", values.rate, 1_000, 1, 100_000),
    malformedShare: number("malformed-share", values["malformed-share"], 0.02, 0, 1),
    duplicateShare: number("duplicate-share", values["duplicate-share"], 0.1, 0, 1),
  };

  console.log(`starting the local engines and realizing the prod and poc stacks (${values.mode} mode) …`);
  const pipeline = await startLocalPipeline({ accessMode: values.mode });
  let failed = true;
  try {
    const summary = await runClickstream(pipeline, { ...options, progress: (line) => console.log(line) });
    printSummary(summary, values.mode);
    failed = summary.lost > 0 || summary.duplicated > 0;
    if (failed) console.error("\nsomething was lost or duplicated: see above");
    if (values.keep) {
      const db = pipeline.database;
      console.log(`
Everything is still running. Query it:
  mysql -h ${db.host} -P ${db.port} -u ${db.user} -p${db.password} ${db.name} -e "SELECT page_id, COUNT(*), SUM(hits) FROM ${db.table} GROUP BY page_id LIMIT 10"
  aws dynamodb scan --endpoint-url ${pipeline.dynamodbEndpoint} --table-name ${pipeline.outputs.poc.tableName} --select COUNT
Press Ctrl-C to stop.`);
      await new Promise<void>((done) => process.once("SIGINT", () => done()));
    }
  } finally {
    await pipeline.stop();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
