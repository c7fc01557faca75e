import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDEX_WRITE_CONCURRENCY } from "../functions/project/write-limits";
import { ACUS_PER_VCPU, DYNAMODB_REQUEST_SECONDS, DYNAMODB_TRANSACTION_SECONDS, FIREHOSE_REQUEST_SECONDS } from "../capacity/assumptions";
import { costsOf, costTotals, dedupTableSize, runningCosts } from "../capacity/costs";
import { ESTIMATES, FIGURES } from "../capacity/estimates";
import { LAMBDA_ARM64_SOURCE } from "../capacity/lambda-speed";
import { AURORA, DYNAMODB, FIREHOSE, KINESIS, LAMBDA, LARGE_REGIONS, MiB, defaultQuotas, quotasFor, type ServiceQuotas } from "../capacity/limits";
import { planCapacity, type ExpectedLoad, type Stage } from "../capacity/model";
import { GB, HOURS_PER_MONTH, PRICES, PRICES_CHECKED, PRICES_REGION } from "../capacity/prices";
import { COST_NUMBER_COLUMNS, costRows, fixText, formatDollars, formatNumber, markdownTable, planRows, shortfallMessage } from "../capacity/report";
import { parsePlanArgs, type PlanRequest } from "./plan-args";
import { pipelineSettings, type PipelineSettings } from "../capacity/settings";
import { sizeFor } from "../capacity/sizing";
import { archiveRecordBytes, itemBytes } from "../capacity/sizes";

export const SCALING_PAGE = join(__dirname, "..", "docs", "scaling.md");

const REGION = "eu-west-1";
const EVENT_BYTES = 1_024;
const STEPS = [1_000, 10_000, 100_000, 1_000_000];
const n = formatNumber;

/** The example configs' composition with the components' defaults: fan-out, one index projection, Aurora. */
const BASE = pipelineSettings({ region: REGION, fanOut: true, projections: [{ name: "by-user", projection: { kind: "index", hashKey: "useremail" } }] });

const find = (stages: readonly Stage[], id: string): Stage => {
  const found = stages.find((s) => s.id === id);
  if (!found) throw new Error(`no stage ${id}`);
  return found;
};

/** Each stage the model knows: a provisioned stream's plan in push mode with an aggregate, and an on-demand stream's stage. */
function everyStage(): Stage[] {
  const aggregate = { name: "<name>", projection: { kind: "aggregate" as const, groupBy: ["page_id"] } };
  const load = { eventsPerSecond: 1_000, eventBytes: EVENT_BYTES };
  const provisioned = planCapacity(
    load,
    pipelineSettings({ region: REGION, stream: { shardCount: 4 }, accessMode: "push", projections: [aggregate] }),
    defaultQuotas(REGION),
  );
  const onDemand = find(planCapacity(load, pipelineSettings({ region: REGION }), defaultQuotas(REGION)), "stream.onDemand");
  const after = provisioned.findIndex((s) => s.id === "stream.accountShards") + 1;
  return [...provisioned.slice(0, after), onDemand, ...provisioned.slice(after)];
}

function stagesTable(): string {
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (const stage of everyStage()) {
    const id = stage.id.replace(/^lambda\.\w+$/, "lambda.<account>");
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push([
      `\`${id}\``,
      stage.what.replace(/, (source|consumer) account$/, ", per account"),
      stage.unit,
      stage.source === FIGURES ? `estimate ([${FIGURES}](../${FIGURES}))` : `[AWS](${stage.source})`,
    ]);
  }
  return markdownTable([["stage", "what", "unit", "limit from"], ...rows], []);
}

