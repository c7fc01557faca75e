import { Logger } from "@aws-lambda-powertools/logger";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { createConnection } from "mysql2/promise";
import { connectionOptions } from "../shared/db-auth";
import { loaderUserStatements, parseSpec, type UserAuth } from "./core";
import { readDbSetupEnvironment } from "./environment";

const logger = new Logger({ serviceName: "db-setup" });

/**
 * Run once per deployment by the stack (a Lambda invocation resource), inside the VPC: signs in
 * as the master user, whose password only RDS, Secrets Manager and this function's role can read,
 * and creates or updates the loader's own user. Any failure fails the deployment with its message.
 */
export async function handler(event: unknown): Promise<{ user: string; statements: number }> {
  const spec = parseSpec(event);
  const { database, masterSecretArn } = readDbSetupEnvironment(process.env);
  const master = await getSecret<{ username?: string; password?: string }>(masterSecretArn, { transform: "json", maxAge: 0 });
  if (!master?.username || !master.password) throw new Error(`secret ${masterSecretArn} holds no username and password`);
  const loaderAuth = database.auth;
  let auth: UserAuth = { kind: "iam" };
  if (loaderAuth.kind === "secret") {
    const secret = await getSecret<{ password?: string }>(loaderAuth.secretArn, { transform: "json", maxAge: 0 });
    if (!secret?.password) throw new Error(`secret ${loaderAuth.secretArn} holds no password`);
    auth = { kind: "password", password: secret.password };
  }
  const statements = loaderUserStatements(spec, auth);
  const connection = await createConnection({ ...connectionOptions(database), user: master.username, password: master.password });
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    await connection.end();
  }
  logger.info("loader user ready", { user: spec.user, database: spec.database, loadFromS3: spec.loadFromS3 });
  return { user: spec.user, statements: statements.length };
}
