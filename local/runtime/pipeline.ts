import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand, type StreamViewType } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import * as pulumi from "@pulumi/pulumi";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleFunctionCode, PROJECT_ROOT } from "../../components/internal/bundle";
import { type AccessMode } from "../../components/dedup-table";
import { consumerComposition } from "../../stacks/consumer";
import { sourceComposition } from "../../stacks/source";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startKinesalite, startMariaDb, startS3Engine, type Engine } from "../../engines";
import { LocalCloud } from "./cloud";
import { LocalFirehose } from "./firehose";
import { type PulumiValues } from "../../components/testing/inputs";
import { LocalFunctions } from "./functions";
import { LocalMappings, type MappingProgress, type MappingSpec } from "./mappings";
import { LocalNotifications } from "./notifications";
import { activity, mappingStage, pendingWork, type PipelineProgress, type StageFunctions } from "./progress";
import { startServiceShims } from "./service-shims";
import { startThrottlingProxy } from "./throttling-proxy";

const SOURCE_ACCOUNT = "111111111111";
const CONSUMER_ACCOUNT = "999999999999";
const EXTERNAL_ID = "local-writer-external-id";
/** The cross-account DynamoDB Streams design's score per user, kept in poc from prod's shared GameScoreRecords table (pull mode). */
const SCORES_PROJECTION = "scores-by-user";
/** The loader's own database user's password, where IAM database authentication is not available. */
const LOADER_SECRET_ARN = `arn:aws:secretsmanager:${LOCAL_REGION}:${CONSUMER_ACCOUNT}:secret:local-loader-user`;

export interface LocalPipelineOptions {
  accessMode: AccessMode;
  /** Where the functions' own log lines go. Default: nowhere. */
  log?: (line: string) => void;
  /** Share of the functions' DynamoDB writes of an operation answered as throttled (local/runtime/throttling-proxy.ts); a test changes it as it runs. Default: none, and no proxy. */
  dynamodbThrottleShare?: (operation: string) => number;
  /** Told as each start-up phase ends, with what it did and how long it took. */
  phase?: (done: string, ms: number) => void;
}

/** Options of `drain`. */
export interface DrainOptions {
  /** Fail, saying what is still pending, when no stage has moved for this long. Default: 2 minutes. */
  stallMs?: number;
}

export interface LocalPipeline {
  accessMode: AccessMode;
  outputs: { prod: PulumiValues; poc: PulumiValues };
  streamName: string;
  database: { host: string; port: number; user: string; password: string; name: string; table: string };
  clients: { kinesis: KinesisClient; dynamodb: DynamoDBClient; s3: S3Client; sqs: SQSClient };
  /** Where DynamoDB Local and the S3 engine listen, for a user's own queries. */
  dynamodbEndpoint: string;
  s3Endpoint: string;
  functions: LocalFunctions;
  /** The engines' processes (a chaos run pauses and resumes them). */
  engineProcesses: { dynamodb?: number; kinesis?: number; s3?: number };
  /** Stops MariaDB as a shutdown does and starts it again: connections break, committed data stays. */
  restartDatabase(): Promise<void>;
  /** Writes the throttling proxy refused so far, by operation (BatchWriteItem, TransactWriteItems, …). */
  throttledWrites: () => Record<string, number>;
  firehose: LocalFirehose;
  notifications: LocalNotifications;
  mappings: LocalMappings;
  /** Puts records into the source stream; answers with each record's shard and sequence number. */
  produce(records: { data: Buffer; partitionKey: string }[]): Promise<{ shardId: string; sequenceNumber: string }[]>;
  /** Which function plays which part. */
  stages: StageFunctions;
  /** Where every stage stands, from the runtime's counters (no table is read). */
  progress(): PipelineProgress;
  /**
   * Resolves once every stage has handled everything given to it so far: each mapping found its
   * stream empty after the last record moved, nothing is buffered and no object is being loaded.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Starts a mapping again from the trim horizon, as re-creating it does. */
  restartMapping(functionNamePrefix: string): Promise<void>;
  /** Pauses (false) or resumes (true) the mappings of the functions named so, as their `enabled` setting does. */
  setMappingEnabled(functionNamePrefix: string, enabled: boolean): void;
  /**
   * Gives the dedup table's stream another view type as a deployment does (the stack is not
   * realized again): DynamoDB takes no change to an enabled stream, so the stream is disabled and
   * a new one enabled, with a new ARN; each mapping on it is replaced by one on the new stream, from
   * its trim horizon. Answers with the new stream's ARN.
   */
  changeTableStream(streamViewType: StreamViewType): Promise<string>;
  stop(): Promise<void>;
}