function estimates(): string {
  const { measured, speed, cpuMicrosPerRecord: lambda } = ESTIMATES;
  const { functions, load } = measured;
  const here = functions.cpuMicrosPerRecord;
  const per = (name: keyof typeof here) => `${n(here[name])} µs (${n(lambda[name])} on Lambda)`;
  const on = (m: typeof functions.measuredOn) => `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date.slice(0, 10)}, load average ${n(m.loadAverage)}`;
  return [
    `- **CPU per record** of each function's core, written by \`npm run bench -- capacity --write\` to [${FIGURES}](../${FIGURES}) (never typed): CPU time on one core, the median of ${n(functions.rounds)} rounds of ${n(functions.records)} of the bench's ${n(functions.eventBytes)}-byte clickstream events, measured on ${on(functions.measuredOn)}: ingest ${per("ingest")}, forward ${per("forward")}, transform ${per("transform")}, index projection ${per("projectIndex")}, aggregate projection ${per("projectAggregate")}.`,
    `- **From this machine to Lambda's arm64**: AWS gives a function memory / ${n(LAMBDA.memoryMbPerVcpu)} MB of a vCPU ([AWS](${LAMBDA.memoryPage})) and publishes no per-core speed, so the same bench run also times two Node.js workloads whose durations on Lambda arm64 at ${n(LAMBDA.memoryMbPerVcpu)} MB were published ([benchmark of November 2025](${LAMBDA_ARM64_SOURCE})): chained SHA-256 ${n(speed.byWorkload.sha256Chain)}x, a 100 MiB sort ${n(speed.byWorkload.float64Sort)}x Lambda's time over this machine's. The model takes the larger, ${n(speed.factor)}x, assuming the functions' cores scale like the slower workload (capacity/lambda-speed.ts). At the default 256 MB a record costs ${n(LAMBDA.memoryMbPerVcpu / 256)} times the Lambda figure; larger events cost more in proportion.`,
    `- **Rows per ACU**: one LOAD DATA statement of the loader loaded ${n(load.rowsPerSecond)} of the bench's ${n(load.rowBytes)}-byte rows a second (\`npm run bench -- load --write\`, MariaDB, median of ${n(load.rounds)} rounds of ${n(load.rows)} rows, on ${on(load.measuredOn)}), taken as ${n(ESTIMATES.loadRowsPerSecond)} on one vCPU of Lambda's speed. An ACU is about 2 GiB of memory "and corresponding CPU" ([AWS](${AURORA.capacityPage})); the memory-optimized classes Aurora runs on have 8 GiB per vCPU, so ${ACUS_PER_VCPU} ACUs count as one vCPU: ${n(ESTIMATES.loadRowsPerSecond / ACUS_PER_VCPU)} rows/s per ACU, linear in ACUs.`,
    `- **Call latency**: ${n(DYNAMODB_REQUEST_SECONDS * 1_000)} ms per DynamoDB request, the top of the "single-digit millisecond" AWS gives; ${n(DYNAMODB_TRANSACTION_SECONDS * 1_000)} ms per transaction (prepare and commit); ${n(FIREHOSE_REQUEST_SECONDS * 1_000)} ms per PutRecordBatch call, for which AWS publishes nothing (capacity/assumptions.ts).`,
    `- **Shard counts** AWS does not publish: an on-demand stream is taken to have twice the fewest shards that carry its peak (at least ${n(KINESIS.onDemandInitialWriteBytesPerSecond / MiB)}, its starting 4 MiB/s), and a table's stream one shard per ${n(DYNAMODB.partitionWriteUnitsPerSecond)} write units of twice its peak (at least ${n(DYNAMODB.onDemandInitialWriteUnitsPerSecond / DYNAMODB.partitionWriteUnitsPerSecond)}, its starting warm throughput) — both keep capacity for twice the peak they have seen.`,
  ].join("\n");
}

/** The example configs, as `npm run plan -- --config Pulumi.prod.yaml --config Pulumi.poc.yaml` reads them. */
function exampleRequest(): PlanRequest {
  const root = join(__dirname, "..");
  return parsePlanArgs(["--config", join(root, "Pulumi.prod.yaml"), "--config", join(root, "Pulumi.poc.yaml")]) as PlanRequest;
}

