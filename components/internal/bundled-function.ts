import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bundleFunction, LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from "./bundle";
import { tagsOf, type Children } from "./context";
import { policyDocument, serviceTrustPolicy, type Statements } from "./iam";

/** A function a component deployed: what a program attaches its own alarms, grants or subscriptions to. */
export interface FunctionResources {
  function: aws.lambda.Function;
  /** Its execution role. */
  role: aws.iam.Role;
  /** The role's inline policy: what the function may do. */
  policy: aws.iam.RolePolicy;
  /** Where the function logs, with the component's retention. */
  logGroup: aws.cloudwatch.LogGroup;
}

export interface BundledFunctionArgs {
  /** Folder under `functions/` holding `handler.ts`. */
  code: string;
  description: string;
  environment: Record<string, pulumi.Input<string>>;
  /** What the function may do besides writing its own log group. */
  statements: Statements;
  memorySize: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  /** The execution role, when it had to exist before the function (`createFunctionRole`). Default: created here. */
  role?: aws.iam.Role;
  /** Invocations that may run at once, reserved from the account's concurrency. Default: unreserved. */
  reservedConcurrency?: number;
  /** Run in these subnets with these security groups. Default: outside any VPC. */
  vpc?: { subnetIds: pulumi.Input<pulumi.Input<string>[]>; securityGroupIds: pulumi.Input<pulumi.Input<string>[]> };
}

/** What Lambda needs to attach a function to a VPC (AWSLambdaVPCAccessExecutionRole); these actions take no resource. */
const VPC_NETWORK_INTERFACES = {
  Sid: "ManageVpcNetworkInterfaces",
  Effect: "Allow" as const,
  Action: [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
  ],
  Resource: "*",
};

/**
 * The execution role `createBundledFunction(name, …)` would create, for when another account must
 * be told the role's ARN before the function can be deployed. Pass it back as `role`: the logical
 * name is the same, so the role is kept, not replaced, when the function arrives.
 */
export function createFunctionRole(name: string, description: string, children: Children): aws.iam.Role {
  return new aws.iam.Role(
    `${name}-role`,
    {
      description,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
      tags: tagsOf(children),
    },
    { parent: children.parent },
  );
}

/**
 * A function, its own role and its own log group, named `${name}` and parented to the component.
 * The role may write only to that log group, plus `statements`.
 */
export function createBundledFunction(name: string, args: BundledFunctionArgs, children: Children): FunctionResources {
  const opts = { parent: children.parent };
  const tags = tagsOf(children);
  const role = args.role ?? createFunctionRole(name, args.description, children);

  // The function logs here through loggingConfig, so the group can exist, with its retention,
  // before the function does.
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      namePrefix: `/aws/lambda/${name}-`,
      retentionInDays: args.logRetentionDays,
      tags,
    },
    opts,
  );

  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      policy: policyDocument(
        pulumi.all([logGroup.arn, args.statements]).apply(([logGroupArn, statements]) => [
          {
            Sid: "WriteOwnLogs",
            Effect: "Allow" as const,
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroupArn}:*`,
          },
          ...statements,
          ...(args.vpc ? [VPC_NETWORK_INTERFACES] : []),
        ]),
      ),
    },
    opts,
  );

  const fn = new aws.lambda.Function(
    `${name}-function`,
    {
      description: args.description,
      role: role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: "index.handler",
      code: bundleFunction(args.code),
      memorySize: args.memorySize,
      timeout: args.timeoutSeconds,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      vpcConfig: args.vpc,
      reservedConcurrentExecutions: args.reservedConcurrency,
      tags,
    },
    { ...opts, dependsOn: [policy, logGroup] },
  );

  return { function: fn, role, policy, logGroup };
}
