import * as pulumi from "@pulumi/pulumi";

/** This stack's fully qualified name, as a StackReference to it is written. */
export const ownStackName = (): string => `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;

/**
 * An output of this stack's last deployment, or undefined before a deployment has exported it. It
 * is read through a StackReference to the stack itself, which answers with the outputs of the last
 * update, as a stack may read back its own outputs (https://github.com/pulumi/pulumi/issues/3722);
 * the program compares what it is about to deploy with what was deployed, at preview. Call it once
 * per output name: each call declares its own reference.
 */
export async function lastDeployedOutput(name: string): Promise<unknown> {
  const reference = new pulumi.StackReference(`last-deployment-${name}`, { name: ownStackName() });
  return (await reference.getOutputDetails(name)).value;
}