/** The running costs of the example configs at their declared load, and how each is counted. */
function costsSection(): string {
  const { load, input } = exampleRequest();
  const settings = pipelineSettings(input);
  const costs = runningCosts(load, settings);
  const total = costTotals(costs);
  const grows = costs.filter((c) => c.grows).reduce((sum, c) => sum + c.perMonth, 0);
  const tables = (["source", "consumer"] as const)
    .map(
      (account) =>
        `${account === "source" ? "The source account" : "The consumer account"}:\n\n${markdownTable(costRows(costsOf(costs, account)), COST_NUMBER_COLUMNS)}`,
    )
    .join("\n\n");
  const p = PRICES;
  return `\`npm run plan\` and each stack's preview (the \`runningCost\` output) give what the declared load costs to run,
stage by stage, per million events and per month, at AWS's list prices for ${PRICES_REGION} as checked on
${PRICES_CHECKED} ([capacity/prices.ts](../capacity/prices.ts), each price with its AWS page). The load
is taken as running all month (${n(HOURS_PER_MONTH)} hours), so for a peak it is an upper bound; free tiers and
volume discounts are left out. How each line is counted:

- **Lambda**: a request per invocation (${formatDollars(p.lambda.perMillionRequests)} per million) and duration in GB-seconds of arm64
  (${formatDollars(p.lambda.arm64PerGbSecond)} each). A stream function is invoked with what arrived since its last
  poll (Kinesis once a second, a table stream ${n(LAMBDA.tableStreamPollsPerSecond)} times) or in its batching window, at most a
  batch; an invocation lasts as long as the capacity model's time for that batch. The transform
  gets what Firehose buffers (${n(FIREHOSE.transformBufferBytes / MiB)} MiB or ${n(FIREHOSE.transformBufferSeconds)} seconds, [AWS](${FIREHOSE.transformPage})); the loader an object
  each, as long as its LOAD DATA takes.
- **DynamoDB**: a write request unit per KB of each dedup item (${formatDollars(p.dynamodb.perMillionWriteRequestUnits)} per million); an index
  projection writes an item per event (taken at the dedup item's size); an aggregate an entry and
  at most one group update per event, each in a transaction at twice the units: four. Storage and point-in-time recovery at
  the table's steady size (below). Reads of the table's stream cost nothing: Lambda makes them.
- **Kinesis**: on demand, the stream's hours, the bytes in (each record rounded up to 1 KB) and
  out to the ingest function; provisioned, shard-hours, PUT payload units (25 KB each), retention
  past 24 hours, and the fan-out consumer's shard-hours and bytes.
- **Firehose**: Direct PUT bytes, each record rounded up to 5 KB (${formatDollars(p.firehose.perGbIngested)} per GB).
- **S3**: a PUT per archive object, a GET when the loader reads it, and the archive's bytes,
  which are kept.
- **Aurora**: the ACUs the capacity model says the load needs (at least the cluster's minimum), and
  the rows' bytes the volume keeps.

Storage that is kept (the archive, Aurora's rows, a table whose items never expire) shows what each
month adds to the monthly bill, and is left out of the totals. At the example configs' load
(${n(load.eventsPerSecond)} events/s of ${n(load.eventBytes)} bytes, \`npm run plan -- --config Pulumi.prod.yaml --config Pulumi.poc.yaml\`),
${formatDollars(total.perMonth)} a month, ${formatDollars(total.perMillionEvents)} per million events, and ${formatDollars(grows)} more each month for what is kept:

${tables}`;
}

