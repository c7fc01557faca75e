import { type RecordedResource } from "../harness/mock-cloud";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up, type Outputs } from "../support/stacks";

/** One stack's run under mocks: what it registered and what it exported. */
export interface StackRun {
  stack: "prod" | "poc";
  resources: RecordedResource[];
  outputs: Outputs;
}

/** Both stacks of one deployment, wired to each other in the documented order. */
export interface Scenario {
  name: string;
  prod: StackRun;
  poc: StackRun;
}

/** Customer-managed keys the consumer's config names (keys the stacks do not create; their key policies are the account's default). */
export const CUSTOMER_KEYS = {
  table: "arn:aws:kms:eu-west-1:999999999999:key/7a1c2e3f-0d4b-4c5a-8e6f-1a2b3c4d5e6f",
  projectionTable: "arn:aws:kms:eu-west-1:999999999999:key/2b3c4d5e-6f70-4a1b-9c2d-3e4f5a6b7c8d",
  archive: "arn:aws:kms:eu-west-1:999999999999:key/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
} as const;

/** The example poc config with every option that adds a grant: customer keys on the table, the projection and the archive, and the cross-account DynamoDB Streams design's score projection. */
function consumerConfig(extra: Record<string, unknown> = {}): Record<string, string> {
  const example = stackConfig("poc");
  const table = { ...JSON.parse(example.table), kmsKeyArn: CUSTOMER_KEYS.table };
  const archive = example.archive ? JSON.parse(example.archive) : {};
  const projections = JSON.parse(example.projections).map((p: Record<string, unknown>) => ({ ...p, table: { kmsKeyArn: CUSTOMER_KEYS.projectionTable } }));
  const aurora = { ...JSON.parse(example.aurora), ...(extra.aurora as object) };
  return {
    ...example,
    ...SCORES_BY_USER,
    table: JSON.stringify(table),
    archive: JSON.stringify({ ...archive, bucket: { ...archive.bucket, kmsKeyArn: CUSTOMER_KEYS.archive } }),
    projections: JSON.stringify(projections),
    aurora: JSON.stringify(aurora),
  };
}

const run = async (stack: "prod" | "poc", result: Awaited<ReturnType<typeof up>>): Promise<StackRun> => ({
  stack,
  resources: result.cloud.resources,
  outputs: result.outputs,
});

/**
 * Pull mode with the fan-out consumer, the shared table read by a projection (the cross-account DynamoDB Streams design), customer
 * keys and Aurora loading from S3; the same with the loader streaming objects itself (`streamed`);
 * and push mode with the external ID.
 */
async function build(): Promise<Scenario[]> {
  const poc1 = await up("consumer", consumerConfig(), {});
  const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, poc1.outputs);
  const poc = await up("consumer", consumerConfig(), prod.outputs);
  const pocLocal = await up("consumer", consumerConfig({ aurora: { loadMode: "streamed" } }), prod.outputs);

  const push = { accessMode: "push" };
  const prodPush1 = await up("source", { ...stackConfig("prod"), ...push }, {});
  const pocPush = await up("consumer", { ...consumerConfig(), ...push, writerExternalId: "poc-writer-7f3a" }, prodPush1.outputs);
  const prodPush = await up("source", { ...stackConfig("prod"), ...push }, pocPush.outputs);

  const prodRun = await run("prod", prod);
  return [
    { name: "pull", prod: prodRun, poc: await run("poc", poc) },
    { name: "pull, loader streaming from S3", prod: prodRun, poc: await run("poc", pocLocal) },
    { name: "push", prod: await run("prod", prodPush), poc: await run("poc", pocPush) },
  ];
}

export const SCENARIO_NAMES = ["pull", "pull, loader streaming from S3", "push"] as const;

let built: Promise<Scenario[]> | undefined;

/** The scenarios, built once per test process. */
export function scenarios(): Promise<Scenario[]> {
  built ??= build();
  return built;
}

export const scenario = async (name: (typeof SCENARIO_NAMES)[number]): Promise<Scenario> => (await scenarios()).find((s) => s.name === name)!;
