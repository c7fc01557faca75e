import { actsOn, resourceTypePatterns, sampleResources, serviceActions, typeOf } from "./catalogue";
import { actionMatches, type Context, emittedDocuments, type EmittedDocument, globMatches } from "./documents";
import {
  ALWAYS_ALLOWED,
  type Expectations,
  type Grant,
  REGION,
  type ResourcePolicyExpectation,
  type RoleExpectation,
  SENSITIVE_ACTIONS,
  THIRD,
} from "./expectations";
import { type Scenario, CUSTOMER_KEYS } from "./scenarios";
import { ADMIN, ANONYMOUS, type AccessPath, defaultKeyPolicy, grantsEverythingTo } from "./simulator";

/**
 * The access paths that check a scenario's expectations. Denied paths are generated, not listed:
 * every action of each service a role uses (from the IAM catalogue), on every resource of the
 * stacks and one of each type the service defines, in this account and a third one, and each
 * condition the grant needs given another value or left out; each resource policy and trust policy
 * is tried by its grantees, by other roles of their account, by a third account and by other
 * services.
 */

/** A resource the paths may name, the account that owns it, and its resource type (the catalogue's ARN pattern). */
export interface Target {
  arn: string;
  account: string;
  type?: string;
}

/** Keys under which the stacks write objects. */
const OBJECT_KEYS = [
  "processed/2026/11/26/10/part-1.csv",
  "failed/processing-failed/2026/11/26/10/part-1",
  "source/2026/11/26/10/part-1",
  "parked/shard-1/0001.json",
];

/** How many other resources of the stacks, of the same type, stand in for "a sibling" of a granted resource. */
const SIBLINGS = 3;

/** Condition keys only an AWS service sets for the resource it acts for: an IAM role's request never carries them. */
const SERVICE_ONLY_KEYS = ["aws:SourceAccount", "aws:SourceArn"];

const serviceOf = (arnOrAction: string): string => (arnOrAction.startsWith("arn:") ? arnOrAction.split(":")[2] : arnOrAction.split(":")[0]);
const accountOf = (arn: string): string | undefined => /^arn:aws:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? /^arn:aws:iam::(\d{12}):/.exec(arn)?.[1];
const isServicePrincipal = (principal: string): boolean => principal.endsWith(".amazonaws.com");
const roleIn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

/** Every resource both stacks create (and what lies under them: objects, log streams, versions, database users), and the customer keys they use. */
export async function stackTargets(s: Scenario): Promise<Target[]> {
  const targets: Omit<Target, "type">[] = [];
  for (const [run, account] of [
    [s.prod, s.prod.outputs.accountId],
    [s.poc, s.poc.outputs.accountId],
  ] as const) {
    for (const resource of run.resources) {
      const arn = resource.state.arn;
      if (typeof arn !== "string" || !arn.startsWith("arn:aws:")) continue;
      targets.push({ arn, account });
      switch (resource.type) {
        case "aws:s3/bucket:Bucket":
          targets.push(...OBJECT_KEYS.map((key) => ({ arn: `${arn}/${key}`, account })));
          break;
        case "aws:cloudwatch/logGroup:LogGroup":
          targets.push({ arn: `${arn}:log-stream:2026/11/26/[$LATEST]0123456789abcdef`, account });
          break;
        case "aws:lambda/function:Function":
          targets.push({ arn: `${arn}:1`, account });
          break;
        case "aws:dynamodb/table:Table":
          if (resource.state.streamArn) targets.push({ arn: resource.state.streamArn, account });
          break;
        case "aws:rds/cluster:Cluster":
          for (const user of ["clickstream_loader", "clickstreamadmin"])
            targets.push({ arn: `arn:aws:rds-db:${REGION}:${account}:dbuser:${resource.state.clusterResourceId}/${user}`, account });
          for (const secret of resource.state.masterUserSecrets ?? []) targets.push({ arn: secret.secretArn, account });
          break;
      }
    }
  }
  targets.push(...Object.values(CUSTOMER_KEYS).map((arn) => ({ arn, account: accountOf(arn)! })));
  return Promise.all(targets.map(async (t) => ({ ...t, type: await typeOf(t.arn) })));
}