/** The dedup table's steady size at the example configs' load, with its arithmetic. */
function tableSizeSection(): string {
  const { load, input } = exampleRequest();
  const settings = pipelineSettings(input);
  const size = dedupTableSize(load, settings);
  if (size.kind !== "steady") throw new Error("the example configs' dedup table items are expected to expire");
  const never = dedupTableSize(load, { ...settings, table: { ...settings.table, expireAfterDays: undefined } });
  if (never.kind !== "growing") throw new Error("unreachable");
  const d = PRICES.dynamodb;
  const perGb = d.storagePerGbMonth + d.pitrPerGbMonth;
  return `The dedup table's items expire (\`table.expireItems\`, on by default): ingest writes \`dedupExpiresAt\` as the record's
arrival plus the least window that outlasts every redelivery, the source stream's retention plus the
ingest mapping's maximum record age plus a day ([components](components.md#deduptable-consumer-account)). DynamoDB's TTL then deletes
expired items in the background: "DynamoDB typically deletes expired items within two days of
expiration" ([AWS](${DYNAMODB.ttlPage})), "within a few days" in the TTL guide; until then they still
count towards storage. The capacity model takes ${n(DYNAMODB.ttlDeletionLagDays)} days of that lag, so the table
holds events/s × item bytes × (expiry window + ${n(DYNAMODB.ttlDeletionLagDays)} days).

At the example configs' load, ${n(load.eventsPerSecond)} events/s of ${n(load.eventBytes)} bytes, with prod's ${n(settings.stream.retentionHours)}-hour retention
(an expiry window of ${n(size.expireAfterDays)} days): each item is ${n(itemBytes(load.eventBytes))} bytes as ingest writes it, plus DynamoDB's ${n(d.itemOverheadBytes)} bytes
of per-item overhead, ${n(size.itemBytes)} bytes billed; ${n(load.eventsPerSecond)} × ${n(size.itemBytes)} × ${n(size.keptDays)} days × 86,400 s = **${n(size.bytes / GB)} GB**,
steady. At ${formatDollars(d.storagePerGbMonth)} per GB-month and ${formatDollars(d.pitrPerGbMonth)} for point-in-time recovery on the same bytes, that is
**${formatDollars((size.bytes / GB) * perGb)} a month**. A table whose items never expire (\`table.expireItems: false\`) grows by
${n(never.bytesPerMonth / GB)} GB a month instead, adding ${formatDollars((never.bytesPerMonth / GB) * perGb)} to the monthly bill every month. \`npm run plan\`
and the consumer stack's preview state the table's size for the load and settings they are given.`;
}

interface Step {
  events: number;
  load: ExpectedLoad;
  settings: PipelineSettings;
  stages: Stage[];
  changes: string[];
  unresolved: Stage[];
}

/** Each step sized from the one before: the settings and quotas it needs on top, and what only a design change carries. */
function walk(): Step[] {
  let settings: PipelineSettings = BASE;
  let granted: Partial<ServiceQuotas> = {};
  return STEPS.map((events) => {
    const load = { eventsPerSecond: events, eventBytes: EVENT_BYTES };
    const sized = sizeFor(load, settings, granted);
    settings = sized.settings;
    granted = sized.granted;
    return { events, load, settings, stages: sized.stages, changes: sized.changes.map(fixText), unresolved: sized.unresolved };
  });
}

function stepSection(step: Step, notes: string): string {
  const stages = step.stages;
  const flows =
    `Into Kinesis ${n((step.events * EVENT_BYTES) / MiB)} MiB/s; into the dedup table ${n(find(stages, "table.writes").need)} write units/s; ` +
    `into Firehose ${n(find(stages, "firehose.bytes").need)} MiB/s; into Aurora ${n(step.events)} rows/s; ${n(find(stages, "lambda.consumer").need)} concurrent executions in the consumer account.`;
  const changes = step.changes.length > 0 ? step.changes.map((c) => `- ${c}`).join("\n") : "- nothing: the previous step's settings and quotas carry it.";
  const design =
    step.unresolved.length > 0 ? `\n\nNo setting or quota carries:\n\n${step.unresolved.map((s) => `- \`${s.id}\`: ${fixText(s.fix)}`).join("\n")}` : "";
  return `### ${n(step.events)} events/s\n\n${flows}\n\nWhat changes from the previous step:\n\n${changes}${design}\n\n${notes}\n\n${markdownTable(planRows(stages))}`;
}

