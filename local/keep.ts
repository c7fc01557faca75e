import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../engines";
import { type LocalPipeline } from "./runtime/pipeline";

/** A word for a POSIX shell: single-quoted unless it is plainly safe. */
const sh = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * Commands that query the running pipeline, each complete on its own line: the aws CLI gets the
 * engines' endpoint, region and credentials from its environment, mysql its password, so a line
 * pasted into any shell works without configuration.
 */
export function keepCommands(pipeline: Pick<LocalPipeline, "database" | "dynamodbEndpoint" | "s3Endpoint" | "outputs">): string[] {
  const db = pipeline.database;
  const aws = `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_REGION=${LOCAL_REGION} AWS_DEFAULT_REGION=${LOCAL_REGION} AWS_PAGER=''`;
  const query = `SELECT page_id, COUNT(*) AS events, SUM(hits) AS hits FROM ${db.table} GROUP BY page_id ORDER BY events DESC LIMIT 10`;
  return [
    `MYSQL_PWD=${sh(db.password)} mysql -h ${db.host} -P ${db.port} -u ${sh(db.user)} ${sh(db.name)} -e ${sh(query)}`,
    `${aws} aws dynamodb scan --endpoint-url ${pipeline.dynamodbEndpoint} --table-name ${sh(pipeline.outputs.poc.tableName)} --select COUNT`,
    `${aws} aws s3 ls --endpoint-url ${pipeline.s3Endpoint} --recursive s3://${pipeline.outputs.poc.archiveBucketName}/`,
  ];
}
