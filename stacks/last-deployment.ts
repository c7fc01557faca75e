import * as pulumi from "@pulumi/pulumi";

let reference: pulumi.StackReference | undefined;

/** This stack's fully qualified name, as a StackReference to it is written. */
export const ownStackName = (): string => `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;

/**
 * An output of this stack's last deployment, read through a StackReference to the stack itself
 * (a stack may read back its own outputs: https://github.com/pulumi/pulumi/issues/3722), or
 * undefined before the first deployment has one. The program compares what it is about to deploy
 * with what was deployed this way, at preview: the archive's schema history.
 */
export async function lastDeployedOutput(name: string): Promise<unknown> {
  reference ??= new pulumi.StackReference("last-deployment", { name: ownStackName() });
  return (await reference.getOutputDetails(name)).value;
}