function notesFor(step: Step, all: Step[]): string {
  const s = (id: string) => find(step.stages, id);
  const unitsPerEvent = s("table.writes").need / step.events;
  switch (step.events) {
    case 1_000: {
      const projection = s("projection.by-user.throughput");
      const batches = step.settings.projections[0].mapping.parallelizationFactor;
      return (
        `The index projection writes a batch's records ${n(INDEX_WRITE_CONCURRENCY)} at once, about ${n(projection.limit / batches)} records/s per batch, so a table stream shard's ` +
        `${n(projection.need)} records/s take ${batches === 1 ? "one batch" : `${n(batches)} batches`} at a time. The table's stream has ${n(s("tableStream.readers").need)} of its ${n(DYNAMODB.streamReadersPerShard)} readers ` +
        `(the forward function and the projection): a second projection is a change of design at any rate — the table's changes sent to a Kinesis data stream, which up to ${n(KINESIS.fanOutConsumersPerStream)} fan-out consumers can read ([AWS](${KINESIS.fanOutPage})).`
      );
    }
    case 10_000: {
      const otherRegion = (quotasFor("eu-central-1").firehoseMiBPerSecond * MiB) / archiveRecordBytes(EVENT_BYTES);
      return (
        `Firehose Direct PUT is the first quota to go: each event becomes a ${n(archiveRecordBytes(EVENT_BYTES))}-byte archive record, ${n(s("firehose.bytes").need)} MiB/s against the default ${n(defaultQuotas(REGION).firehoseMiBPerSecond)} MiB/s. ` +
        `Outside ${LARGE_REGIONS.join(", ")} the default is ${n(quotasFor("eu-central-1").firehoseMiBPerSecond)} MiB/s, which ${n(otherRegion)} events/s already fill. ` +
        `A raised byte quota raises the records and requests quotas with it. Everything else still has room; the ingest function, at ${n(s("ingest.throughput").need)} records/s per estimated source shard, has ${n(s("ingest.throughput").limit / s("ingest.throughput").need)} times that.`
      );
    }
    case 100_000:
      return (
        `The account quotas go next. The dedup table needs ${n(s("table.writes").need)} write units/s, past the default ${n(defaultQuotas(REGION).dynamodbTableWriteUnits)} per table: ` +
        `a ${n(EVENT_BYTES)}-byte event makes a ${n(itemBytes(EVENT_BYTES))}-byte item, ${n(unitsPerEvent)} write units; events of at most ${n(DYNAMODB.writeUnitBytes - itemBytes(0))} bytes would halve it. ` +
        `The projection's table needs as much. The consumer account runs ${n(s("lambda.consumer").need)} functions at once, past the default ${n(defaultQuotas(REGION).lambdaConcurrency)}, most of them stream batches (shards × parallelization factor). ` +
        `Aurora needs a maximum capacity of ${n(step.settings.aurora!.maxCapacity)} ACUs to load ${n(step.events)} rows/s, by the estimate.`
      );
    default: {
      const previous = all[all.indexOf(step) - 1];
      const acus = step.settings.aurora!.maxCapacity;
      return (
        `Here the model still finds a setting or quota for each stage, but three of them say the design has reached its end:\n\n` +
        `- **Firehose**: one delivery stream taking ${n(s("firehose.bytes").need)} MiB/s, ${n(s("firehose.bytes").need / previous.stages.find((x) => x.id === "firehose.bytes")!.need)} times the last step. AWS raises Direct PUT quotas on request but publishes no ceiling, and asks for increases in step with traffic. ` +
        `Past what it grants, the forward function must spread records over several delivery streams (by dedup key, so a record always goes to the same stream), or Firehose must read a Kinesis data stream instead of taking Direct PUT — its Direct PUT quota does not apply to that source ([AWS](${FIREHOSE.quotasPage})).\n` +
        `- **Aurora**: ${n(acus)} of the ${n(AURORA.maxCapacity)} ACUs a Serverless v2 cluster can have, by an estimate that takes loads to scale linearly to ${n(acus / ACUS_PER_VCPU)} vCPUs on one writer. Treat this as the point where the Aurora load path must be replaced: query the archive in place (Athena over the CSV in S3), or load a warehouse built for it.\n` +
        `- **The dedup table**: ${n(s("table.writes").need)} write units/s. DynamoDB takes it once the table-level quota is raised, but the model checks limits, not cost: at this rate, smaller items (at most ${n(DYNAMODB.writeUnitBytes - itemBytes(0))}-byte events, one write unit each) or batching several events per item are worth a design review.\n\n` +
        `Lambda's ${n(s("lambda.consumer").need)} concurrent executions stay within the "tens of thousands" AWS raises the quota to. On-demand Kinesis scales to ${n(s("stream.onDemand").need)} MiB/s in ${REGION}, but only to ${n(defaultQuotas("eu-central-1").kinesisOnDemandMaxWriteMiBPerSecond)} MiB/s by default elsewhere (${n(KINESIS.onDemandMaxWriteMiBPerSecondOnRequest)} on request).`
      );
    }
  }
}

