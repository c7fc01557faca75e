import { escape, escapeId } from "mysql2";
import { MYSQL_NAMES } from "../shared/mysql-names";

/** What the setup creates: the loader's own user, with only what loading needs. */
export interface LoaderUserSpec {
  /** The loader's database user. */
  user: string;
  /** The database whose tables it may create, read and write. */
  database: string;
  /** Whether it loads with LOAD DATA FROM S3 (Aurora's AWS_LOAD_S3_ACCESS role) rather than LOCAL. */
  loadFromS3: boolean;
}

/** How the user signs in: IAM tokens on Aurora, or a password (engines without IAM). */
export type UserAuth = { kind: "iam" } | { kind: "password"; password: string };

/**
 * Exactly what the loader's SQL needs on its own database: create its tables (CREATE), add the
 * columns a newer schema version brings and widen a VARCHAR (ALTER), read and claim the manifest
 * (SELECT, INSERT, UPDATE; DELETE to forget an object a rebuild loads again), stage an object in a
 * temporary table (CREATE TEMPORARY TABLES; the session may then do anything to that table,
 * dropping it included), upsert rows and replace an object's rejects (INSERT, UPDATE, DELETE).
 * Nothing on other databases, no administration, no DROP. Add a privilege here when the loader's
 * SQL needs one.
 * https://dev.mysql.com/doc/refman/8.0/en/privileges-provided.html#priv_create-temporary-tables
 * https://dev.mysql.com/doc/refman/8.0/en/privileges-provided.html#priv_alter
 */
export const LOADER_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "CREATE TEMPORARY TABLES"] as const;

/**
 * The statements that create the loader's user, or bring an existing one to exactly this state;
 * running them twice changes nothing. Names and the password are escaped, never spliced raw.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.LoadFromS3.html#AuroraMySQL.Integrating.LoadFromS3.Grant
 */
export function loaderUserStatements(spec: LoaderUserSpec, auth: UserAuth): string[] {
  for (const what of ["user", "database"] as const) {
    const { pattern, rule } = what === "user" ? MYSQL_NAMES.user : MYSQL_NAMES.identifier;
    if (!pattern.test(spec[what])) throw new Error(`${what} must be ${rule}, got ${JSON.stringify(spec[what])}`);
  }
  const account = `${escape(spec.user)}@'%'`;
  const identified = auth.kind === "iam" ? "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'" : `IDENTIFIED BY ${escape(auth.password)}`;
  return [
    `CREATE USER IF NOT EXISTS ${account} ${identified}`,
    `ALTER USER ${account} ${identified}`,
    `GRANT ${LOADER_PRIVILEGES.join(", ")} ON ${escapeId(spec.database)}.* TO ${account}`,
    // Aurora MySQL 3 grants LOAD DATA FROM S3 as a role, active only once it is a default role.
    ...(spec.loadFromS3 ? [`GRANT AWS_LOAD_S3_ACCESS TO ${account}`, `SET DEFAULT ROLE AWS_LOAD_S3_ACCESS TO ${account}`] : []),
  ];
}

/** The setup event (the deploy-time invocation's input), checked. */
export function parseSpec(event: unknown): LoaderUserSpec {
  const spec = event as Partial<LoaderUserSpec> | null;
  if (!spec || typeof spec.user !== "string" || typeof spec.database !== "string" || typeof spec.loadFromS3 !== "boolean") {
    throw new Error(`the setup event must be {"user": string, "database": string, "loadFromS3": boolean}, got ${JSON.stringify(event)}`);
  }
  return { user: spec.user, database: spec.database, loadFromS3: spec.loadFromS3 };
}
