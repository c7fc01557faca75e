import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPOSITIONS } from "../../stacks/select";
import { MockCloud, resolve } from "../harness/mock-cloud";

export const SOURCE = "111111111111";
export const CONSUMER = "999999999999";
export const PROD_STACK = "acme/stream-replication/prod";
export const POC_STACK = "acme/stream-replication/poc";
const ACCOUNTS = { "aws:region": "eu-west-1", sourceAccountId: SOURCE, consumerAccountId: CONSUMER };

export type Outputs = Record<string, any>;

/** Runs one stack's composition under mocks, as `pulumi up` would, and returns its resolved outputs. */
export async function up(side: "source" | "consumer", config: Record<string, string>, peerOutputs?: Outputs, accountId?: string) {
  const peerStack = side === "source" ? POC_STACK : PROD_STACK;
  const cloud = new MockCloud({
    stack: side === "source" ? "prod" : "poc",
    accountId: accountId ?? (side === "source" ? SOURCE : CONSUMER),
    stackOutputs: peerOutputs ? { [peerStack]: peerOutputs } : {},
    secretStackOutputs: ["writerExternalId"],
  });
  await cloud.install({ ...ACCOUNTS, ...(peerOutputs ? { [`${side === "source" ? "consumer" : "source"}Stack`]: peerStack } : {}), ...config });
  const exported = await COMPOSITIONS[side](new pulumi.Config());
  await cloud.settle();
  const outputs: Outputs = {};
  for (const [name, value] of Object.entries(exported)) outputs[name] = await resolve(pulumi.output(value));
  return { cloud, outputs };
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