/**
 * The resources of the stacks a statement naming `pattern` does not reach but a careless change
 * could: others of the same type, those sharing the longest part of its name first (the archive's
 * failed/ objects for its processed/ ones, a log group for its log streams).
 */
export function siblingsOf(targets: Target[], pattern: string, count = SIBLINGS): Target[] {
  const types = new Set(targets.filter((t) => globMatches(pattern, t.arn)).map((t) => t.type));
  const stem = pattern.split("*")[0];
  const shared = (arn: string) => {
    let i = 0;
    while (i < stem.length && stem[i] === arn[i]) i++;
    return i;
  };
  return targets
    .filter((t) => t.type !== undefined && types.has(t.type) && !globMatches(pattern, t.arn))
    .map((t, order) => ({ t, order, shared: shared(t.arn) }))
    .sort((a, b) => b.shared - a.shared || a.order - b.order)
    .slice(0, count)
    .map(({ t }) => t);
}

/** The same resources in a third account: what a grant that forgot its account would reach. */
const inThirdAccount = (targets: Target[]): Target[] =>
  targets.filter((t) => accountOf(t.arn)).map((t) => ({ arn: t.arn.replace(`:${t.account}:`, `:${THIRD}:`), account: THIRD }));

const matchesAny = (patterns: string[], value: string) => patterns.some((pattern) => globMatches(pattern, value));
const unique = (targets: Target[]): Target[] => [...new Map(targets.map((t) => [`${t.arn} ${t.account}`, t])).values()];
const contextMatches = (needed: Context | undefined, context: Context) =>
  Object.entries(needed ?? {}).every(([key, pattern]) =>
    [pattern].flat().some((p) => [context[key]].flat().some((value) => value !== undefined && globMatches(p, value))),
  );
/** A concrete value for each pattern of a grant's context: what a request that meets it carries. */
const concrete = (context: Context | undefined): Context =>
  Object.fromEntries(Object.entries(context ?? {}).map(([key, value]) => [key, [value].flat()[0].replace(/\*/g, "")]));

/** Whether the grants allow the action on some resource, with this context. */
const grantsAnywhere = (list: Grant[], action: string, context: Context) =>
  ALWAYS_ALLOWED.includes(action) || list.some((g) => g.actions.some((a) => actionMatches(a, action)) && contextMatches(g.context, context));

const grants = (list: Grant[], action: string, resource: string, context: Context) =>
  ALWAYS_ALLOWED.includes(action) ||
  list.some((g) => g.actions.some((a) => actionMatches(a, action)) && matchesAny(g.resources, resource) && contextMatches(g.context, context));

async function catalogued(name: string) {
  const entry = (await serviceActions(serviceOf(name))).find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (!entry) throw new Error(`${name} is not in the IAM catalogue`);
  return entry;
}

/** Another value for a condition key than the one a grant needs. */
function otherValue(key: string, value: string): string {
  if (value.includes(`:${REGION}:`) && /\d{12}/.test(value)) return value.replace(/\d{12}/, THIRD);
  if (/^\d{12}$/.test(value)) return THIRD;
  if (key === "kms:ViaService") return `sqs.${REGION}.amazonaws.com`;
  if (key === "s3:prefix") return "failed/";
  return `${value}-other`;
}

/** The context a request on this resource carries when it is one the grants allow: every condition they set for it. */
function contextFor(list: Grant[], resource: string): Context {
  return Object.assign({}, ...list.filter((g) => matchesAny(g.resources, resource)).map((g) => concrete(g.context)));
}

export class PathBuilder {
  private constructor(
    private readonly documents: EmittedDocument[],
    private readonly targets: Target[],
    private readonly expected: Expectations,
  ) {}

