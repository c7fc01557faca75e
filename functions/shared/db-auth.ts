import { type ConnectionOptions } from "mysql2/promise";
import { choiceEnv, positiveIntEnv, requiredEnv, type Environment } from "./env";

/**
 * How a function signs in to the database as the loader's own user:
 * `iam`: IAM database authentication, a 15-minute token signed with the function's role, so no
 * password exists anywhere (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html);
 * `secret`: the password in a secret, for engines without IAM (the local runtime's MariaDB).
 */
export type LoaderAuth<T = string> = { kind: "iam" } | { kind: "secret"; secretArn: T };

/** Where the database is, and how the functions reach it: AuroraLoader's cluster, port, `database.tls` and sign-in. */
export interface DatabaseEnvironment<T = string> {
  host: T;
  port: T;
  /** Verify the server's certificate against the RDS authorities; off only for a MySQL without one. */
  tls: boolean;
  auth: LoaderAuth<T>;
}

export function databaseEnvironment<T>(settings: DatabaseEnvironment<T>): Record<string, T | string> {
  return {
    DB_HOST: settings.host,
    DB_PORT: settings.port,
    DB_TLS: settings.tls ? "on" : "off",
    LOADER_AUTH: settings.auth.kind,
    ...(settings.auth.kind === "secret" && { LOADER_SECRET_ARN: settings.auth.secretArn }),
  };
}

export function readDatabaseEnvironment(env: Environment): DatabaseEnvironment {
  const kind = choiceEnv(env, "LOADER_AUTH", ["iam", "secret"]);
  return {
    host: requiredEnv(env, "DB_HOST"),
    port: String(positiveIntEnv(env, "DB_PORT")),
    tls: choiceEnv(env, "DB_TLS", ["on", "off"]) === "on",
    auth: kind === "iam" ? { kind } : { kind, secretArn: requiredEnv(env, "LOADER_SECRET_ARN") },
  };
}

/** A Serverless v2 cluster paused at 0 ACU takes about 15 s to resume. */
const CONNECT_TIMEOUT_MS = 30_000;

/** mysql2's options for reaching the database; with TLS, mysql2 checks the server against the RDS authorities it ships as this profile. */
export function connectionOptions(database: DatabaseEnvironment): Pick<ConnectionOptions, "host" | "port" | "ssl" | "connectTimeout"> {
  return { host: database.host, port: Number(database.port), connectTimeout: CONNECT_TIMEOUT_MS, ssl: database.tls ? "Amazon RDS" : undefined };
}

export interface LoaderCredentialSources {
  /** An IAM authentication token for the user at the endpoint. */
  token: (host: string, port: number, user: string) => Promise<string>;
  /** A secret's JSON, parsed. */
  secret: (arn: string) => Promise<{ password?: string } | undefined>;
}

/** The user and password the loader's own database user signs in with. */
export async function loaderCredentials(
  auth: LoaderAuth,
  user: string,
  endpoint: { host: string; port: number },
  sources: LoaderCredentialSources,
): Promise<Pick<ConnectionOptions, "user" | "password" | "enableCleartextPlugin">> {
  if (auth.kind === "iam") {
    // The token travels as a clear-text password, which is why the cluster requires TLS.
    return { user, password: await sources.token(endpoint.host, endpoint.port, user), enableCleartextPlugin: true };
  }
  const secret = await sources.secret(auth.secretArn);
  if (!secret?.password) throw new Error(`secret ${auth.secretArn} holds no password`);
  return { user, password: secret.password };
}
