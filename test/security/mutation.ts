import type { PolicyResource } from "@pulumi/policy";
import { asPolicyResource, violations } from "../support/policy-pack";
import { carries, couldGrant, serviceActions } from "./catalogue";
import { actionMatches, emittedDocuments, type EmittedDocument, globMatches, list, type PolicyDocument } from "./documents";
import { expectations, type Expectations } from "./expectations";
import { type Mutant, mutantsOf } from "./mutants";
import { PathBuilder, stackTargets } from "./paths";
import { type Scenario } from "./scenarios";
import { type AccessPath, decide, undecidable } from "./simulator";

/** Which security checks reject a mutant, and why the others may let it through. */
export interface Verdict {
  mutant: Mutant;
  /** The first access path the IAM evaluator now decides otherwise. */
  simulator?: string;
  /** What the policy pack reports, when the evaluator's paths noticed nothing. */
  pack: string[];
  /** The document no longer equals the one written out in the expectations. */
  exact: boolean;
  /** For a mutant only the exact assertions reject: why it changes no access the other checks can see. */
  unseen?: string;
}

export const killed = (v: Verdict) => v.simulator !== undefined || v.pack.length > 0 || v.exact;

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
      list(statement.Action).map((action, a) => ({
        ...permission,
        urn: `${permission.urn}-${s}-${i}-${a}`,
        props: { ...permission.props, principal: p, action, sourceArn: condition["aws:SourceArn"], sourceAccount: condition["aws:SourceAccount"] },
      }) as PolicyResource),
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
    return new MutationRun(scenario, [...emittedDocuments(scenario.prod), ...emittedDocuments(scenario.poc)], expected, byDocument, packResources, await stackTargets(scenario));
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
      if (JSON.stringify(document.document.Statement) !== JSON.stringify(this.expected.documents[document.id])) problems.push(`${document.id} differs from its expectation`);
      if (this.pathsTrying(document.id) === 0) problems.push(`no access path tries ${document.id}`);
    }
    problems.push(...violations(this.packResources.prod), ...violations(this.packResources.poc));
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
        const replaced = field === "permission" ? permissionsFor(r, mutant.mutated) : [{ ...r, props: { ...r.props, [field]: JSON.stringify(mutant.mutated) } } as PolicyResource];
        for (const resource of replaced) changed.add(resource);
        return replaced;
      });
      pack = violations(resources, undefined, (r) => changed.has(r));
    }
    const exact = JSON.stringify(mutant.mutated.Statement) !== JSON.stringify(this.expected.documents[id]);
    const verdict: Verdict = { mutant, simulator, pack, exact };
    if (simulator === undefined && pack.length === 0) verdict.unseen = await unseenBecause(mutant);
    return verdict;
  }
}

/**
 * Why a mutant the IAM evaluator and the pack both let through changes no access they can see, or
 * undefined when there is no such reason: then a check is missing.
 */
async function unseenBecause(mutant: Mutant): Promise<string | undefined> {
  const { document } = mutant;
  const statement = document.document.Statement[mutant.statement];
  const resourcePolicy = document.kind !== "identity" && document.kind !== "trust";
  if (mutant.operator === "add an action of the statement's service") {
    const action = (await serviceActions(mutant.detail.split(":")[0])).find((a) => a.name === mutant.detail)!;
    // A resource policy's "*" (or a missing Resource) can only mean the resource it is attached to and what lies under it.
    const whole = [document.governs, `${document.governs}/*`];
    const resources = statement.Resource === undefined ? whole : list(statement.Resource).flatMap((r) => (r === "*" && resourcePolicy ? whole : [r]));
    const reachable = resources.filter((r) => couldGrant(action, r));
    if (reachable.length === 0) return "the added action acts on no resource the statement names";
    const required = Object.entries(statement.Condition ?? {}).filter(([operator]) => !operator.endsWith("IfExists")).flatMap(([, keys]) => Object.keys(keys));
    const absent = required.filter((key) => !carries(action, key));
    if (absent.length > 0) return "the statement's condition never holds for the added action, whose requests do not carry its key";
    const refusals = await Promise.all(reachable.map((r) => undecidable(action.name, r)));
    if (refusals.every((r) => r !== undefined)) return `the IAM evaluator cannot decide the added action on the statement's resource (${refusals[0]})`;
    // Outside key policies, a grant to the resource's own account lets its principals do what their identity policies allow, which they may do anyway.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    const ownAccount = `arn:aws:iam::${document.governs.split(":")[4]}:root`;
    if (resourcePolicy && document.kind !== "key" && typeof statement.Principal === "object" && list(statement.Principal.AWS).every((p) => p === ownAccount)) {
      return "a resource policy's grant to its own account adds nothing to what that account's identity policies allow";
    }
  }
  if (mutant.operator === "add a sibling resource" && grantedElsewhere(mutant)) return "another statement of the document already grants the same actions on that resource under the same conditions";
  if (mutant.operator === "drop a condition" && /kms:EncryptionContext:/i.test(mutant.detail)) return "the IAM evaluator cannot read kms:EncryptionContext conditions";
  if (resourcePolicy && ["widen a resource to *", "widen a resource to its parent", "add a sibling resource"].includes(mutant.operator)) return "a resource policy reaches only the resource it is attached to";
  return undefined;
}

/** A sibling added to a statement that another statement of the same document already grants it: an equivalent mutant. */
function grantedElsewhere(mutant: Mutant): boolean {
  const statements = mutant.document.document.Statement;
  const statement = statements[mutant.statement];
  const sibling = mutant.detail.split(" + ")[1];
  return statements.some(
    (other, j) =>
      j !== mutant.statement &&
      other.Effect === "Allow" &&
      JSON.stringify(other.Principal) === JSON.stringify(statement.Principal) &&
      JSON.stringify(other.Condition) === JSON.stringify(statement.Condition) &&
      list(other.Resource).some((r) => globMatches(r, sibling)) &&
      list(statement.Action).every((a) => list(other.Action).some((o) => actionMatches(o, a))),
  );
}