async function resolveOutputs(exported: Record<string, pulumi.Input<unknown>>): Promise<PulumiValues> {
  const outputs: PulumiValues = {};
  for (const [name, value] of Object.entries(exported)) {
    outputs[name] = await new Promise((done) => (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => done(v)));
  }
  return outputs;
}

/**
 * The prod and poc stacks, realized by their own compositions on local engines and a local
 * runtime, wired by config as two stacks in different backends would be.
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const log = options.log ?? (() => undefined);
  const phase = options.phase ?? (() => undefined);
  const engines: Engine[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "local-pipeline-"));
  try {
    let startedAt = performance.now();
    const starting = startEngines(engines);
    // esbuild runs here while the JVM and MariaDB boot in their own processes.
    let bundled: number | Error;
    try {
      bundled = bundleAllFunctions();
    } catch (error) {
      bundled = error as Error;
    }
    const bundleMs = performance.now() - startedAt;
    const [dynamo, kinesalite, objects, database] = await starting;
    if (bundled instanceof Error) throw bundled;
    phase(`${bundled} functions bundled (while the engines started)`, bundleMs);
    phase("engines ready: DynamoDB Local, kinesalite, fauxqs (S3 and SQS), MariaDB", performance.now() - startedAt);
    startedAt = performance.now();
    const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const clients = {
      dynamodb: new DynamoDBClient({ ...base, endpoint: dynamo.endpoint }),
      streams: new DynamoDBStreamsClient({ ...base, endpoint: dynamo.endpoint }),
      kinesis: new KinesisClient({ ...base, endpoint: kinesalite.endpoint, requestHandler: new NodeHttpHandler() }),
      s3: new S3Client({ ...base, endpoint: objects.endpoint }),
      sqs: new SQSClient({ ...base, endpoint: objects.endpoint }),
    };

    // Only a test that throttles puts a proxy between the functions and DynamoDB Local: a hop on every write otherwise.
    const throttling = options.dynamodbThrottleShare && (await startThrottlingProxy(dynamo.endpoint, options.dynamodbThrottleShare));
    if (throttling) engines.push(throttling);
    const secrets = new Map<string, string>([[LOADER_SECRET_ARN, JSON.stringify({ password: randomBytes(18).toString("base64url") })]]);
    // Firehose is made below, once the functions it invokes are; the shim calls it only after that.
    const shims = await startServiceShims({ secrets, putRecordBatch: (name, records) => firehose.putRecordBatch(name, records) });
    engines.push(shims);
    const functions = new LocalFunctions(
      dir,
      {
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: throttling ? throttling.endpoint : dynamo.endpoint,
        AWS_ENDPOINT_URL_S3: objects.endpoint,
        AWS_ENDPOINT_URL_SQS: objects.endpoint,
        AWS_ENDPOINT_URL_FIREHOSE: shims.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: shims.endpoint,
        AWS_ENDPOINT_URL_STS: shims.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
        // MariaDB has no IAM database authentication: the loader's own user gets a password from a local secret instead.
        LOADER_AUTH: "secret",
        LOADER_SECRET_ARN: LOADER_SECRET_ARN,
      },
      log,
    );
    const notifications = new LocalNotifications(functions, clients.sqs, 200);
    const firehose = new LocalFirehose(clients.s3, functions, (bucket, key, etag, size) => notifications.objectCreated(bucket, key, etag, size), 1 / 60);
    const runtime = { functions, firehose, notifications, secrets };
    const prodCloud = new LocalCloud({ ...clients, database }, runtime, SOURCE_ACCOUNT);
    const pocCloud = new LocalCloud({ ...clients, database }, runtime, CONSUMER_ACCOUNT);

    const common = { "aws:region": LOCAL_REGION, sourceAccountId: SOURCE_ACCOUNT, consumerAccountId: CONSUMER_ACCOUNT, accessMode: options.accessMode };
    const pocConfig = {
      ...common,
      table: JSON.stringify({ streamViewType: "NEW_AND_OLD_IMAGES" }),
      // Concurrent batches per table stream shard, as a busy deployment sets them: batches of different items finish in any order.
      archive: JSON.stringify({ delivery: { bufferSizeMiB: 1, bufferIntervalSeconds: 60 }, forward: { parallelizationFactor: 2 } }),
      // The dedup table's stream serves two readers: the archive's forward function and this one.
      projections: JSON.stringify([
        {
          name: "hits-per-page",
          projection: {
            kind: "aggregate",
            groupBy: ["page_id", { attribute: "client_timestamp", period: "day" }],
            sums: [{ name: "hits", attribute: "Hits" }],
          },
          project: { parallelizationFactor: 3 },
        },
      ]),
      // MariaDB, not Aurora: no LOAD DATA FROM S3, no TLS certificate.
      aurora: JSON.stringify({ loadMode: "streamed", database: { tls: false } }),
    };
    const prodConfig = { ...common, stream: JSON.stringify({ name: "web-analytics", shardCount: 2 }) };

    const realize = async (cloud: LocalCloud, stack: "prod" | "poc", config: Record<string, string>) => {
      await pulumi.runtime.setMocks(cloud, "stream-replication", stack, false, "local");
      pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `stream-replication:${k}`, v])));
      const exported = await (stack === "prod" ? sourceComposition : consumerComposition)(new pulumi.Config());
      await cloud.settle();
      return resolveOutputs(exported);
    };
    let prod: PulumiValues;
    let poc: PulumiValues;
    if (options.accessMode === "pull") {
      // The cross-account DynamoDB Streams design too: prod shares a GameScoreRecords table's stream, poc keeps each user's score from it.
      prod = await realize(prodCloud, "prod", {
        ...prodConfig,
        consumerIngestRoleArn: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/clicks-ingest-role-local`,
        sharedTable: JSON.stringify({ name: "GameScoreRecords", hashKey: "RecordID", attributeTypes: { RecordID: "N" } }),
        consumerSharedTableReaderRoleArns: JSON.stringify({
          [SCORES_PROJECTION]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/${SCORES_PROJECTION}-project-role-local`,
        }),
      });
      poc = await realize(pocCloud, "poc", {
        ...pocConfig,
        sourceStreamArn: prod.streamArn,
        sourceStreamKmsKeyArn: prod.streamKmsKeyArn,
        sourceSharedTableStreamArn: prod.sharedTableStreamArn,
        sourceSharedTableKmsKeyArn: prod.sharedTableKmsKeyArn,
        sharedTableProjections: JSON.stringify([
          { name: SCORES_PROJECTION, projection: { kind: "aggregate", groupBy: ["Username"], sums: [{ name: "score", attribute: "Score" }] } },
        ]),
      });
    } else {
      poc = await realize(pocCloud, "poc", {
        ...pocConfig,
        sourceIngestRoleArn: `arn:aws:iam::${SOURCE_ACCOUNT}:role/clicks-ingest-role-local`,
        writerExternalId: EXTERNAL_ID,
      });
      prod = await realize(prodCloud, "prod", {
        ...prodConfig,
        consumerWriterRoleArn: poc.writerRoleArn,
        consumerTableName: poc.tableName,
        writerExternalId: EXTERNAL_ID,
      });
    }

    functions.planted.checkAllApplied();
    phase(
      `stacks realized: prod and poc (${options.accessMode} mode), ${functions.all().length} functions, ${prodCloud.mappings.length + pocCloud.mappings.length} mappings`,
      performance.now() - startedAt,
    );
    startedAt = performance.now();
    await functions.warm();
    phase("function processes started and their bundles loaded", performance.now() - startedAt);

    const mappings = new LocalMappings(clients, functions);
    const specs = [...prodCloud.mappings, ...pocCloud.mappings];
    for (const spec of specs) await mappings.start(spec);

    const stages = stageFunctions(functions, specs, { ...poc.projectionTables, ...poc.sharedTableProjectionTables });
    const progress = (): PipelineProgress => {
      const read = mappings.progress();
      const tableMappings = read.filter((m) => m.kind === "dynamodb" && m.source === poc.tableName);
      return {
        ingest: mappingStage(read, stages.ingest, functions.parked.by(stages.ingest)),
        tableItems: tableMappings.filter((m) => m.functionName === stages.forward).reduce((sum, m) => sum + m.inserts, 0),
        tableStreamRecords: streamRecords(tableMappings),
        forward: mappingStage(read, stages.forward, functions.parked.by(stages.forward)),
        firehose: { ...firehose.counts, buffered: firehose.buffered },
        load: { handled: notifications.counts.handled, inFlight: notifications.inFlight },
        projections: Object.entries(stages.projections).map(([name, { functionName }]) => {
          const stage = mappingStage(read, functionName, functions.parked.by(functionName));
          const ofTable = tableMappings.some((m) => m.functionName === functionName);
          // A projection of prod's shared table is its stream's only reader here: what it read is on that stream.
          return { name, ...stage, streamRecords: ofTable ? streamRecords(tableMappings) : stage.read };
        }),
      };
    };
    return {
      accessMode: options.accessMode,
      outputs: { prod, poc },
      streamName: prod.streamName,
      database: {
        host: database.host,
        port: database.port,
        user: database.user,
        password: database.password,
        name: poc.databaseName,
        table: poc.databaseTable,
      },
      clients,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: objects.endpoint,
      functions,
      engineProcesses: { dynamodb: dynamo.pid, kinesis: kinesalite.pid, s3: objects.pid },
      restartDatabase: () => database.restart(),
      throttledWrites: () => (throttling ? throttling.throttled() : {}),
      firehose,
      notifications,
      mappings,
      produce: async (records) => {
        const answers: { shardId: string; sequenceNumber: string }[] = [];
        for (let i = 0; i < records.length; i += 500) {
          const chunk = records.slice(i, i + 500);
          const { Records = [] } = await clients.kinesis.send(
            new PutRecordsCommand({ StreamName: prod.streamName, Records: chunk.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })) }),
          );
          answers.push(...Records.map((r) => ({ shardId: r.ShardId!, sequenceNumber: r.SequenceNumber! })));
        }
        return answers;
      },
      stages,
      progress,
      drain: async ({ stallMs = 120_000 } = {}) => {
        let last = activity(progress());
        let since = performance.now();
        for (;;) {
          await new Promise((done) => setTimeout(done, 50));
          if (firehose.buffered > 0) await firehose.flush();
          await notifications.idle();
          const now = progress();
          if (activity(now) !== last) {
            [last, since] = [activity(now), performance.now()];
            continue;
          }
          // Nothing moved since `since`, and every shard has since found nothing new to read.
          if (mappings.caughtUpSince(since) && now.firehose.buffered === 0 && now.load.inFlight === 0) return;
          if (performance.now() - since > stallMs)
            throw new Error(
              `the pipeline has not moved for ${Math.round(stallMs / 1000)} s; still pending: ${pendingWork(now).join(", ") || "nothing a stage can name"}`,
            );
        }
      },
      restartMapping: async (prefix) => {
        const spec = specs.find((s) => s.functionName.startsWith(prefix));
        if (!spec) throw new Error(`no mapping for a function named ${prefix}…`);
        await mappings.start({ ...spec, uuid: `${spec.uuid}-again` });
      },
      setMappingEnabled: (prefix, enabled) => {
        const named = specs.filter((s) => s.functionName.startsWith(prefix));
        if (named.length === 0) throw new Error(`no mapping for a function named ${prefix}…`);
        for (const spec of named) mappings.setEnabled(spec.uuid, enabled);
      },
      changeTableStream: async (streamViewType) => {
        const table = poc.tableName as string;
        // As the provider does it: UpdateTable refuses a new view type on an enabled stream
        // ("Table already has an enabled stream"), so it disables the stream and enables another.
        await clients.dynamodb.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: false } }));
        await clients.dynamodb.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } }));
        const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
        const streamArn = `${poc.tableArn}/stream/${Table!.LatestStreamLabel}`;
        for (const [i, spec] of specs.entries()) {
          if (spec.kind !== "dynamodb" || spec.source !== table) continue;
          // A mapping's event source cannot change in place: the mapping is replaced, at the new stream's trim horizon.
          mappings.delete(spec.uuid);
          specs[i] = { ...spec, uuid: randomUUID(), sourceArn: streamArn };
          await mappings.start(specs[i]);
        }
        return streamArn;
      },
      stop: async () => {
        await mappings.stop();
        await firehose.stop();
        await notifications.idle();
        await functions.stop();
        for (const client of Object.values(clients)) client.destroy();
        await Promise.all(engines.map((engine) => engine.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.stop().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Records on a table's streams, as far as the furthest reader of each stream got: a new stream starts at none. */
