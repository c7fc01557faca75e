/** An ARN's parts (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). */
export interface Arn {
  partition: string;
  service: string;
  /** Empty for global services (IAM, S3). */
  region: string;
  /** Empty for S3 buckets. */
  accountId: string;
  /** Everything after the account: `table/clicks/stream/…`, `function:name`, `role/path/name`. */
  resource: string;
}

/** `arn:partition:service:region:account:resource`, the resource kept whole (it may hold ":" and "/"); anything else is undefined. */
export function parseArn(arn: string): Arn | undefined {
  const [prefix, partition, service, region, accountId, ...resource] = arn.split(":");
  if (prefix !== "arn" || resource.length === 0 || !partition || !service) return undefined;
  return { partition, service, region, accountId, resource: resource.join(":") };
}

/** The name after `type` in an ARN's resource: `clicks` for `…:table/clicks/stream/2026…` and type `table`, or for `…:function:clicks` and type `function`. */
export function arnResourceName(arn: string, type: string): string | undefined {
  const resource = parseArn(arn)?.resource;
  if (!resource?.startsWith(type) || !/^[/:]/.test(resource.slice(type.length))) return undefined;
  return resource.slice(type.length + 1).split(/[/:]/)[0] || undefined;
}
