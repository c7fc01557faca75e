import { expect } from "chai";
import { catalogueVersion } from "./catalogue";
import { killed, MutationRun, type Verdict } from "./mutation";
import { SCENARIO_NAMES, scenario } from "./scenarios";

/**
 * Policy mutation testing: every document both stacks emit, in every scenario, weakened one
 * statement at a time (test/security/mutants.ts), must be rejected by a check of what the documents
 * do: the IAM evaluator's access paths (test/security/access.test.ts), the policy pack, or the rules
 * of test/security/rules.ts, asked in that order. The exact documents are a diff aid, and reject alone
 * only what no check can see, for a stated reason. A document emitted identically by several
 * scenarios is mutated once.
 */
describe("security: policy mutation testing", function () {
  this.timeout(900_000);
  const verdicts: Verdict[] = [];

  before(async () => {
    const mutated = new Set<string>();
    for (const name of SCENARIO_NAMES) {
      const run = await MutationRun.of(await scenario(name));
      expect(await run.baseline(), `${name}: the checks must pass on the documents as emitted`).to.deep.equal([]);
      for (const document of run.documents) {
        const key = `${document.id} ${JSON.stringify(document.document)}`;
        if (mutated.has(key)) continue;
        mutated.add(key);
        for (const mutant of await run.mutants(document)) verdicts.push(await run.verdict(mutant));
      }
    }
  });

  it("rejects every weakening of every policy document, and prints the policy mutation score", async () => {
    const accepted = verdicts.filter((v) => !killed(v));
    const share = (n: number) => `${((100 * n) / verdicts.length).toFixed(1)}%`;
    const byEvaluator = verdicts.filter((v) => v.simulator !== undefined).length;
    const byPack = verdicts.filter((v) => v.pack.length > 0).length;
    const byRules = verdicts.filter((v) => v.rules.length > 0).length;
    const exactOnly = verdicts.filter((v) => v.exact && v.simulator === undefined && v.pack.length === 0 && v.rules.length === 0).length;
    console.log(`      IAM catalogue ${await catalogueVersion()}`);
    console.log(
      `      policy mutation score: ${share(verdicts.length - accepted.length)} of ${verdicts.length} mutants of ${new Set(verdicts.map((v) => v.mutant.document.id)).size} documents rejected`,
    );
    console.log(
      `        by the IAM evaluator's paths ${byEvaluator} (${share(byEvaluator)}); of the rest, by the policy pack ${byPack} (${share(byPack)}), by the rules ${byRules} (${share(byRules)}), by the exact documents alone ${exactOnly} (${share(exactOnly)})`,
    );
    const operators = new Map<string, Verdict[]>();
    for (const v of verdicts) operators.set(v.mutant.operator, [...(operators.get(v.mutant.operator) ?? []), v]);
    for (const [operator, list] of operators) {
      console.log(
        `        ${operator}: ${list.length} (evaluator ${list.filter((v) => v.simulator).length}, pack ${list.filter((v) => v.pack.length).length}, rules ${list.filter((v) => v.rules.length).length}, exact alone ${list.filter((v) => !v.simulator && !v.pack.length && !v.rules.length).length})`,
      );
    }
    const unseen = new Map<string, number>();
    for (const v of verdicts.filter((v) => v.unseen)) unseen.set(v.unseen!, (unseen.get(v.unseen!) ?? 0) + 1);
    for (const [reason, n] of unseen) console.log(`        exact alone, as ${reason}: ${n}`);
    const describe = (v: Verdict) =>
      `${v.mutant.document.id}, statement ${v.mutant.statement} (${v.mutant.document.document.Statement[v.mutant.statement]?.Sid ?? "new"}): ${v.mutant.operator}: ${v.mutant.detail}`;
    for (const v of accepted) console.log(`      ACCEPTED ${describe(v)}`);
    expect(accepted.map(describe)).to.deep.equal([]);
  });

  it("leaves to the exact documents alone only weakenings no check can see, each for a stated reason", () => {
    const unexplained = verdicts.filter((v) => v.simulator === undefined && v.pack.length === 0 && v.rules.length === 0 && v.unseen === undefined);
    const lines = unexplained.map((v) => `${v.mutant.document.id} #${v.mutant.statement}: ${v.mutant.operator}: ${v.mutant.detail}`);
    expect(lines).to.deep.equal([]);
  });
});
