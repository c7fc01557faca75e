import { type ConnectionOptions } from "mysql2/promise";
import { positiveIntEnv, requiredEnv } from "./env";

/**
 * How a function signs in to the database as the loader's own user (LOADER_USER):
 * `iam`: IAM database authentication, a 15-minute token signed with the function's role, so no
 * password exists anywhere (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html);
 * `secret`: the password in the secret LOADER_SECRET_ARN, for engines without IAM (the local runtime's MariaDB).
 */
export type LoaderAuth = { kind: "iam" } | { kind: "secret"; secretArn: string };

export function loaderAuthFrom(env: NodeJS.ProcessEnv): LoaderAuth {
  const kind = env.LOADER_AUTH ?? "iam";
  if (kind === "iam") return { kind };
  if (kind === "secret") return { kind, secretArn: requiredEnv(env, "LOADER_SECRET_ARN") };
  throw new Error(`environment variable LOADER_AUTH must be "iam" or "secret", got "${kind}"`);
}

/** Where the database is, and how to reach it: with TLS unless DB_TLS is "off" (AuroraLoader's `database.tls`). */
export function databaseEndpoint(env: NodeJS.ProcessEnv): Pick<ConnectionOptions, "host" | "port" | "ssl" | "connectTimeout"> {
  return {
    host: requiredEnv(env, "DB_HOST"),
    port: positiveIntEnv(env, "DB_PORT", 3306),
    // A Serverless v2 cluster paused at 0 ACU takes about 15 s to resume.
    connectTimeout: positiveIntEnv(env, "CONNECT_TIMEOUT_MS", 30_000),
    // mysql2 ships the RDS certificate authorities as this profile.
    ssl: env.DB_TLS === "off" ? undefined : "Amazon RDS",
  };
}

export interface LoaderCredentialSources {
  /** An IAM authentication token for the user at the endpoint. */
  token: (host: string, port: number, user: string) => Promise<string>;
  /** A secret's JSON, parsed. */
  secret: (arn: string) => Promise<{ password?: string } | undefined>;
}

/** The user and password the loader's own database user signs in with. */
export async function loaderCredentials(auth: LoaderAuth, user: string, endpoint: { host: string; port: number }, sources: LoaderCredentialSources): Promise<Pick<ConnectionOptions, "user" | "password" | "enableCleartextPlugin">> {
  if (auth.kind === "iam") {
    // The token travels as a clear-text password, which is why the cluster requires TLS.
    return { user, password: await sources.token(endpoint.host, endpoint.port, user), enableCleartextPlugin: true };
  }
  const secret = await sources.secret(auth.secretArn);
  if (!secret?.password) throw new Error(`secret ${auth.secretArn} holds no password`);
  return { user, password: secret.password };
}
