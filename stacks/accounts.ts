import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type AccessMode, type Check, validate } from "../components";
import { parseArn } from "../functions/shared/arn";
import { type StackConfig } from "./config";

export type Side = "source" | "consumer";

/** The two accounts, their region and how records cross between them: the same in both stacks. */
export interface Accounts {
  accessMode: AccessMode;
  sourceAccountId: string;
  consumerAccountId: string;
  region: string;
}

const ACCOUNT_ID = /^\d{12}$/;

/** Reads and checks the account settings; every problem is named in one error at preview. */
export function readAccounts(config: StackConfig): Accounts {
  const check = validate(`stack "${pulumi.getStack()}"`, "config");
  const accessMode = (config.string("accessMode") ?? "pull") as AccessMode;
  check.oneOf("accessMode", accessMode, ["pull", "push"]);
  const ids = { sourceAccountId: config.string("sourceAccountId") ?? "", consumerAccountId: config.string("consumerAccountId") ?? "" };
  for (const [key, value] of Object.entries(ids)) {
    const account = key === "sourceAccountId" ? "source (production)" : "consumer (POC)";
    if (!value) check.fail(`${key} is required: the 12-digit ID of the ${account} account`);
    else if (!ACCOUNT_ID.test(value)) check.fail(`${key} must be a 12-digit AWS account ID, got "${value}"`);
  }
  const region = new pulumi.Config("aws").get("region") ?? "";
  if (!region) check.fail("aws:region is required, and must be the same in both stacks (Lambda reads streams only in its own region)");
  check.done();
  return { accessMode, region, ...ids };
}

/** Stops before anything is planned when the credentials belong to another account than config names. */
export async function assertDeployingInto(accounts: Accounts, side: Side): Promise<void> {
  const expected = side === "source" ? accounts.sourceAccountId : accounts.consumerAccountId;
  const { accountId } = await aws.getCallerIdentity();
  if (accountId !== expected) {
    throw new pulumi.RunError(
      `stack "${pulumi.getStack()}" deploys the ${side} side into account ${expected} (${side}AccountId), but the AWS credentials are for account ${accountId}: switch credentials or fix the config`,
    );
  }
}

/** Checks an ARN another stack or the config gave: its service, account and region. */
export function checkArn(
  check: Check,
  label: string,
  arn: string | undefined,
  expected: { service: string; account: string; region?: string; resource?: string },
): void {
  if (arn === undefined) return;
  const parsed = parseArn(arn);
  const { service, region, accountId: account, resource } = parsed ?? {};
  if (!parsed || service !== expected.service || !resource || (expected.resource && !resource.startsWith(expected.resource))) {
    const shape = `arn:aws:${expected.service}:${expected.region === undefined ? "" : "<region>"}:<account>:${expected.resource ?? ""}…`;
    check.fail(`${label} must be an ARN like ${shape}, got "${arn}"`);
    return;
  }
  if (account !== expected.account) check.fail(`${label} is in account ${account}, not ${expected.account} as the config says`);
  if (expected.region !== undefined && region !== expected.region) {
    check.fail(`${label} is in region ${region}, but this stack deploys to ${expected.region}: both accounts must use one region, as Lambda requires`);
  }
}
