import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDEX_WRITE_CONCURRENCY } from "../functions/project/write-limits";
import {
  ACUS_PER_VCPU,
  BENCH_EVENT_BYTES,
  CPU_MICROS_PER_RECORD,
  DYNAMODB_REQUEST_SECONDS,
  DYNAMODB_TRANSACTION_SECONDS,
  FIREHOSE_REQUEST_SECONDS,
  LOAD_ROWS_PER_CORE_SECOND,
} from "../capacity/figures";
import { AURORA, DYNAMODB, FIREHOSE, KINESIS, LAMBDA, LARGE_REGIONS, MiB, defaultQuotas, quotasFor, type ServiceQuotas } from "../capacity/limits";
import { FIGURES, planCapacity, type ExpectedLoad, type Stage } from "../capacity/model";
import { fixText, formatNumber, markdownTable, planRows, shortfallMessage } from "../capacity/report";
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
  const provisioned = planCapacity(load, pipelineSettings({ region: REGION, stream: { shardCount: 4 }, accessMode: "push", projections: [aggregate] }), defaultQuotas(REGION));
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
    rows.push([`\`${id}\``, stage.what.replace(/, (source|consumer) account$/, ", per account"), stage.unit, stage.source === FIGURES ? `estimate ([${FIGURES}](../${FIGURES}))` : `[AWS](${stage.source})`]);
  }
  return markdownTable([["stage", "what", "unit", "limit from"], ...rows], []);
}

function estimates(): string {
  const per = (micros: number) => `${n(micros)} µs`;
  return [
    `- **CPU per record** of each function's core, measured by \`npm run bench\` (section "Capacity figures") as CPU time on one core, for the bench's ${n(BENCH_EVENT_BYTES)}-byte clickstream events: ingest ${per(CPU_MICROS_PER_RECORD.ingest)}, forward ${per(CPU_MICROS_PER_RECORD.forward)}, transform ${per(CPU_MICROS_PER_RECORD.transform)}, index projection ${per(CPU_MICROS_PER_RECORD.projectIndex)}, aggregate projection ${per(CPU_MICROS_PER_RECORD.projectAggregate)}. A function gets memory / ${n(LAMBDA.memoryMbPerVcpu)} MB of a vCPU ([AWS](${LAMBDA.memoryPage})), so at the default 256 MB each record costs ${n(LAMBDA.memoryMbPerVcpu / 256)} times that; larger events cost more in proportion.`,
    `- **Rows per ACU**: one LOAD DATA statement loaded ${n(LOAD_ROWS_PER_CORE_SECOND)} of the bench's rows a second on one core (\`npm run bench\`, section "Load", MariaDB). An ACU is about 2 GiB of memory "and corresponding CPU" ([AWS](${AURORA.capacityPage})); the memory-optimized classes Aurora runs on have 8 GiB per vCPU, so ${ACUS_PER_VCPU} ACUs count as one vCPU: ${n(LOAD_ROWS_PER_CORE_SECOND / ACUS_PER_VCPU)} rows/s per ACU, linear in ACUs.`,
    `- **Call latency**: ${n(DYNAMODB_REQUEST_SECONDS * 1_000)} ms per DynamoDB request, the top of the "single-digit millisecond" AWS gives; ${n(DYNAMODB_TRANSACTION_SECONDS * 1_000)} ms per transaction (prepare and commit); ${n(FIREHOSE_REQUEST_SECONDS * 1_000)} ms per PutRecordBatch call, for which AWS publishes nothing.`,
    `- **Shard counts** AWS does not publish: an on-demand stream is taken to have twice the fewest shards that carry its peak (at least ${n(KINESIS.onDemandInitialWriteBytesPerSecond / MiB)}, its starting 4 MiB/s), and a table's stream one shard per ${n(DYNAMODB.partitionWriteUnitsPerSecond)} write units of twice its peak (at least ${n(DYNAMODB.onDemandInitialWriteUnitsPerSecond / DYNAMODB.partitionWriteUnitsPerSecond)}, its starting warm throughput) — both keep capacity for twice the peak they have seen.`,
  ].join("\n");
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
  const design = step.unresolved.length > 0 ? `\n\nNo setting or quota carries:\n\n${step.unresolved.map((s) => `- \`${s.id}\`: ${fixText(s.fix)}`).join("\n")}` : "";
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
      const otherRegion = quotasFor("eu-central-1").firehoseMiBPerSecond * MiB / archiveRecordBytes(EVENT_BYTES);
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
  return markdownTable([["quota (`serviceQuotas` name)", LARGE_REGIONS.join(", "), "other regions"], ...names.map(([key, what]) => [`${what} (\`${key}\`)`, n(large[key]), n(other[key])])]);
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
   / need).
6. \`npm run plan -- --events-per-second 10000 --event-bytes 1024\` prints the same table for any
   load without deploying, from the components' defaults or the stacks' config files
   (\`--config Pulumi.prod.yaml --config Pulumi.poc.yaml\`), and what would carry a load that does
   not fit.

## What the model checks

Limits from AWS are cited beside each number in \`capacity/limits.ts\`; \`~\` marks the estimated
ones in every table.

${stagesTable()}

## Where the estimates come from

AWS publishes no number for how fast the project's own functions go, how many rows Aurora loads
per ACU, or how many shards an on-demand stream or table has. The model takes these, and says so:

${estimates()}

The estimates err on the slow side (the bench runs on a shared machine; the item and archive sizes
are upper bounds), but they are estimates: watch the functions' iterator age and Aurora's CPU, and
update \`capacity/figures.ts\` when \`npm run bench\` drifts.

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
- **Cost.** The model checks limits, not what crossing them costs.
- **Secondary indexes.** A global secondary index on the dedup table (\`table.globalSecondaryIndexes\`)
  takes write units of its own, under its own table-level quota, for every event it indexes.
`;
}

if (require.main === module) {
  writeFileSync(SCALING_PAGE, scalingPage());
  console.log(`wrote ${SCALING_PAGE}`);
}
