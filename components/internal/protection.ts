import type * as pulumi from "@pulumi/pulumi";

/**
 * Resource options for a child that holds data (a table, bucket, stream, cluster, queue or key):
 * protected unless `protectData` is false, so neither `pulumi destroy` nor a change that forces a
 * replacement can delete it; Pulumi refuses at preview and names the resource instead
 * (https://www.pulumi.com/docs/iac/concepts/resources/options/protect/). A child with a fixed
 * physical name is also replaced delete-first: a create-first replacement would fail halfway on
 * the name the old one still holds
 * (https://www.pulumi.com/docs/iac/concepts/resources/options/deletebeforereplace/).
 */
export function dataResourceOptions(children: { parent?: pulumi.Resource; protectData: boolean }, fixedName?: unknown): pulumi.CustomResourceOptions {
  return { parent: children.parent, protect: children.protectData, ...(fixedName === undefined ? {} : { deleteBeforeReplace: true }) };
}
