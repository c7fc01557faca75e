import { type RecordedResource } from "../harness/mock-cloud";
import { type StackRun } from "./scenarios";

export type Context = Record<string, string | string[]>;

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: "*" | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

/** identity: a role's permissions; trust: who may assume a role; the rest are resource policies. */
export type DocumentKind = "identity" | "trust" | "key" | "bucket" | "stream" | "table" | "function" | "topic" | "queue";

/** One policy document a stack emits, and what it governs. */
export interface EmittedDocument {
  /** `<stack>:<logical name>`, and `:trust` for a role's trust policy. */
  id: string;
  kind: DocumentKind;
  resource: RecordedResource;
  /** The resource input holding the document; a Lambda permission's inputs are one statement of its function's policy. */
  field: "policy" | "assumeRolePolicy" | "permission";
  document: PolicyDocument;
  /** The role it is attached to (identity), the role it trusts principals into (trust), or the resource it governs. */
  governs: string;
}

const KINDS: Record<string, DocumentKind> = {
  "aws:iam/rolePolicy:RolePolicy": "identity",
  "aws:iam/policy:Policy": "identity",
  "aws:iam/role:Role": "trust",
  "aws:kms/keyPolicy:KeyPolicy": "key",
  "aws:kms/key:Key": "key",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket",
  "aws:kinesis/resourcePolicy:ResourcePolicy": "stream",
  "aws:dynamodb/resourcePolicy:ResourcePolicy": "table",
  "aws:sns/topicPolicy:TopicPolicy": "topic",
  "aws:sqs/queuePolicy:QueuePolicy": "queue",
};

/** Resource types whose inputs hold a policy document this suite does not know how to check yet: the suite fails on them. */
const UNCHECKED = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"];

function governed(run: StackRun, resource: RecordedResource): string {
  const find = (type: string, test: (r: RecordedResource) => boolean): string => {
    const found = run.resources.find((r) => r.type === type && test(r));
    if (!found) throw new Error(`${resource.name}: no ${type} it applies to`);
    return found.state.arn;
  };
  switch (resource.type) {
    case "aws:iam/rolePolicy:RolePolicy":
      return find("aws:iam/role:Role", (r) => r.state.name === resource.inputs.role);
    case "aws:iam/policy:Policy":
    case "aws:iam/role:Role":
    case "aws:kms/key:Key":
      return resource.state.arn;
    case "aws:kms/keyPolicy:KeyPolicy":
      return find("aws:kms/key:Key", (r) => r.id === resource.inputs.keyId);
    case "aws:s3/bucketPolicy:BucketPolicy":
      return find("aws:s3/bucket:Bucket", (r) => r.id === resource.inputs.bucket);
    case "aws:lambda/permission:Permission":
      return find("aws:lambda/function:Function", (r) => r.state.name === resource.inputs.function);
    case "aws:sns/topicPolicy:TopicPolicy":
      return find("aws:sns/topic:Topic", (r) => r.state.arn === resource.inputs.arn);
    case "aws:sqs/queuePolicy:QueuePolicy":
      return find("aws:sqs/queue:Queue", (r) => r.state.url === resource.inputs.queueUrl);
    default:
      return resource.inputs.resourceArn;
  }
}

/**
 * A Lambda permission as the statement Lambda adds to its function's policy: the principal may call
 * the action on the function, held to the source ARN and account when given.
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
 */
function permissionDocument(permission: RecordedResource, functionArn: string): PolicyDocument {
  const { principal, action, sourceArn, sourceAccount } = permission.inputs;
  const condition: NonNullable<Statement["Condition"]> = {
    ...(sourceAccount && { StringEquals: { "aws:SourceAccount": sourceAccount } }),
    ...(sourceArn && { ArnLike: { "aws:SourceArn": sourceArn } }),
  };
  const statement: Statement = {
    Effect: "Allow",
    Principal: /^\d{12}$|^arn:/.test(principal) ? { AWS: principal } : principal === "*" ? "*" : { Service: principal },
    Action: action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 && { Condition: condition }),
  };
  return { Version: "2012-10-17", Statement: [statement] };
}

/** Every policy document a stack run registered, in registration order. */
export function emittedDocuments(run: StackRun): EmittedDocument[] {
  const documents: EmittedDocument[] = [];
  for (const resource of run.resources) {
    if (UNCHECKED.includes(resource.type))
      throw new Error(`${run.stack} emits ${resource.type} ${resource.name}, a policy the security suite does not check yet`);
    if (resource.type === "aws:lambda/permission:Permission") {
      const governs = governed(run, resource);
      documents.push({
        id: `${run.stack}:${resource.name}`,
        kind: "function",
        resource,
        field: "permission",
        document: permissionDocument(resource, governs),
        governs,
      });
      continue;
    }
    const kind = KINDS[resource.type];
    const field = kind === "trust" ? "assumeRolePolicy" : "policy";
    if (!kind || typeof resource.inputs[field] !== "string") continue;
    documents.push({
      id: `${run.stack}:${resource.name}${kind === "trust" ? ":trust" : ""}`,
      kind,
      resource,
      field,
      document: JSON.parse(resource.inputs[field]),
      governs: governed(run, resource),
    });
  }
  return documents;
}

export const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcard matching of a policy pattern against a value: `*` any run of characters, `?` one, case-sensitive. */
export function globMatches(pattern: string, value: string): boolean {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    compiled = new RegExp(`^${source}$`);
    compiledPatterns.set(pattern, compiled);
  }
  return compiled.test(value);
}
const compiledPatterns = new Map<string, RegExp>();

/** Actions match case-insensitively. */
export const actionMatches = (pattern: string, action: string): boolean => globMatches(pattern.toLowerCase(), action.toLowerCase());
