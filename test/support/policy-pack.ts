import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { type RecordedResource } from "../harness/mock-cloud";
import { CONSUMER, SOURCE } from "./stacks";

/** The pack's config for the test deployment, as `--policy-pack-config` would give it. */
export const PACK_CONFIG: Record<string, unknown> = { "principals-in-deployment-accounts": { accounts: [SOURCE, CONSUMER] } };

/** A recorded resource as a policy sees it: its inputs and the outputs the mocks gave it. */
export const asPolicyResource = (r: RecordedResource): PolicyResource =>
  ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: { ...r.inputs, ...r.state },
    opts: { protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace },
  }) as unknown as PolicyResource;

/**
 * Every violation the pack reports for these resources, as "policy: message". `validated` limits
 * the per-resource policies to some resources (those changed since a run that found nothing); the
 * stack policies always see every resource.
 */
export function violations(
  resources: PolicyResource[],
  config: Record<string, unknown> = PACK_CONFIG,
  validated: (r: PolicyResource) => boolean = () => true,
): string[] {
  const found: string[] = [];
  for (const policy of policies) {
    const report = (message: string) => found.push(`${policy.name}: ${message}`);
    const getConfig = () => ({ ...(config[policy.name] as object) });
    // The pack's policies each have one validation function.
    type Validate = (args: unknown, report: (message: string) => void) => void;
    const perResource = (policy as ResourceValidationPolicy).validateResource as Validate | undefined;
    const perStack = (policy as StackValidationPolicy).validateStack as Validate | undefined;
    if (perResource)
      for (const resource of resources.filter(validated)) perResource({ ...resource, opts: resource.opts ?? {}, stackTags: new Map(), getConfig }, report);
    perStack?.({ resources, stackTags: new Map(), getConfig }, report);
  }
  return found;
}
