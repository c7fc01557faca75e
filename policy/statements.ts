/** Reading the policy documents resources carry, for the pack's rules. */

export type Statement = {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

/** Statements of a policy document, whether it arrives as JSON text or as an object; none while it is unknown (at preview). */
export function statementsOf(document: unknown): Statement[] {
  if (!document) return [];
  const parsed = typeof document === "string" ? JSON.parse(document) : document;
  const list = (parsed as { Statement?: Statement | Statement[] }).Statement ?? [];
  return Array.isArray(list) ? list : [list];
}

export const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([value].flat() as T[]));

/** IAM's wildcard match of a policy pattern (`*`) against a value. */
export const matches = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);

/** Whether an Allow among the statements grants the action on the resource (conditions aside). */
export const allows = (statements: Statement[], action: string, resource: string): boolean =>
  statements.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => matches(a, action)) && list(s.Resource).some((r) => matches(r, resource)));

/** Whether a principal is everyone: `"*"` or `{"AWS": "*"}`. */
export const isEveryone = (principal: unknown): boolean =>
  principal === "*" || (typeof principal === "object" && principal !== null && list((principal as Record<string, unknown>).AWS).includes("*"));

/** Resource types whose input holds a resource policy (or a role's trust policy), and that input. */
export const RESOURCE_POLICY_FIELDS: Record<string, string> = {
  "aws:s3/bucketPolicy:BucketPolicy": "policy",
  "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
  "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
  "aws:kms/keyPolicy:KeyPolicy": "policy",
  "aws:kms/key:Key": "policy",
  "aws:sqs/queuePolicy:QueuePolicy": "policy",
  "aws:sns/topicPolicy:TopicPolicy": "policy",
  "aws:iam/role:Role": "assumeRolePolicy",
};

/** Resource types whose input holds a role's or user's own permissions. */
export const IDENTITY_POLICY_FIELDS: Record<string, string> = {
  "aws:iam/rolePolicy:RolePolicy": "policy",
  "aws:iam/policy:Policy": "policy",
};
