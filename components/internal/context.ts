import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type ResolvedCommon } from "../settings/shared";

/** What every child of a component is created with: its parent, the component's name and region, the tags, data protection and the alarms' settings. */
export interface Children extends ResolvedCommon {
  parent: pulumi.Resource;
  /** The component's name, which its children's logical names start with. */
  name: string;
  region: pulumi.Output<string>;
}

export function childrenOf(parent: pulumi.Resource, name: string, common: ResolvedCommon): Children {
  const region = aws.getRegionOutput({}, { parent }).region;
  return { parent, name, region, protectData: common.protectData, tags: common.tags, monitoring: common.monitoring };
}

/** The tags argument of a child that takes tags: none at all when the component was given none, so untagged stacks see no diff. */
export function tagsOf(children: Children): Record<string, string> | undefined {
  return Object.keys(children.tags).length > 0 ? children.tags : undefined;
}

/** The options of a child without data: parented to the component. */
export const childOptions = (children: Children, more: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
  parent: children.parent,
  ...more,
});

/**
 * Every output a component declares (its own public properties, which Pulumi's component provider
 * also reads for other languages), for `registerOutputs`: the component's own, not the engine's
 * `urn` and `__…` fields.
 */
export function declaredOutputs(component: pulumi.ComponentResource): Record<string, unknown> {
  return Object.fromEntries(Object.entries(component).filter(([key]) => key !== "urn" && !key.startsWith("__")));
}
