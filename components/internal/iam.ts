import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement, as JSON policy documents spell it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: "*" | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export type Statements = pulumi.Input<pulumi.Input<PolicyStatement>[]>;

/** Serializes statements (which may hold outputs such as ARNs) into a policy document. */
export function policyDocument(statements: Statements): pulumi.Output<string> {
  return pulumi.output(statements).apply((resolved) => JSON.stringify({ Version: "2012-10-17", Statement: resolved }));
}

/**
 * Trust policy for a role a service assumes on the account's behalf; `aws:SourceAccount` keeps
 * another account's resources from using the service to act as this role (confused deputy).
 * Firehose names the account differently, as the external ID it passes: `accountKey` says which
 * key to check.
 */
export function serviceTrustPolicy(service: string, accountKey: "aws:SourceAccount" | "sts:ExternalId" = "aws:SourceAccount"): pulumi.Output<string> {
  return policyDocument(
    aws.getCallerIdentityOutput().accountId.apply((account) => [
      {
        Effect: "Allow" as const,
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { [accountKey]: account } },
      },
    ]),
  );
}

/** Denies every request to a bucket or queue that does not arrive over TLS. */
export function denyInsecureTransport(action: string, resources: pulumi.Input<string>[]): pulumi.Output<PolicyStatement> {
  return pulumi.all(resources).apply((resolved) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny" as const,
    Principal: "*" as const,
    Action: action,
    Resource: resolved,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  }));
}