  static async of(scenario: Scenario, expected: Expectations): Promise<PathBuilder> {
    return new PathBuilder([...emittedDocuments(scenario.prod), ...emittedDocuments(scenario.poc)], await stackTargets(scenario), expected);
  }

  /** The resource policy AWS consults for a request on `arn`: the one a stack emits, a key's default policy, or none. */
  private resourcePolicyOf(arn: string, account: string): string | undefined | ReturnType<typeof defaultKeyPolicy> {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(arn)?.[0];
    const governing = this.documents.find((d) => d.kind !== "identity" && (d.governs === arn || (bucket !== undefined && d.governs === bucket)));
    if (governing) return governing.id;
    return serviceOf(arn) === "kms" && arn !== "*" ? defaultKeyPolicy(account) : undefined;
  }

  /**
   * Resources of a service the paths try for a role: those its grants reach, their siblings, the same
   * in a third account, one of each type the service defines, and `*`.
   */
  private async candidates(service: string, account: string, grantList: Grant[]): Promise<Target[]> {
    const types = new Set(await resourceTypePatterns(service));
    const own = this.targets.filter((t) => t.type !== undefined && types.has(t.type));
    const patterns = grantList
      .filter((g) => g.actions.some((a) => serviceOf(a) === service))
      .flatMap((g) => g.resources)
      .filter((p) => p !== "*");
    const near = unique([...own.filter((t) => matchesAny(patterns, t.arn)), ...patterns.flatMap((p) => siblingsOf(own, p))]);
    const accounts = new Set([account, ...near.map((t) => t.account)]);
    const samples = (await Promise.all([...accounts].map(async (a) => (await sampleResources(service, a, REGION)).map((arn) => ({ arn, account: a }))))).flat();
    return unique([...near, ...inThirdAccount(near), ...samples, { arn: "*", account }]);
  }

  /**
   * A role's permissions on their own. Every action of its services, and the sensitive actions of
   * the other services, is asked on any resource at all (`*`: the evaluator answers whether the role
   * may do it anywhere) with each context its grants need; the actions it is granted are asked on
   * every resource its grants reach, their siblings, the same in a third account and one of each
   * type, and with each condition unmet. On another account's resource, that resource's policy is
   * taken to allow everything, so the role's own policies alone decide.
   */
  async identityPaths(role: RoleExpectation): Promise<AccessPath[]> {
    const principalAccount = accountOf(role.principal)!;
    const paths: AccessPath[] = [];
    const anywhere: Target = { arn: "*", account: principalAccount };
    const path = (action: string, target: Target, context: Context): AccessPath => ({
      layer: "identity",
      subject: role.name,
      principal: role.principal,
      action,
      resource: target.arn,
      resourceAccount: target.account,
      identity: role.identity,
      // A KMS key's own policy must let its account's IAM policies decide, as the default key policy does.
      resourcePolicy:
        target.arn === "*"
          ? serviceOf(action) === "kms"
            ? defaultKeyPolicy(principalAccount)
            : undefined
          : target.account === principalAccount
            ? this.resourcePolicyOf(target.arn, target.account)
            : grantsEverythingTo(role.principal),
      context,
      expected: (target.arn === "*" ? grantsAnywhere(role.grants, action, context) : grants(role.grants, action, target.arn, context)) ? "Allowed" : "Denied",
    });
    const services = new Set(role.grants.flatMap((g) => g.actions.map(serviceOf)));
    for (const service of services) {
      const own = role.grants.filter((g) => g.actions.some((a) => serviceOf(a) === service));
      const contexts = [{}, ...own.filter((g) => g.context).map((g) => concrete(g.context))];
      const targets = await this.candidates(service, principalAccount, role.grants);
      for (const action of await serviceActions(service)) {
        for (const context of contexts) paths.push(path(action.name, anywhere, context));
        if (!own.some((g) => g.actions.some((a) => actionMatches(a, action.name)))) continue;
        for (const target of targets.filter((t) => t.arn !== "*" && actsOn(action, t.arn)))
          for (const context of contexts) paths.push(path(action.name, target, context));
      }
    }
    for (const action of SENSITIVE_ACTIONS.filter((a) => !services.has(serviceOf(a)))) paths.push(path(action, anywhere, {}));
    for (const grant of role.grants.filter((g) => g.context)) {
      const target = (await this.candidates(serviceOf(grant.actions[0]), principalAccount, [grant])).find((t) => matchesAny(grant.resources, t.arn))!;
      for (const [key, value] of Object.entries(concrete(grant.context))) {
        const { [key]: _left, ...without } = contextFor(role.grants, target.arn);
        paths.push(path(grant.actions[0], target, { ...without, [key]: otherValue(key, String(value)) }), path(grant.actions[0], target, without));
      }
    }
    return paths;
  }

