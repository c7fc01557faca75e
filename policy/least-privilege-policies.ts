import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { IDENTITY_POLICY_FIELDS, isEveryone, list, matches, RESOURCE_POLICY_FIELDS, type Statement, statementsOf } from "./statements";

// Least privilege where only the pack can guard it: what the IAM evaluator in the tests cannot see
// (bucket ownership, which services' trusts name their source) and what no single role's paths
// would notice (a `*` grant, a principal of a third account). Values still unknown at preview are
// skipped; `pulumi up` checks them again once known.

const BUCKET = "aws:s3/bucket:Bucket";
const bucketId = (bucket: PolicyResource): string => String(bucket.props.bucket ?? bucket.props.id ?? bucket.name);

/**
 * Every bucket disables ACLs (Object Ownership BucketOwnerEnforced), so only policies grant access
 * to its objects and every object belongs to the bucket's account.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
export const bucketOwnershipEnforced: StackValidationPolicy = {
  name: "bucket-ownership-enforced",
  description: "Every S3 bucket has Object Ownership BucketOwnerEnforced (ACLs disabled), and no ACL is set on a bucket.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const controls = args.resources.filter((r) => r.type === "aws:s3/bucketOwnershipControls:BucketOwnershipControls");
    for (const bucket of args.resources.filter((r) => r.type === BUCKET)) {
      const own = controls.filter((c) => String(c.props.bucket) === bucketId(bucket));
      const ownership = own.map((c) => c.props.rule?.objectOwnership);
      if (own.length === 0)
        reportViolation(`bucket ${bucket.name} has no ownership controls: set objectOwnership BucketOwnerEnforced, which disables ACLs`, bucket.urn);
      else if (ownership.some((o) => o !== undefined && o !== "BucketOwnerEnforced"))
        reportViolation(`bucket ${bucket.name} lets ACLs grant access (objectOwnership ${ownership.join(", ")}): set BucketOwnerEnforced`, bucket.urn);
    }
    for (const acl of args.resources.filter((r) => /^aws:s3\/bucketAcl(V2)?:/.test(r.type)))
      reportViolation(`${acl.name} sets an ACL on a bucket: grant access in the bucket policy instead`, acl.urn);
  },
};

/** A Deny of every S3 action to everyone, on the bucket and its objects, when a request is not over TLS. */
function refusesPlainHttp(statement: Statement, bucket: string): boolean {
  const resources = list(statement.Resource);
  const covers = (resource: string) => resources.some((r) => matches(r, resource));
  const insecure = statement.Condition?.Bool?.["aws:SecureTransport"];
  return (
    statement.Effect === "Deny" &&
    isEveryone(statement.Principal) &&
    list(statement.Action).some((a) => a === "s3:*" || a === "*") &&
    covers(`arn:aws:s3:::${bucket}`) &&
    covers(`arn:aws:s3:::${bucket}/any-key`) &&
    (insecure === "false" || insecure === false)
  );
}

/**
 * Every bucket's policy refuses requests that do not arrive over TLS (AWS Config's
 * s3-bucket-ssl-requests-only): a Deny of `s3:*` to `*` on the bucket and its objects when
 * `aws:SecureTransport` is false. https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
export const tlsOnlyBuckets: StackValidationPolicy = {
  name: "tls-only-bucket-policies",
  description: "Every S3 bucket's policy denies every request made without TLS, on the bucket and its objects.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const policies = args.resources.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
    for (const bucket of args.resources.filter((r) => r.type === BUCKET)) {
      const id = bucketId(bucket);
      const own = policies.filter((p) => String(p.props.bucket) === id);
      if (own.length === 0) reportViolation(`bucket ${bucket.name} has no policy refusing requests without TLS`, bucket.urn);
      else if (own.every((p) => p.props.policy !== undefined && !statementsOf(p.props.policy).some((s) => refusesPlainHttp(s, id)))) {
        reportViolation(
          `bucket ${bucket.name}'s policy does not deny s3:* to everyone on the bucket and its objects when aws:SecureTransport is false`,
          bucket.urn,
        );
      }
    }
  },
};

/**
 * Condition keys that hold an AWS service to the account or resource it acts for, so another
 * account's resource cannot use the service to reach ours (the confused deputy); Firehose names
 * the account as the external ID it passes.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 * https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#firehose-assume-role
 */
