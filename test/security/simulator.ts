import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy, type ValidatedPolicy } from "@cloud-copilot/iam-policy";
import { anonymousPrincipal, runSimulation } from "@cloud-copilot/iam-simulate";
import { createHash } from "node:crypto";
import { type Context, type PolicyDocument, type Statement } from "./documents";

/** A policy every path may name: everything allowed. */
export const ADMIN: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** The policy a KMS key has unless its owner writes another: the account's IAM policies decide. https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html */
export const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
});

/** A resource policy that lets one principal do anything: how an identity policy alone is judged on another account's resource. */
export const grantsEverythingTo = (principal: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "*", Resource: "*" }],
});

export const ANONYMOUS = "anonymous";

/** One request and what the suite expects AWS to decide about it. */
export interface AccessPath {
  /** Which expectation it checks: a role's permissions, a resource policy, a trust policy, or the pipeline's own requests end to end. */
  layer: "identity" | "resource" | "trust" | "pipeline";
  /** The role or document the path belongs to, for the report. */
  subject: string;
  principal: string;
  action: string;
  resource: string;
  resourceAccount: string;
  /** Identity policies: emitted documents by id, or fixed documents. */
  identity: (string | PolicyDocument)[];
  /** The resource policy: an emitted document by id, or a fixed document. */
  resourcePolicy?: string | PolicyDocument;
  context: Context;
  expected: "Allowed" | "Denied";
}

/**
 * Condition keys the evaluator cannot read from a request (it takes `kms:EncryptionContext:<key>`
 * for an unknown key and ignores it). They are removed before a decision, which makes the decision
 * more permissive, never less: an Allowed path stays meaningful, a Denied one is denied without
 * them. The exact-policy assertions hold these conditions instead.
 */
const UNREADABLE_CONDITION_KEY = /^kms:EncryptionContext:/i;

function withoutUnreadableConditions(document: PolicyDocument): PolicyDocument {
  const statements = document.Statement.map((statement): Statement => {
    if (!statement.Condition) return statement;
    const condition = Object.fromEntries(
      Object.entries(statement.Condition)
        .map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).filter(([key]) => !UNREADABLE_CONDITION_KEY.test(key)))] as const)
        .filter(([, keys]) => Object.keys(keys).length > 0),
    );
    const { Condition: _dropped, ...rest } = statement;
    return Object.keys(condition).length > 0 ? { ...rest, Condition: condition } : rest;
  });
  return { ...document, Statement: statements };
}

/** A document as the evaluator takes it (without unreadable conditions, validated once), and as the decision cache keys it. */
interface Prepared {
  readable: PolicyDocument;
  json: string;
  asIdentity?: ValidatedPolicy;
  asResource?: ValidatedPolicy;
}
const prepared = new WeakMap<PolicyDocument, Prepared>();
function prepare(document: PolicyDocument): Prepared {
  let entry = prepared.get(document);
  if (!entry) {
    const readable = withoutUnreadableConditions(document);
    entry = { readable, json: JSON.stringify(readable) };
    prepared.set(document, entry);
  }
  return entry;
}
const asIdentity = (entry: Prepared) => (entry.asIdentity ??= createValidatedPolicy(entry.readable, validateIdentityPolicy));
const asResource = (entry: Prepared) => (entry.asResource ??= createValidatedPolicy(entry.readable, validateResourcePolicy));

const decisions = new Map<string, Promise<"Allowed" | "Denied">>();

/**
 * What AWS would decide for the path, by an independent IAM evaluator (npm `@cloud-copilot/iam-simulate`)
 * fed the documents the path names. Requests arrive over TLS unless the path's context says otherwise.
 * Identical requests are decided once per process.
 */
export function decide(path: AccessPath, documents: ReadonlyMap<string, PolicyDocument>): Promise<"Allowed" | "Denied"> {
  const resolve = (ref: string | PolicyDocument): Prepared => {
    const document = typeof ref === "string" ? documents.get(ref) : ref;
    if (!document) throw new Error(`${path.subject}: no document ${String(ref)}`);
    return prepare(document);
  };
  const identity = path.identity.map(resolve);
  const resourcePolicy = path.resourcePolicy === undefined ? undefined : resolve(path.resourcePolicy);
  const request = {
    principal: path.principal === ANONYMOUS ? anonymousPrincipal : path.principal,
    action: path.action,
    resource: { resource: path.resource, accountId: path.resourceAccount },
    contextVariables: { "aws:SecureTransport": "true", ...path.context },
  };
  const key = createHash("sha1")
    .update(JSON.stringify([identity.map((p) => p.json), resourcePolicy?.json, request]))
    .digest("base64");
  let decision = decisions.get(key);
  if (!decision) {
    const simulation = {
      identityPolicies: identity.map((p, i) => ({ name: `identity-${i}`, policy: asIdentity(p) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy && asResource(resourcePolicy),
      request,
    };
    decision = runSimulation(simulation as never, {}).then((response) => {
      if (response.resultType === "error")
        throw new Error(`${path.subject}: the evaluator refused ${path.action} on ${path.resource}: ${JSON.stringify(response.errors)}`);
      return response.overallResult === "Allowed" ? "Allowed" : "Denied";
    });
    decisions.set(key, decision);
  }
  return decision;
}
