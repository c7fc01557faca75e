import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { createConnection, type Connection } from "mysql2/promise";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startMariaDb, startS3Engine, type Engine, type MySqlEngine } from "../../engines";

/** The loader's engines for a suite: MariaDB and a local S3 with `bucket`, started before its tests and stopped after them. */
export interface LoaderEngines {
  s3: S3Client;
  /** A connection to MariaDB as its administrator. */
  connection: Connection;
}

/** Registers the suite's hooks; the clients are there once its `before` has run. */
export function loaderEngines(bucket: string): LoaderEngines {
  const engines = {} as LoaderEngines;
  let database: MySqlEngine | undefined;
  let objects: Engine | undefined;
  before(async () => {
    [database, objects] = await Promise.all([startMariaDb(), startS3Engine()]);
    engines.s3 = new S3Client({ endpoint: objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await engines.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    engines.connection = await createConnection({ host: database.host, port: database.port, user: database.user, password: database.password });
  });
  after(async () => {
    await engines.connection?.end();
    engines.s3?.destroy();
    await Promise.all([database?.stop(), objects?.stop()]);
  });
  return engines;
}
