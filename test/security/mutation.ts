import type { PolicyResource } from "@pulumi/policy";
import { asPolicyResource, violations } from "../support/policy-pack";
import { actionMatches, emittedDocuments, type EmittedDocument, list, type PolicyDocument } from "./documents";
import { expectations, type Expectations } from "./expectations";
import { type Mutant, mutantsOf } from "./mutants";
import { PathBuilder, stackTargets } from "./paths";
import { ruleViolations } from "./rules";
import { type Scenario } from "./scenarios";
import { type AccessPath, decide } from "./simulator";

/** Which security checks reject a mutant, and why the others may let it through. */
export interface Verdict {
  mutant: Mutant;
  /** The first access path the IAM evaluator now decides otherwise. */
  simulator?: string;
  /** What the policy pack reports, when the evaluator's paths noticed nothing. */
  pack: string[];
  /** The rules of test/security/rules.ts the mutated document breaks, when neither the evaluator nor the pack noticed. */
  rules: string[];
  /** The document no longer equals the one written out in the expectations: a diff aid, not a check. */
  exact: boolean;
  /** For a mutant no check rejects: why no check can see it, which the exact documents then stand in for. */
  unseen?: string;
}

/** Rejected by a check of what the documents do (the evaluator's paths, the pack, the rules), or else by the exact documents. */
export const killed = (v: Verdict) => v.simulator !== undefined || v.pack.length > 0 || v.rules.length > 0 || v.exact;

/**
 * The Lambda permissions a mutated function-policy statement takes: one per principal and action,
 * as a permission holds one of each, with the statement's source conditions.
 */
function permissionsFor(permission: PolicyResource, document: PolicyDocument): PolicyResource[] {
  return document.Statement.flatMap((statement, s) => {
    const principal = statement.Principal;
    const principals = principal === "*" ? ["*"] : Object.values(principal ?? {}).flatMap((v) => list(v));
    const condition = Object.assign({}, ...Object.values(statement.Condition ?? {})) as Record<string, string>;
    return principals.flatMap((p, i) =>
      list(statement.Action).map(
        (action, a) =>
          ({
            ...permission,
            urn: `${permission.urn}-${s}-${i}-${a}`,
            props: { ...permission.props, principal: p, action, sourceArn: condition["aws:SourceArn"], sourceAccount: condition["aws:SourceAccount"] },
          }) as PolicyResource,
      ),
    );
  });
}

/** The security checks of one scenario, run against mutated documents. */
export class MutationRun {
  private constructor(
    readonly scenario: Scenario,
    readonly documents: EmittedDocument[],
    private readonly expected: Expectations,
    private readonly byDocument: Map<string, AccessPath[]>,
    private readonly packResources: Record<"prod" | "poc", PolicyResource[]>,
    readonly targets: Awaited<ReturnType<typeof stackTargets>>,
  ) {}

  static async of(scenario: Scenario): Promise<MutationRun> {
    const expected = expectations(scenario);
    const paths = await (await PathBuilder.of(scenario, expected)).all();
    const byDocument = new Map<string, AccessPath[]>();
    for (const path of paths) {
      for (const ref of [...path.identity, path.resourcePolicy]) {
        if (typeof ref === "string") byDocument.set(ref, [...(byDocument.get(ref) ?? []), path]);
      }
    }
    // Paths expected denied first: a weakening usually turns one of them allowed.
    for (const list of byDocument.values()) list.sort((a, b) => (a.expected === b.expected ? 0 : a.expected === "Denied" ? -1 : 1));
    const packResources = { prod: scenario.prod.resources.map(asPolicyResource), poc: scenario.poc.resources.map(asPolicyResource) };
    return new MutationRun(
      scenario,
      [...emittedDocuments(scenario.prod), ...emittedDocuments(scenario.poc)],
      expected,
      byDocument,
      packResources,
      await stackTargets(scenario),
    );
  }

  /** The paths that try a document with one of these actions (patterns), those expected denied first. */
  private pathsFor(document: string, actions: string[]): AccessPath[] {
    const all = this.byDocument.get(document) ?? [];
    if (actions.some((a) => /[*?]/.test(a))) return all.filter((p) => actions.some((a) => actionMatches(a, p.action)));
    let byAction = this.byAction.get(document);
    if (!byAction) {
      byAction = new Map();
      for (const path of all) {
        const action = path.action.toLowerCase();
        byAction.set(action, [...(byAction.get(action) ?? []), path]);
      }
      this.byAction.set(document, byAction);
    }
    const found = actions.flatMap((a) => byAction!.get(a.toLowerCase()) ?? []);
    return actions.length > 1 ? found.sort((a, b) => (a.expected === b.expected ? 0 : a.expected === "Denied" ? -1 : 1)) : found;
  }
  private readonly byAction = new Map<string, Map<string, AccessPath[]>>();

