import { serviceActions } from "./catalogue";
import { actionMatches, type EmittedDocument, globMatches, list, type PolicyDocument, type Statement } from "./documents";
import { SENSITIVE_ACTIONS, THIRD } from "./expectations";
import { siblingsOf, type Target } from "./paths";

/**
 * Deliberate weakenings of an emitted policy document, each of one statement: what a careless
 * change to a component could do to it. Every one must be rejected by the security checks.
 */

export type Operator =
  | "add an action of the statement's service"
  | "add a sensitive action of another service, on *"
  | "widen a resource to *"
  | "widen a resource to its parent"
  | "add a sibling resource"
  | "drop a condition"
  | "add a third account's principal"
  | "add the principal *"
  | "drop a deny"
  | "narrow a deny's resources";

export interface Mutant {
  document: EmittedDocument;
  /** Index of the statement it changes (of the one it adds, for a new statement). */
  statement: number;
  operator: Operator;
  detail: string;
  mutated: PolicyDocument;
  /** Action patterns whose decisions the change can alter: only paths for these need deciding again. */
  actions: string[];
}

const serviceOf = (action: string) => action.split(":")[0];

/** The same resource with everything after its type replaced by `*`: a stream's ARN becomes every stream's. */
export function parentOf(resource: string): string | undefined {
  const s3 = /^(arn:aws[\w-]*:s3:::)([^/]+)(\/.*)?$/.exec(resource);
  if (s3) return s3[3] && s3[3] !== "/*" ? `${s3[1]}${s3[2]}/*` : `${s3[1]}*`;
  const arn = /^(arn:aws[\w-]*:[^:]+:[^:]*:[^:]*:)(.*)$/.exec(resource);
  if (!arn) return undefined;
  const typed = /^([^:/]+[:/])(.*)$/.exec(arn[2]);
  const parent = typed && typed[2] !== "*" ? `${arn[1]}${typed[1]}*` : `${arn[1]}*`;
  return parent === resource ? undefined : parent;
}

/** Every mutant of one document. */
export async function mutantsOf(document: EmittedDocument, targets: Target[]): Promise<Mutant[]> {
  const mutants: Mutant[] = [];
  const original = JSON.stringify(document.document);
  const seen = new Set<string>([original]);
  const add = (statement: number, operator: Operator, detail: string, change: (statements: Statement[]) => void, actions: string[]) => {
    const mutated: PolicyDocument = JSON.parse(original);
    change(mutated.Statement);
    const json = JSON.stringify(mutated);
    if (seen.has(json)) return;
    seen.add(json);
    mutants.push({ document, statement, operator, detail, mutated, actions });
  };
  const statements = document.document.Statement;

  for (const [i, statement] of statements.entries()) {
    const actions = list(statement.Action);
    if (statement.Effect === "Deny") {
      add(i, "drop a deny", "the whole statement", (all) => all.splice(i, 1), actions);
      const resources = list(statement.Resource);
      if (resources.length > 1)
        for (const dropped of resources)
          add(i, "narrow a deny's resources", `without ${dropped}`, (all) => (all[i].Resource = resources.filter((r) => r !== dropped)), actions);
    } else {
      for (const service of new Set(actions.map(serviceOf).filter((s) => s !== "*"))) {
        for (const action of await serviceActions(service)) {
          if (actions.some((a) => actionMatches(a, action.name))) continue;
          add(i, "add an action of the statement's service", action.name, (all) => (all[i].Action = [...actions, action.name]), [action.name]);
        }
      }
      for (const resource of list(statement.Resource)) {
        const replace = (by: string) => (all: Statement[]) => (all[i].Resource = [...new Set(list(statement.Resource).map((r) => (r === resource ? by : r)))]);
        if (resource !== "*") add(i, "widen a resource to *", resource, replace("*"), actions);
        const parent = parentOf(resource);
        if (parent && parent !== "*") add(i, "widen a resource to its parent", `${resource} → ${parent}`, replace(parent), actions);
        const reached = (arn: string) => list(statement.Resource).some((r) => globMatches(r, arn));
        for (const sibling of siblingsOf(targets, resource).filter((t) => !reached(t.arn))) {
          add(i, "add a sibling resource", `${resource} + ${sibling.arn}`, (all) => (all[i].Resource = [...list(statement.Resource), sibling.arn]), actions);
        }
      }
      if (statement.Principal !== undefined && statement.Principal !== "*") {
        const withAws = (value: string) => (all: Statement[]) => {
          const principal = all[i].Principal as Record<string, string | string[]>;
          all[i].Principal = { ...principal, AWS: [...list(principal.AWS), value] };
        };
        add(i, "add a third account's principal", `arn:aws:iam::${THIRD}:root`, withAws(`arn:aws:iam::${THIRD}:root`), actions);
        add(i, "add the principal *", "*", withAws("*"), actions);
      }
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        add(
          i,
          "drop a condition",
          `${operator} ${key}`,
          (all) => {
            const condition = all[i].Condition!;
            delete condition[operator][key];
            if (Object.keys(condition[operator]).length === 0) delete condition[operator];
            if (Object.keys(condition).length === 0) delete all[i].Condition;
          },
          actions,
        );
      }
    }
  }

  if (document.kind === "identity") {
    const present = new Set(statements.flatMap((s) => list(s.Action).map(serviceOf)));
    for (const action of SENSITIVE_ACTIONS.filter((a) => !present.has(serviceOf(a)))) {
      add(statements.length, "add a sensitive action of another service, on *", action, (all) => all.push({ Effect: "Allow", Action: action, Resource: "*" }), [
        action,
      ]);
    }
  }
  return mutants;
}
