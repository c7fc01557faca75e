import { text, UsageError } from "./cli-args";

/** A region's code, such as eu-west-1 or us-gov-west-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** `--region` and `--profile`, in the same words in every command that talks to AWS. */
/** `--endpoint-url`: a service endpoint other than AWS's (the local engines). */
export function endpointUrlOption(help: string) {
  return text({ value: "url", help, pattern: /^https?:\/\/[^\s/]+/, says: "an http:// or https:// URL" });
}

export function awsOptions(whose: string) {
  return {
    region: text({
      value: "region",
      help: `${whose} region`,
      pattern: REGION,
      says: "a region's code, such as eu-west-1",
      shownDefault: "AWS_REGION, or the profile's region",
    }),
    profile: text({ value: "name", help: "a profile of ~/.aws/config or ~/.aws/credentials", shownDefault: "AWS_PROFILE, or else the default credentials" }),
  };
}

export interface AwsTarget {
  region?: string;
  profile?: string;
}

/** A client's settings for a region and profile: absent ones are left to the SDK's own resolution. */
export const clientSettings = (target: AwsTarget) => ({ ...(target.region && { region: target.region }), ...(target.profile && { profile: target.profile }) });

/** What an SDK client resolves its region and credentials with (every client's `config`). */
export interface ResolvingClient {
  config: { region(): Promise<string>; credentials(): Promise<unknown> };
}

/** The SDK's words when no provider of its default chain has credentials: a name for the user's case is better. */
const NO_PROVIDER = "Could not load credentials from any providers";

/**
 * Checks, before any work, what the SDK would resolve: the profile named (by `--profile`, else
 * AWS_PROFILE) exists in the shared config or credentials file, the client has a region, and it
 * has credentials. Each absence is a UsageError in the same words in every command, never the
 * SDK's own ("Region is missing"). The SDK resolves a region from the client's setting, then
 * AWS_REGION, then the profile's `region`
 * (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-region.html); a
 * profile is a `[profile name]` section of the config file or a `[name]` section of the
 * credentials file (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html), which
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE may move
 * (https://docs.aws.amazon.com/sdkref/latest/guide/file-location.html).
 */
export async function checkAwsAccess(client: ResolvingClient, target: AwsTarget, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const named = target.profile ? { profile: target.profile, by: "--profile" } : env.AWS_PROFILE ? { profile: env.AWS_PROFILE, by: "AWS_PROFILE" } : undefined;
  if (named) await checkProfile(named.profile, named.by, env);
  try {
    await client.config.region();
  } catch {
    throw new UsageError(
      `no AWS region: pass --region <region> or set AWS_REGION${named ? `, or give profile "${named.profile}" a region in ${configFile(env)}` : " (a profile with a region, by --profile or AWS_PROFILE, also does)"}`,
    );
  }
  try {
    await client.config.credentials();
  } catch (error) {
    if (!named) throw new UsageError("no AWS credentials: pass --profile <name> or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    const said = (error as Error).message.split("\n")[0];
    const why = said.startsWith(NO_PROVIDER) ? "it has no keys, role, SSO session or credential_process" : said;
    throw new UsageError(
      `no AWS credentials from profile "${named.profile}" (named by ${named.by}): ${why}; check ${configFile(env)}, or run aws sso login --profile ${named.profile} if it signs in with IAM Identity Center`,
    );
  }
}

const configFile = (env: NodeJS.ProcessEnv) => env.AWS_CONFIG_FILE ?? "~/.aws/config";
const credentialsFile = (env: NodeJS.ProcessEnv) => env.AWS_SHARED_CREDENTIALS_FILE ?? "~/.aws/credentials";

/** The profile is in one of the shared files, as the SDK reads them. */
async function checkProfile(profile: string, by: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Loaded only here: `--help` and a wrong argument load nothing of the SDK.
  const { loadSharedConfigFiles } = require("@smithy/core/config") as typeof import("@smithy/core/config");
  const files = await loadSharedConfigFiles({ filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: env.AWS_CONFIG_FILE, ignoreCache: true });
  // The config file's other sections come keyed as "sso-session.<name>" and "services.<name>".
  const known = [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])]
    .filter((key) => !/^(sso-session|services)\./.test(key))
    .sort();
  if (known.includes(profile)) return;
  const theirs = known.length > 0 ? `the profiles there: ${known.join(", ")}` : `there are none (aws configure --profile ${profile} makes one)`;
  throw new UsageError(`no AWS profile "${profile}" (named by ${by}) in ${configFile(env)} or ${credentialsFile(env)}: ${theirs}`);
}
