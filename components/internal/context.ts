import type * as pulumi from "@pulumi/pulumi";
import { type ResolvedCommon } from "../settings/shared";

/** What every child of a component is created with: its parent, the tags, data protection and the alarms' settings. */
export interface Children extends ResolvedCommon {
  parent: pulumi.Resource;
}

export function childrenOf(parent: pulumi.Resource, common: ResolvedCommon): Children {
  return { parent, protectData: common.protectData, tags: common.tags, monitoring: common.monitoring };
}

/** The tags argument of a child that takes tags: none at all when the component was given none, so untagged stacks see no diff. */
export function tagsOf(children: Children): Record<string, string> | undefined {
  return Object.keys(children.tags).length > 0 ? children.tags : undefined;
}