function streamRecords(tableMappings: readonly MappingProgress[]): number {
  const furthest = new Map<string, number>();
  for (const m of tableMappings) furthest.set(m.sourceArn, Math.max(furthest.get(m.sourceArn) ?? 0, m.read));
  return [...furthest.values()].reduce((sum, read) => sum + read, 0);
}

/** The four engines, started at once; each one that started is added to `engines` (to be stopped), also when another fails. */
async function startEngines(engines: Engine[]) {
  const starting = [startDynamoDbLocal(), startKinesalite(), startS3Engine(), startMariaDb()] as const;
  for (const result of await Promise.allSettled(starting)) {
    if (result.status === "fulfilled") engines.push(result.value);
  }
  // Every engine has settled: this rejects with the first failure, or resolves at once.
  return Promise.all(starting);
}

/** Bundles every function now (the components take them from the cache), so that this phase is timed on its own. */
function bundleAllFunctions(): number {
  const root = path.join(PROJECT_ROOT, "functions");
  const names = readdirSync(root).filter((name) => existsSync(path.join(root, name, "handler.ts")));
  for (const name of names) bundleFunctionCode(name);
  return names.length;
}

/** Which function plays which part: the Kinesis mapping's function ingests; the others are known by what their component put in their environment. */
function stageFunctions(functions: LocalFunctions, specs: readonly MappingSpec[], projectionTables: Record<string, string>): StageFunctions {
  const withEnvironment = (name: string, value?: string) =>
    functions.all().find((spec) => (value === undefined ? name in spec.environment : spec.environment[name] === value));
  const projection = (table: string) => {
    const fn = withEnvironment("TARGET_TABLE", table);
    const spec = JSON.parse(fn?.environment.PROJECTION ?? "{}") as {
      kind?: string;
      hashKey?: string;
      rangeKey?: string;
      groupBy?: (string | { attribute: string })[];
    };
    const keys =
      spec.kind === "aggregate"
        ? (spec.groupBy ?? []).map((g) => (typeof g === "string" ? g : g.attribute))
        : [spec.hashKey, spec.rangeKey].filter((k): k is string => Boolean(k));
    return { functionName: fn?.name ?? "", table, kind: spec.kind === "aggregate" ? ("aggregate" as const) : ("index" as const), keys };
  };
  return {
    ingest: specs.find((spec) => spec.kind === "kinesis")?.functionName ?? "",
    forward: withEnvironment("DELIVERY_STREAM_NAME")?.name ?? "",
    transform: withEnvironment("SCHEMA")?.name ?? "",
    load: withEnvironment("MANIFEST_TABLE")?.name ?? "",
    projections: Object.fromEntries(Object.entries(projectionTables).map(([name, table]) => [name, projection(table)])),
  };
}
