import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../engines";
import { type LocalPipeline } from "./runtime/pipeline";

/** A word for a POSIX shell: single-quoted unless it is plainly safe. */
const sh = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

type Kept = Pick<LocalPipeline, "database" | "dynamodbEndpoint" | "s3Endpoint" | "outputs" | "functions" | "stages">;

/** A command of this project against the running pipeline: its environment (the engines' endpoints and credentials) and its arguments. */
export interface KeptTool {
  env: Record<string, string>;
  args: string[];
}

/**
 * `npm run rebuild` and `npm run backfill` for the running pipeline: the rebuild reloads the
 * archive into MySQL (LOAD DATA LOCAL, as the local loader does); the backfill feeds the dedup
 * table to the hits-per-page projection (or the projection function named) with the values its
 * function was deployed with.
 */
export function keptTools(pipeline: Kept, projectionFunction?: string): { rebuild: KeptTool; backfill: KeptTool } {
  const aws = { AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey, AWS_REGION: LOCAL_REGION };
  const db = pipeline.database;
  const projection = Object.values(pipeline.stages.projections).find((p) =>
    projectionFunction === undefined ? p.kind === "aggregate" : p.functionName === projectionFunction,
  )!;
  const env = pipeline.functions.all().find((f) => f.name === projection.functionName)!.environment;
  return {
    rebuild: {
      env: { ...aws, MYSQL_PWD: db.password },
      args: [
        "--bucket",
        pipeline.outputs.poc.archiveBucketName,
        "--database-url",
        `mysql://${encodeURIComponent(db.user)}@${db.host}:${db.port}/${db.name}`,
        "--load-mode",
        "streamed",
        "--endpoint-url",
        pipeline.s3Endpoint,
      ],
    },
    backfill: {
      env: { ...aws, AWS_ENDPOINT_URL_S3: pipeline.s3Endpoint },
      args: [
        "--table",
        pipeline.outputs.poc.tableName,
        "--projection",
        env.PROJECTION,
        "--target-table",
        env.TARGET_TABLE,
        "--ledger-table",
        env.LEDGER_TABLE,
        "--ledger-ttl-days",
        env.LEDGER_TTL_DAYS,
        ...(env.LEDGER_COUNTED_ENTRIES_EXPIRE === "true" ? ["--counted-entries-expire"] : []),
        "--dead-letter-bucket",
        env.DEAD_LETTER_BUCKET,
        "--endpoint-url",
        pipeline.dynamodbEndpoint,
      ],
    },
  };
}

/**
 * Commands that query the running pipeline, each complete on its own line: the aws CLI gets the
 * engines' endpoint, region and credentials from its environment, mysql its password, so a line
 * pasted into any shell works without configuration.
 */
export function keepCommands(pipeline: Kept): string[] {
  const db = pipeline.database;
  const aws = `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_REGION=${LOCAL_REGION} AWS_DEFAULT_REGION=${LOCAL_REGION} AWS_PAGER=''`;
  const query = `SELECT page_id, COUNT(*) AS events, SUM(hits) AS hits FROM ${db.table} GROUP BY page_id ORDER BY events DESC LIMIT 10`;
  const tools = keptTools(pipeline);
  const npm = (script: string, tool: KeptTool) =>
    `${Object.entries(tool.env)
      .map(([k, v]) => `${k}=${sh(v)}`)
      .join(" ")} npm run ${script} -- ${tool.args.map(sh).join(" ")}`;
  return [
    `MYSQL_PWD=${sh(db.password)} mysql -h ${db.host} -P ${db.port} -u ${sh(db.user)} ${sh(db.name)} -e ${sh(query)}`,
    `${aws} aws dynamodb scan --endpoint-url ${pipeline.dynamodbEndpoint} --table-name ${sh(pipeline.outputs.poc.tableName)} --select COUNT`,
    `${aws} aws s3 ls --endpoint-url ${pipeline.s3Endpoint} --recursive s3://${pipeline.outputs.poc.archiveBucketName}/`,
    npm("rebuild", tools.rebuild),
    npm("backfill", tools.backfill),
  ];
}