const SOURCE_KEYS = [
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "sts:externalid",
  // CloudWatch Logs calls KMS with the log group's ARN as the encryption context: a key policy holds it to this account's groups by that.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  "kms:encryptioncontext:aws:logs:arn",
];

const services = (principal: unknown): string[] =>
  typeof principal === "object" && principal !== null ? list((principal as Record<string, unknown>).Service as string | string[]) : [];
const heldToSource = (statement: Statement): boolean =>
  Object.values(statement.Condition ?? {}).some((keys) =>
    Object.entries(keys).some(([key, value]) => SOURCE_KEYS.includes(key.toLowerCase()) && list(value as string | string[]).every((v) => v !== "*")),
  );

export const servicePrincipalsHeldToSource: ResourceValidationPolicy = {
  name: "service-principals-name-their-source",
  description:
    "Every trust or resource policy statement that lets an AWS service in, and every Lambda permission for a service, holds it to this account or resource (aws:SourceAccount, aws:SourceArn, or Firehose's sts:ExternalId).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type === "aws:lambda/permission:Permission") {
      // S3 bucket ARNs name no account: a deleted bucket's name can be taken by another account, so S3 needs the source account too.
      // https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html
      const principal = args.props.principal;
      if (typeof principal !== "string" || !principal.endsWith(".amazonaws.com")) return;
      if (!args.props.sourceArn) reportViolation(`the permission lets ${principal} invoke the function for any resource: set sourceArn`);
      if (principal === "s3.amazonaws.com" && !args.props.sourceAccount)
        reportViolation("the permission lets S3 invoke the function for a bucket of any account: set sourceAccount");
      return;
    }
    const field = RESOURCE_POLICY_FIELDS[args.type];
    if (!field) return;
    for (const statement of statementsOf(args.props[field])) {
      const named = services(statement.Principal);
      if (statement.Effect === "Allow" && named.length > 0 && !heldToSource(statement)) {
        reportViolation(`${args.type} ${args.name} lets ${named.join(", ")} in for any account: add a condition on aws:SourceAccount or aws:SourceArn`);
      }
    }
  },
};

/**
 * Actions a role may be granted on every resource (`"*"`): those that act on no resource, and those
 * Lambda needs, on `*`, to attach a function to a VPC (as AWS's managed policy
 * AWSLambdaVPCAccessExecutionRole grants them).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html (ListStreams: no resource type)
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
 */
export const ANY_RESOURCE_ACTIONS = [
  "dynamodb:ListStreams",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

const everyAction = (action: string) => action === "*" || action.endsWith(":*");
const onlyAccountRoots = (principal: unknown) => {
  const aws = typeof principal === "object" && principal !== null ? list((principal as Record<string, unknown>).AWS as string | string[]) : [];
  return aws.length > 0 && services(principal).length === 0 && aws.every((p) => /^arn:aws[\w-]*:iam::\d{12}:root$/.test(p));
};

export const noWildcardGrants: ResourceValidationPolicy = {
  name: "no-wildcard-grants",
  description:
    "No role is granted every action of a service, or any action on every resource but those that act on none and Lambda's VPC interfaces; a resource policy grants every action only to its account's root, as a key policy's administrators.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const identityField = IDENTITY_POLICY_FIELDS[args.type];
    if (identityField) {
      for (const statement of statementsOf(args.props[identityField]).filter((s) => s.Effect === "Allow")) {
        const actions = list(statement.Action);
        const wildcards = actions.filter(everyAction);
        if (wildcards.length > 0) reportViolation(`${args.name} grants every action (${wildcards.join(", ")}): name the actions`);
        const anywhere = list(statement.Resource).includes("*") ? actions.filter((a) => !everyAction(a) && !ANY_RESOURCE_ACTIONS.includes(a)) : [];
        if (anywhere.length > 0) reportViolation(`${args.name} grants ${anywhere.join(", ")} on every resource ("*"): name the resources`);
      }
      return;
    }
    const field = RESOURCE_POLICY_FIELDS[args.type];
    if (!field) return;
    const keyPolicy = args.type.startsWith("aws:kms/");
    for (const statement of statementsOf(args.props[field]).filter((s) => s.Effect === "Allow")) {
      const wildcards = list(statement.Action).filter(everyAction);
      if (wildcards.length > 0 && !(keyPolicy && onlyAccountRoots(statement.Principal))) {
        reportViolation(`${args.type} ${args.name} grants every action (${wildcards.join(", ")}) to a principal other than its account's root`);
      }
    }
  },
};