  /** A resource policy on its own: tried by principals whose own account allows them everything. */
  async resourcePaths(policy: ResourcePolicyExpectation): Promise<AccessPath[]> {
    const document = this.documents.find((d) => d.id === policy.document);
    if (!document) throw new Error(`no emitted document ${policy.document}`);
    const owner =
      document.kind === "function" || document.kind === "bucket" ? this.targets.find((t) => t.arn === document.governs)!.account : accountOf(document.governs)!;
    const service = serviceOf(document.governs);
    const governed = this.targets.filter((t) => t.arn === document.governs || t.arn.startsWith(`${document.governs}/`));
    const actions = await serviceActions(service);
    const paths: AccessPath[] = [];
    const path = (principal: string, action: string, target: Target, context: Context, expected: boolean): AccessPath => ({
      layer: "resource",
      subject: policy.document,
      principal,
      action,
      resource: target.arn,
      resourceAccount: target.account,
      identity: principal === ANONYMOUS || isServicePrincipal(principal) ? [] : [ADMIN],
      resourcePolicy: policy.document,
      context,
      expected: expected ? "Allowed" : "Denied",
    });
    const granted = (principal: string, action: string, resource: string, context: Context) =>
      policy.grants.some(
        (g) =>
          (g.principal === principal || (g.principal.endsWith(":root") && accountOf(g.principal) === accountOf(principal))) &&
          grants([g], action, resource, context),
      );
    const tryAll = (principal: string, context: (target: Target) => Context) => {
      for (const action of actions)
        for (const target of governed.filter((t) => actsOn(action, t.arn))) {
          const c = context(target);
          paths.push(path(principal, action.name, target, c, granted(principal, action.name, target.arn, c)));
        }
    };
    // An account's root stands for every role of that account its own policies allow.
    const grantees = new Map<string, Grant[]>();
    for (const grant of policy.grants) {
      const principal = grant.principal.endsWith(":root") ? roleIn(accountOf(grant.principal)!, "administrator") : grant.principal;
      grantees.set(principal, [...(grantees.get(principal) ?? []), grant]);
    }
    for (const [grantee, own] of grantees) {
      tryAll(grantee, (target) => contextFor(own, target.arn));
      for (const grant of own.filter((g) => g.context)) {
        const target = governed.find((t) => matchesAny(grant.resources, t.arn))!;
        for (const [key, value] of Object.entries(concrete(grant.context))) {
          const { [key]: _left, ...without } = contextFor(own, target.arn);
          paths.push(
            path(grantee, grant.actions[0], target, { ...without, [key]: otherValue(key, String(value)) }, false),
            path(grantee, grant.actions[0], target, without, false),
          );
        }
      }
      const realistic = (target: Target) => Object.fromEntries(Object.entries(contextFor(own, target.arn)).filter(([key]) => !SERVICE_ONLY_KEYS.includes(key)));
      if (isServicePrincipal(grantee)) tryAll("ec2.amazonaws.com", (target) => contextFor(own, target.arn));
      else if (accountOf(grantee) !== owner) tryAll(roleIn(accountOf(grantee)!, "another-role"), realistic);
    }
    tryAll(roleIn(THIRD, "administrator"), () => ({}));
    if (document.kind === "key" && !grantees.has(roleIn(owner, "administrator"))) tryAll(roleIn(owner, "administrator"), () => ({}));
    if (document.kind === "bucket") tryAll(ANONYMOUS, () => ({}));
    for (const refusal of policy.refusals ?? []) {
      for (const action of actions.filter((a) => refusal.actions.some((r) => actionMatches(r, a.name)))) {
        for (const target of governed.filter((t) => actsOn(action, t.arn)))
          paths.push(path(roleIn(owner, "administrator"), action.name, target, refusal.context, false));
      }
    }
    return paths;
  }

