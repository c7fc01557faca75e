import { carries, couldGrant, serviceActions, typeOf, type ActionEntry } from "./catalogue";
import { actionMatches, type EmittedDocument, globMatches, list, type Statement } from "./documents";

/**
 * Rules every emitted policy document keeps, statement by statement: each names only grants that
 * take effect. A grant that takes no effect is harmless today but becomes live when a neighbouring
 * line changes (a resource widened, a condition dropped), and it hides from the IAM evaluator, which
 * sees no access change; these rules see it. https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * (each action's resource types and condition keys, as the IAM catalogue of test/security/catalogue.ts holds them).
 */

/** Every document but a role's permissions and its trust policy is a resource policy. */
const isResourcePolicy = (document: EmittedDocument) => document.kind !== "identity" && document.kind !== "trust";

/**
 * KMS key policies name the key as "*" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html);
 * other resource policies name the resource they are attached to, or what lies under it.
 */
function namesOnlyWhatItGoverns(document: EmittedDocument, statement: Statement): string[] {
  return list(statement.Resource)
    .filter((r) => !(r === document.governs || r.startsWith(`${document.governs}/`) || (r === "*" && document.kind === "key")))
    .map((r) => `names ${r}, which the ${document.kind} policy of ${document.governs} does not govern`);
}

/** The resources a statement's grant can reach: a resource policy's "*" (or a trust policy's missing Resource) is the resource it is attached to and what lies under it. */
function reach(document: EmittedDocument, statement: Statement): string[] {
  const whole = [document.governs, `${document.governs}/*`];
  if (statement.Resource === undefined) return whole;
  return list(statement.Resource).flatMap((r) => (r === "*" && isResourcePolicy(document) ? whole : [r]));
}

/** Whether the action acts on the resource: a concrete ARN by its most specific type (a Kinesis consumer's ARN is no stream's), a pattern by any type it could match. */
async function actsOnAny(action: ActionEntry, resources: string[]): Promise<boolean> {
  for (const resource of resources) {
    if (resource === "*" || /[*?$]/.test(resource)) {
      if (couldGrant(action, resource)) return true;
      continue;
    }
    const type = await typeOf(resource);
    if (type === undefined ? couldGrant(action, resource) : action.resourcePatterns.includes(type)) return true;
  }
  return false;
}

async function catalogued(name: string): Promise<ActionEntry | undefined> {
  const service = name.split(":")[0];
  return (await serviceActions(service).catch(() => [])).find((a) => a.name.toLowerCase() === name.toLowerCase());
}

/** The condition keys a statement requires of every request: those of operators without IfExists. */
const requiredKeys = (statement: Statement): string[] =>
  Object.entries(statement.Condition ?? {})
    .filter(([operator]) => !operator.endsWith("IfExists"))
    .flatMap(([, keys]) => Object.keys(keys));

/** An Allow statement's resource that another Allow statement of the document already grants every one of its actions on, to the same principal under the same conditions. */
function grantedTwice(statements: Statement[], i: number): string[] {
  const statement = statements[i];
  return list(statement.Resource)
    .filter((resource) =>
      statements.some(
        (other, j) =>
          j !== i &&
          other.Effect === "Allow" &&
          JSON.stringify(other.Principal) === JSON.stringify(statement.Principal) &&
          JSON.stringify(other.Condition) === JSON.stringify(statement.Condition) &&
          list(other.Resource).some((r) => globMatches(r, resource)) &&
          list(statement.Action).every((a) => list(other.Action).some((o) => actionMatches(o, a))),
      ),
    )
    .map(
      (resource) =>
        `grants again on ${resource} what statement ${statements.findIndex((o, j) => j !== i && list(o.Resource).some((r) => globMatches(r, resource)))} grants`,
    );
}

/** The rules a document breaks, as "statement <i> (<Sid>): what"; none for a document that keeps them all. */
export async function ruleViolations(document: EmittedDocument, statements: Statement[] = document.document.Statement): Promise<string[]> {
  const found: string[] = [];
  for (const [i, statement] of statements.entries()) {
    const report = (what: string) => found.push(`statement ${i} (${statement.Sid ?? "no Sid"}): ${what}`);
    if (isResourcePolicy(document)) namesOnlyWhatItGoverns(document, statement).forEach(report);
    if (statement.Effect !== "Allow") continue;
    grantedTwice(statements, i).forEach(report);
    const required = requiredKeys(statement);
    for (const name of list(statement.Action)) {
      if (/[*?]/.test(name)) continue;
      const action = await catalogued(name);
      if (!action) {
        report(`names ${name}, which the IAM catalogue does not know`);
        continue;
      }
      if (!(await actsOnAny(action, reach(document, statement)))) report(`grants ${name} on no resource it acts on`);
      for (const key of required.filter((k) => !carries(action, k)))
        report(`holds ${name} to ${key}, which its requests never carry, so the grant never applies`);
    }
  }
  return found;
}
