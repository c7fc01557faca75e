import { expect } from "chai";
import { catalogueVersion } from "./catalogue";
import { emittedDocuments, type PolicyDocument } from "./documents";
import { expectations, type Expectations, THIRD } from "./expectations";
import { PathBuilder } from "./paths";
import { SCENARIO_NAMES, scenario, type Scenario } from "./scenarios";
import { type AccessPath, decide } from "./simulator";

/** Paths whose decision is not the expected one, described. */
async function mismatches(paths: AccessPath[], documents: ReadonlyMap<string, PolicyDocument>): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const decision = await decide(path, documents);
    if (decision !== path.expected)
      found.push(
        `${path.subject}: ${path.principal} ${path.action} on ${path.resource} ${JSON.stringify(path.context)}: expected ${path.expected}, AWS would decide ${decision}`,
      );
  }
  return found;
}

const count = (paths: AccessPath[]) =>
  `${paths.length} paths (${paths.filter((p) => p.expected === "Allowed").length} allowed, ${paths.filter((p) => p.expected === "Denied").length} denied)`;

describe("security: what AWS would decide for every policy both stacks emit", function () {
  this.timeout(900_000);

  before(async () => console.log(`      IAM catalogue ${await catalogueVersion()}`));

  for (const name of SCENARIO_NAMES) {
    describe(name, () => {
      let s: Scenario;
      let expected: Expectations;
      let documents: Map<string, PolicyDocument>;
      let paths: AccessPath[];

      before(async () => {
        s = await scenario(name);
        expected = expectations(s);
        documents = new Map([...emittedDocuments(s.prod), ...emittedDocuments(s.poc)].map((d) => [d.id, d.document]));
        paths = await (await PathBuilder.of(s, expected)).all();
      });

      it("emits exactly the documents written out in test/security/expectations.ts, and no other", () => {
        const emitted = Object.fromEntries([...documents].map(([id, document]) => [id, document.Statement]));
        expect(Object.keys(emitted).sort()).to.deep.equal(Object.keys(expected.documents).sort());
        for (const [id, statements] of Object.entries(emitted)) expect(statements, id).to.deep.equal(expected.documents[id]);
      });

      it("allows every request the pipeline makes, end to end across the accounts", async () => {
        const pipeline = paths.filter((p) => p.layer === "pipeline");
        console.log(`      ${count(pipeline)}`);
        expect(await mismatches(pipeline, documents)).to.deep.equal([]);
      });

      it("lets each role do exactly its job: every other action of its services, and the sensitive ones of the others, on siblings, in a third account or without its conditions, is denied", async () => {
        const identity = paths.filter((p) => p.layer === "identity");
        console.log(`      ${count(identity)} for ${expected.roles.length} roles`);
        expect(await mismatches(identity, documents)).to.deep.equal([]);
      });

      it("lets each role be assumed by its one trusted principal, with the context that principal brings, and by nobody else", async () => {
        const trust = paths.filter((p) => p.layer === "trust");
        console.log(`      ${count(trust)}`);
        expect(await mismatches(trust, documents)).to.deep.equal([]);
      });

      it("lets each resource policy in its grantees only, for their actions and conditions, and makes buckets refuse plain HTTP to everyone", async () => {
        const resource = paths.filter((p) => p.layer === "resource");
        console.log(`      ${count(resource)} for ${expected.resourcePolicies.length} resource policies`);
        expect(await mismatches(resource, documents)).to.deep.equal([]);
      });

      it("tries every role and resource policy with denials that vary the action, the resource and the account", () => {
        const missing: string[] = [];
        const denied = (test: (p: AccessPath) => boolean) => paths.some((p) => p.expected === "Denied" && test(p));
        for (const role of expected.roles) {
          const own = (p: AccessPath) => p.layer === "identity" && p.subject === role.name;
          const grantedAction = (p: AccessPath) => role.grants.some((g) => g.actions.includes(p.action));
          if (!denied((p) => own(p) && !grantedAction(p))) missing.push(`${role.name}: no other action`);
          if (!denied((p) => own(p) && grantedAction(p) && p.resourceAccount === THIRD)) missing.push(`${role.name}: no third account's resource`);
          if (!denied((p) => own(p) && grantedAction(p) && p.resourceAccount !== THIRD && p.resource !== "*"))
            missing.push(`${role.name}: no other resource of its account`);
          if (role.trust && !denied((p) => p.layer === "trust" && p.subject.startsWith(role.name) && p.principal.includes(THIRD)))
            missing.push(`${role.name}: no third account assuming it`);
        }
        for (const policy of expected.resourcePolicies) {
          if (!denied((p) => p.layer === "resource" && p.subject === policy.document && p.principal.includes(THIRD)))
            missing.push(`${policy.document}: no third account`);
        }
        expect(missing).to.deep.equal([]);
      });
    });
  }
});