/** Accounts an AWS principal of a policy statement belongs to; `*` for everyone. */
function principalAccounts(principal: unknown): string[] {
  if (isEveryone(principal)) return ["*"];
  if (typeof principal !== "object" || principal === null) return [];
  return list((principal as Record<string, unknown>).AWS as string | string[]).map(
    (p) => /^\d{12}$/.exec(p)?.[0] ?? /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(p)?.[1] ?? p,
  );
}

/**
 * Who the stack's resource and trust policies let in, by account, from their Allow statements and
 * Lambda permissions (services aside).
 */
function grantees(resources: PolicyResource[]): { resource: PolicyResource; account: string }[] {
  const found: { resource: PolicyResource; account: string }[] = [];
  for (const resource of resources) {
    if (resource.type === "aws:lambda/permission:Permission") {
      const principal = resource.props.principal;
      if (typeof principal === "string" && !principal.endsWith(".amazonaws.com"))
        found.push({ resource, account: principal === "*" ? "*" : (/(\d{12})/.exec(principal)?.[1] ?? principal) });
      continue;
    }
    const field = RESOURCE_POLICY_FIELDS[resource.type];
    if (!field) continue;
    for (const statement of statementsOf(resource.props[field]).filter((s) => s.Effect === "Allow")) {
      for (const account of principalAccounts(statement.Principal)) found.push({ resource, account });
    }
  }
  return found;
}

export const principalsInDeploymentAccounts: StackValidationPolicy = {
  name: "principals-in-deployment-accounts",
  description:
    "Resource and trust policies let in no one outside the deployment's accounts: never everyone (*), only principals of the accounts in this policy's config (the stack's own and its peer's), or, without that config, of at most two accounts in all.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      accounts: {
        type: "array",
        items: { type: "string", pattern: "^\\d{12}$" },
        description: "The deployment's accounts: sourceAccountId and consumerAccountId.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { accounts = [] } = args.getConfig<{ accounts?: string[] }>();
    const found = grantees(args.resources);
    for (const { resource, account } of found) {
      if (account === "*") reportViolation(`${resource.type} ${resource.name} lets everyone (*) in: name the roles of the deployment's accounts`, resource.urn);
      else if (accounts.length > 0 && !accounts.includes(account))
        reportViolation(
          `${resource.type} ${resource.name} lets in account ${account}, which is not one of the deployment's (${accounts.join(", ")})`,
          resource.urn,
        );
    }
    const all = [...new Set(found.map((f) => f.account).filter((a) => a !== "*"))];
    if (accounts.length === 0 && all.length > 2)
      reportViolation(`the stack's policies let in principals of ${all.length} accounts (${all.join(", ")}); a deployment has two, this one and its peer`);
  },
};

export const leastPrivilegePolicies = [
  bucketOwnershipEnforced,
  tlsOnlyBuckets,
  servicePrincipalsHeldToSource,
  noWildcardGrants,
  principalsInDeploymentAccounts,
];
