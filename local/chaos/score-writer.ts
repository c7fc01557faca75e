import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** A game's players: few enough that every user's score is changed from many sides. */
const USERS = 12;

/**
 * Writes prod's shared GameScoreRecords table until every row is in MySQL, so that the projection
 * of its stream (`scores-by-user`, pull mode) has batches to be killed in and an end state to
 * check: new records, scores changed and records deleted, drawn from the run's seed. A write
 * whose answer is lost to a paused engine may or may not have happened: the verdict recomputes
 * from what the table holds in the end.
 */
export class ScoreWriter {
  /** Writes made, by kind. */
  readonly counts = { inserted: 0, changed: 0, deleted: 0 };
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly random: () => number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    let records = 0;
    while (this.running) {
      const draw = this.random();
      const existing = { RecordID: { N: String(1 + Math.floor(this.random() * Math.max(records, 1))) } };
      const score = { N: String(Math.floor(this.random() * 1_000)) };
      try {
        if (draw < 0.7 || records < 5) {
          const user = `user-${Math.floor(this.random() * USERS)}`;
          await this.dynamodb.send(
            new PutItemCommand({ TableName: this.table, Item: { RecordID: { N: String(++records) }, Username: { S: user }, Score: score } }),
          );
          this.counts.inserted += 1;
        } else if (draw < 0.9) {
          await this.dynamodb.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: existing,
              UpdateExpression: "SET Score = :score",
              ConditionExpression: "attribute_exists(RecordID)",
              ExpressionAttributeValues: { ":score": score },
            }),
          );
          this.counts.changed += 1;
        } else {
          const { Attributes } = await this.dynamodb.send(new DeleteItemCommand({ TableName: this.table, Key: existing, ReturnValues: "ALL_OLD" }));
          if (Attributes) this.counts.deleted += 1;
        }
      } catch {
        // A record deleted already, or an engine that went away mid-call: the next write goes on.
      }
      await sleep(50);
    }
  }
}
