import { readFileSync } from "node:fs";

/**
 * Whether a resource type's arguments take `tags`, as the installed @pulumi/aws declares them
 * (`aws:s3/bucket:Bucket` → node_modules/@pulumi/aws/s3/bucket.d.ts, interface BucketArgs); awsx's
 * Vpc takes them too.
 */
export function takesTags(type: string): boolean {
  const match = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
  if (!match) return type === "awsx:ec2:Vpc";
  const declarations = readFileSync(require.resolve(`@pulumi/aws/${match[1]}/${match[2]}.d.ts`), "utf8");
  const args = new RegExp(`export interface ${match[3]}Args \\{([\\s\\S]*?)\\n\\}`).exec(declarations);
  return Boolean(args && /\n\s+tags\?: pulumi\.Input/.test(args[1]));
}
