// Starts DynamoDB Local and MariaDB, prints their process ids, and waits to be killed: the engines'
// test kills this process as a crash would and checks the servers go with it.
import { startDynamoDbLocal, startMariaDb } from "../../engines";

async function main(): Promise<void> {
  const [dynamodb, mariadb] = await Promise.all([startDynamoDbLocal(), startMariaDb()]);
  process.stdout.write(`${JSON.stringify({ pids: [dynamodb.pid, mariadb.pid] })}\n`);
  setInterval(() => {}, 60_000);
}

void main();
