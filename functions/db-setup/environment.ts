import { databaseEnvironment, readDatabaseEnvironment, type DatabaseEnvironment } from "../shared/db-auth";
import { requiredEnv, type Environment } from "../shared/env";

/** The setup function's settings, as AuroraLoader sets them in the environment. */
export interface DbSetupEnvironment<T = string> {
  database: DatabaseEnvironment<T>;
  /** The RDS-managed secret of the master user, the only user the setup signs in as. */
  masterSecretArn: T;
}

export function dbSetupEnvironment<T>(settings: DbSetupEnvironment<T>): Record<string, T | string> {
  return { ...databaseEnvironment(settings.database), DB_SECRET_ARN: settings.masterSecretArn, POWERTOOLS_SERVICE_NAME: "db-setup" };
}

export function readDbSetupEnvironment(env: Environment): DbSetupEnvironment {
  return { database: readDatabaseEnvironment(env), masterSecretArn: requiredEnv(env, "DB_SECRET_ARN") };
}
