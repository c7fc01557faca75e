import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { declaredConfig } from "../../stacks/config";
import { COMPOSITIONS } from "../../stacks/select";
import { MockCloud, resolve } from "../harness/mock-cloud";
import { type PulumiValues } from "../../components/testing/inputs";

export const SOURCE = "111111111111";
export const CONSUMER = "999999999999";
export const PROD_STACK = "acme/stream-replication/prod";
export const POC_STACK = "acme/stream-replication/poc";
const ACCOUNTS = { "aws:region": "eu-west-1", sourceAccountId: SOURCE, consumerAccountId: CONSUMER };

/** What the Pulumi CLI puts in a stack's config for each key Pulumi.yaml declares with a default and the stack leaves out. */
export const CLI_DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(declaredConfig())
    .filter(([, declaration]) => declaration.default !== undefined)
    .map(([key, { default: value }]) => [key, typeof value === "object" ? JSON.stringify(value) : String(value)]),
);

export type Outputs = PulumiValues;

/** The cross-account DynamoDB Streams design as the stacks wire it: prod's GameScoreRecords table, and poc's score per user kept from its stream. */
export const SHARED_TABLE = { sharedTable: JSON.stringify({ name: "GameScoreRecords", hashKey: "RecordID", attributeTypes: { RecordID: "N" } }) };
export const SCORES_BY_USER = {
  sharedTableProjections: JSON.stringify([
    { name: "scores-by-user", projection: { kind: "aggregate", groupBy: ["Username"], sums: [{ name: "score", attribute: "Score" }] } },
  ]),
};

/** Runs one stack's composition under mocks, as `pulumi up` would, and returns its resolved outputs; `lastDeployment` are the stack's outputs from before (none: a first deployment). */
export async function up(
  side: "source" | "consumer",
  config: Record<string, string>,
  peerOutputs?: Outputs,
  accountId?: string,
  options: { cliDefaults?: boolean; lastDeployment?: Outputs } = {},
) {
  const cloud = await installStack(side, config, peerOutputs, accountId, options);
  const exported = await COMPOSITIONS[side](new pulumi.Config());
  await cloud.settle();
  const outputs: Outputs = {};
  for (const [name, value] of Object.entries(exported)) outputs[name] = await resolve(pulumi.output(value));
  return { cloud, outputs };
}

/** A stack's mock cloud with its config, as the Pulumi CLI would hand it to the program, and the other stack's outputs. */
export async function installStack(
  side: "source" | "consumer",
  config: Record<string, string>,
  peerOutputs?: Outputs,
  accountId?: string,
  options: { cliDefaults?: boolean; lastDeployment?: Outputs } = {},
): Promise<MockCloud> {
  const peerStack = side === "source" ? POC_STACK : PROD_STACK;
  const stack = side === "source" ? "prod" : "poc";
  const cloud = new MockCloud({
    stack,
    accountId: accountId ?? (side === "source" ? SOURCE : CONSUMER),
    // The stack's own outputs from its last deployment, which it reads back through a StackReference to itself.
    stackOutputs: {
      ...(peerOutputs && { [peerStack]: peerOutputs }),
      ...(options.lastDeployment && { [`organization/stream-replication/${stack}`]: options.lastDeployment }),
    },
  });
  await cloud.install({
    ...(options.cliDefaults === false ? {} : CLI_DEFAULTS),
    ...ACCOUNTS,
    ...(peerOutputs ? { [`${side === "source" ? "consumer" : "source"}Stack`]: peerStack } : {}),
    ...config,
  });
  return cloud;
}

/** A stack's config file, as `pulumi config` hands it to the program: objects as JSON, project keys unprefixed. */
export function stackConfig(stack: "prod" | "poc"): Record<string, string> {
  const file = load(readFileSync(join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [
      key.replace(/^stream-replication:/, ""),
      typeof value === "object" ? JSON.stringify(value) : String(value),
    ]),
  );
}
