import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createConnection, type Connection } from "mysql2/promise";
import { forwardDecision } from "../../functions/forward/core";
import { type LoadDependencies } from "../../functions/load/load-event";
import { s3Opener } from "../../functions/load/s3-source";
import { type LoadTarget } from "../../functions/load/sql";
import { type TransformResult } from "../../functions/transform/core";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startMariaDb, startS3Engine, type Engine, type MySqlEngine } from "../../engines";
import { DEDUP_KEYS, streamRecord } from "./dynamodb-stream";

/** The CSV line the archive holds for a dedup-table item inserted at a table-stream sequence, written by this transform. */
export function archiveLine(transform: (data: Buffer) => TransformResult, item: Record<string, unknown>, sequence: number): string {
  const decision = forwardDecision(streamRecord("INSERT", item, String(sequence)), { keyAttributes: DEDUP_KEYS, removeMode: "marker" });
  if (decision.kind !== "send") throw new Error("not archived");
  const result = transform(decision.data);
  if (!result.ok) throw new Error(result.detail);
  return result.line;
}

export interface LoadingEngines {
  database: MySqlEngine;
  objects: Engine;
  s3: S3Client;
  /** A connection for the test's own queries. */
  admin: Connection;
  /** Puts an object into the bucket and returns the S3 notification for it. */
  put(key: string, body: string): Promise<{ Records: unknown[] }>;
  /** A loader as a deployment runs it: its own connection (a new container), loading LOCAL from the S3 engine. */
  loader(target: LoadTarget): Promise<LoadDependencies & { end: () => Promise<void> }>;
}

/** MariaDB and the S3 engine with a bucket, started before a describe block's tests and stopped after them. */
export function withLoadingEngines(bucket: string): LoadingEngines {
  const engines = {} as LoadingEngines;
  const connect = () =>
    createConnection({ host: engines.database.host, port: engines.database.port, user: engines.database.user, password: engines.database.password });
  before(async () => {
    [engines.database, engines.objects] = await Promise.all([startMariaDb(), startS3Engine()]);
    engines.s3 = new S3Client({ endpoint: engines.objects.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    await engines.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    engines.admin = await connect();
  });
  after(async () => {
    await engines.admin?.end();
    engines.s3?.destroy();
    await Promise.all([engines.database?.stop(), engines.objects?.stop()]);
  });
  engines.put = async (key, body) => {
    const { ETag } = await engines.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: { bucket: { name: bucket }, object: { key, eTag: (ETag ?? "").replace(/"/g, ""), size: body.length } },
        },
      ],
    };
  };
  engines.loader = async (target) => {
    const connection = await connect();
    return {
      connect: async () => connection,
      target,
      mode: { kind: "local", open: s3Opener(engines.s3) },
      prefix: "processed/",
      log: { info() {}, warn() {} },
      end: () => connection.end(),
    };
  };
  return engines;
}