function regionsTable(): string {
  const large = defaultQuotas(REGION);
  const other = defaultQuotas("eu-central-1");
  const names: [keyof ServiceQuotas, string][] = [
    ["kinesisShards", "Kinesis provisioned shards per account"],
    ["kinesisOnDemandMaxWriteMiBPerSecond", "Kinesis on-demand write maximum, MiB/s"],
    ["firehoseMiBPerSecond", "Firehose Direct PUT, MiB/s per delivery stream"],
    ["firehoseRequestsPerSecond", "Firehose Direct PUT, calls/s"],
    ["firehoseRecordsPerSecond", "Firehose Direct PUT, records/s"],
    ["lambdaConcurrency", "Lambda concurrent executions"],
    ["dynamodbTableWriteUnits", "DynamoDB write units per table"],
  ];
  return markdownTable([
    ["quota (`serviceQuotas` name)", LARGE_REGIONS.join(", "), "other regions"],
    ...names.map(([key, what]) => [`${what} (\`${key}\`)`, n(large[key]), n(other[key])]),
  ]);
}

/** The Scaling page, every number from the model. */
export function scalingPage(): string {
  const steps = walk();
  const example = find(planCapacity(steps[1].load, BASE, defaultQuotas(REGION)), "firehose.bytes");
  return `# Scaling: from 1,000 to 1,000,000 events per second

<!-- Generated by \`npm run docs:scaling\` from the capacity model (capacity/). test/unit/scaling-doc.test.ts fails when this page and the model disagree: edit tools/scaling-doc.ts, not this file. -->

Every stage of the pipeline has an AWS limit, and each binds at a different rate: a Kinesis shard
takes 1 MiB/s, a DynamoDB partition 1,000 write units/s, a table stream two readers, a Firehose
delivery stream 5 MiB/s by default (1 MiB/s outside the three largest regions). The capacity model (\`capacity/\`) checks each of them for a
load you declare, so the limits show up in \`pulumi preview\` rather than as throttling, iterator
age and backlog in production. This page walks the example composition from 1,000 to 1,000,000
events per second with the model's own numbers.

## Sizing a deployment

1. Declare the load in both stacks' config: \`expectedLoad: {eventsPerSecond, eventBytes}\` (peak
   rate, average size; optionally \`otherStreamReaders\`, \`hottestGroupShare\`). Each stack checks
   the stages it deploys: prod the stream (and the push function in push mode), poc the rest.
2. \`pulumi preview\` warns about each stage that cannot carry it, with what it needs, its limit and
   the fix, for example:

   > ${shortfallMessage(example, steps[1].load)}

3. Set \`capacityCheck: fail\` to stop the preview instead (in the pull-request workflow, say).
4. Once AWS grants a quota, declare it in \`serviceQuotas\` (\`firehoseMiBPerSecond: 14\`), so the
   check counts with it.
5. \`pulumi stack output capacityHeadroom\` gives each stage's need, limit, unit and headroom (limit
   / need); \`pulumi stack output runningCost\` what the stack's side costs at that load
   ([Running costs](#running-costs)), which the preview also states in a line.
6. \`npm run plan -- --events-per-second 10000 --event-bytes 1024\` prints the same table for any
   load without deploying, from the components' defaults or the stacks' config files
   (\`--config Pulumi.prod.yaml --config Pulumi.poc.yaml\`), what would carry a load that does
   not fit, and the running cost of both accounts, line by line.

## What the model checks

Limits from AWS are cited beside each number in \`capacity/limits.ts\`; \`~\` marks the estimated
ones in every table.

${stagesTable()}

## Where the estimates come from

AWS publishes no number for how fast the project's own functions go, how many rows Aurora loads
per ACU, or how many shards an on-demand stream or table has. The model takes these, and says so:

${estimates()}

The estimates err on the slow side (the larger of the two speed ratios; the item and archive sizes
are upper bounds), but they are estimates: watch the functions' iterator age and Aurora's CPU, and
write the figures again (\`npm run bench -- capacity load --write\`, then \`npm run docs:scaling\`) when
\`npm run bench -- capacity\` shows them drifting.

## Running costs

${costsSection()}

## The dedup table's size

${tableSizeSection()}

## The walk

${n(EVENT_BYTES)}-byte events in ${REGION}; the example configs' composition with the components'
defaults: an on-demand stream read through enhanced fan-out, the dedup table on demand, the archive,
the \`by-user\` index projection, and Aurora. Each step starts from the settings and quotas of the
step before and applies what the model suggests (\`capacity/sizing.ts\`); the tables show the result.
Quotas are sized to the need exactly: request some margin on top.

${steps.map((step) => stepSection(step, notesFor(step, steps))).join("\n\n")}

## Outside ${LARGE_REGIONS.join(", ")}

Kinesis and Firehose give lower defaults in other regions; the model takes the stacks' \`aws:region\`.

${regionsTable()}

## What the model leaves out

- **Ramp-up.** A new on-demand stream starts at ${n(KINESIS.onDemandInitialWriteBytesPerSecond / MiB)} MiB/s and a new on-demand table at ${n(DYNAMODB.onDemandInitialWriteUnitsPerSecond)} write units/s; both double
  their capacity as traffic grows, over minutes. A launch at full rate needs warm throughput, or a
  provisioned stream.
- **Hot shards.** Producers' partition keys decide how evenly a stream's shards fill; the model takes
  them as even. The dedup key spreads each shard's writes over 100 hash keys, which the model checks.
- **Retries and replays.** A retried or re-driven batch is traffic too; size the peak with margin.
- **Reads.** Queries on Aurora and the projections' readers compete with the loads and writes.
- **Costs the running-cost lines leave out**: requests to the projections' and Aurora's readers,
  Aurora's I/O, the projections' storage, Kinesis retention past 24 hours on an on-demand stream,
  CloudWatch logs and metrics, KMS requests, data transfer, and NAT or VPC endpoints.
- **Secondary indexes.** A global secondary index on the dedup table (\`table.globalSecondaryIndexes\`)
  takes write units of its own, under its own table-level quota, for every event it indexes.
`;
}

if (require.main === module) {
  writeFileSync(SCALING_PAGE, scalingPage());
  console.log(`wrote ${SCALING_PAGE}`);
}