  /** Who may assume a role: its one trusted principal with the context it brings, and nobody else, for nothing else. */
  async trustPaths(role: RoleExpectation): Promise<AccessPath[]> {
    if (!role.trust) return [];
    const { document, principal: trusted, context } = role.trust;
    const account = accountOf(role.principal)!;
    const target: Target = { arn: role.principal, account };
    const actions = (await serviceActions("sts")).filter((a) => actsOn(a, role.principal));
    const path = (principal: string, action: string, c: Context, expected: boolean): AccessPath => ({
      layer: "trust",
      subject: `${role.name} (trust)`,
      principal,
      action,
      resource: target.arn,
      resourceAccount: account,
      identity: isServicePrincipal(principal) ? [] : [ADMIN],
      resourcePolicy: document,
      context: c,
      expected: expected ? "Allowed" : "Denied",
    });
    const realistic = Object.fromEntries(Object.entries(context).filter(([key]) => !SERVICE_ONLY_KEYS.includes(key)));
    const paths: AccessPath[] = [];
    for (const action of actions) {
      paths.push(path(trusted, action.name, context, action.name === "sts:AssumeRole"));
      paths.push(path(roleIn(THIRD, "administrator"), action.name, realistic, false), path(roleIn(account, "administrator"), action.name, realistic, false));
      paths.push(
        isServicePrincipal(trusted)
          ? path("ec2.amazonaws.com", action.name, context, false)
          : path(roleIn(accountOf(trusted)!, "another-role"), action.name, context, false),
      );
    }
    for (const [key, value] of Object.entries(context)) {
      const { [key]: _left, ...without } = context;
      paths.push(
        path(trusted, "sts:AssumeRole", { ...without, [key]: otherValue(key, String(value)) }, false),
        path(trusted, "sts:AssumeRole", without, false),
      );
    }
    return paths;
  }

  /** The requests the pipeline makes, end to end: the role's own policies and the real resource policies (and trust) together. */
  async pipelinePaths(role: RoleExpectation): Promise<AccessPath[]> {
    const paths: AccessPath[] = [];
    for (const grant of role.grants) {
      for (const action of grant.actions) {
        const entry = await catalogued(action);
        const target = (await this.candidates(serviceOf(action), accountOf(role.principal)!, [grant])).find(
          (t) => matchesAny(grant.resources, t.arn) && actsOn(entry, t.arn),
        );
        if (!target) throw new Error(`${role.name}: no resource of the stacks for ${action} on ${grant.resources.join(", ")}`);
        const assumed = this.expected.roles.find((r) => r.principal === target.arn)?.trust?.context ?? {};
        paths.push({
          layer: "pipeline",
          subject: role.name,
          principal: role.principal,
          action: entry.name,
          resource: target.arn,
          resourceAccount: target.account,
          identity: role.identity,
          resourcePolicy: this.resourcePolicyOf(target.arn, target.account),
          context: { ...concrete(grant.context), ...assumed },
          expected: "Allowed",
        });
      }
    }
    return paths;
  }

  /** Every path of the scenario. */
  async all(): Promise<AccessPath[]> {
    const paths: AccessPath[] = [];
    for (const role of this.expected.roles)
      paths.push(...(await this.pipelinePaths(role)), ...(await this.identityPaths(role)), ...(await this.trustPaths(role)));
    for (const policy of this.expected.resourcePolicies) paths.push(...(await this.resourcePaths(policy)));
    return paths;
  }
}