  /** How many access paths try a document. */
  pathsTrying = (document: string): number => this.byDocument.get(document)?.length ?? 0;

  /** The checks on the documents as emitted: all must pass before mutants mean anything. */
  async baseline(): Promise<string[]> {
    const problems: string[] = [];
    for (const document of this.documents) {
      if (JSON.stringify(document.document.Statement) !== JSON.stringify(this.expected.documents[document.id]))
        problems.push(`${document.id} differs from its expectation`);
      if (this.pathsTrying(document.id) === 0) problems.push(`no access path tries ${document.id}`);
    }
    problems.push(...violations(this.packResources.prod), ...violations(this.packResources.poc));
    for (const document of this.documents) problems.push(...(await ruleViolations(document)).map((v) => `${document.id}: ${v}`));
    return problems;
  }

  mutants = async (document: EmittedDocument): Promise<Mutant[]> => mutantsOf(document, this.targets);

  async verdict(mutant: Mutant): Promise<Verdict> {
    const id = mutant.document.id;
    const documents = new Map(this.documents.map((d) => [d.id, d.id === id ? mutant.mutated : d.document]));
    let simulator: string | undefined;
    for (const path of this.pathsFor(id, mutant.actions)) {
      const decision = await decide(path, documents);
      if (decision !== path.expected) {
        simulator = `${path.layer} path of ${path.subject}: ${path.principal} ${path.action} on ${path.resource} now ${decision}`;
        break;
      }
    }
    // The pack is asked only about mutants the evaluator let through (it found nothing on the
    // documents as emitted, so only the mutated resource needs its per-resource policies again).
    let pack: string[] = [];
    if (simulator === undefined) {
      const stack = mutant.document.id.startsWith("prod:") ? "prod" : "poc";
      const field = mutant.document.field;
      const changed = new Set<PolicyResource>();
      const resources = this.packResources[stack].flatMap((r) => {
        if (r.urn !== mutant.document.resource.urn) return [r];
        const replaced =
          field === "permission"
            ? permissionsFor(r, mutant.mutated)
            : [{ ...r, props: { ...r.props, [field]: JSON.stringify(mutant.mutated) } } as PolicyResource];
        for (const resource of replaced) changed.add(resource);
        return replaced;
      });
      pack = violations(resources, undefined, (r) => changed.has(r));
    }
    const rules = simulator === undefined && pack.length === 0 ? await ruleViolations(mutant.document, mutant.mutated.Statement) : [];
    const exact = JSON.stringify(mutant.mutated.Statement) !== JSON.stringify(this.expected.documents[id]);
    const verdict: Verdict = { mutant, simulator, pack, rules, exact };
    if (simulator === undefined && pack.length === 0 && rules.length === 0) verdict.unseen = unseenBecause(mutant, this.pathsFor(id, mutant.actions).length);
    return verdict;
  }
}

/**
 * Why no check can see a mutant the IAM evaluator, the pack and the rules all let through, or
 * undefined when there is no such reason: then a check is missing. The evaluator cannot read
 * kms:EncryptionContext conditions (test/security/simulator.ts); and the access paths ask a
 * resource policy's grantee only about the actions it is granted, so an action added to its
 * statement that acts on the resource is asked by no path; and a resource policy's grant to its own
 * account changes nothing the evaluator can see.
 */
function unseenBecause(mutant: Mutant, pathsAsking: number): string | undefined {
  if (mutant.operator === "drop a condition" && /kms:EncryptionContext:/i.test(mutant.detail))
    return "the IAM evaluator cannot read kms:EncryptionContext conditions";
  if (mutant.operator !== "add an action of the statement's service") return undefined;
  if (pathsAsking === 0) return "no access path asks the document about the added action";
  // Outside key policies, a grant to the resource's own account lets its principals do what their identity policies allow, which they may do anyway.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  const { document } = mutant;
  const statement = document.document.Statement[mutant.statement];
  const ownAccount = `arn:aws:iam::${document.governs.split(":")[4]}:root`;
  if (
    !["identity", "trust", "key"].includes(document.kind) &&
    typeof statement.Principal === "object" &&
    list(statement.Principal.AWS).every((p) => p === ownAccount)
  ) {
    return "a resource policy's grant to its own account adds nothing to what that account's identity policies allow";
  }
  return undefined;
}
