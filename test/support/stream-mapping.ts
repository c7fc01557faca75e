import { TransactionCanceledException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import * as fc from "fast-check";
import { type ProjectOutcome } from "../../functions/project/project-batch";

/**
 * What can go wrong with one DynamoDB call: nothing; it fails before reaching the table (a
 * throttled or dropped request); it is applied but its answer is lost (a timeout after the
 * write, so the function thinks it failed); or a transaction is cancelled by a conflicting one.
 */
export type CallFault = "none" | "before" | "after" | "conflict";

/** A DynamoDB client that answers calls through `real`, with the faults of `faults`, one per call while they last. */
export function faultyDynamoDb(real: Pick<DynamoDBClient, "send">, faults: CallFault[]): Pick<DynamoDBClient, "send"> {
  const lost = () => Object.assign(new Error("socket hang up"), { name: "TimeoutError", $metadata: {} });
  return {
    send: (async (command: { constructor: { name: string }; input: { TransactItems?: unknown[] } }) => {
      const fault = faults.shift() ?? "none";
      if (fault === "before") throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
      if (fault === "conflict" && command.constructor.name === "TransactWriteItemsCommand") {
        const reasons = (command.input.TransactItems ?? []).map((_, i) => ({ Code: i === 0 ? "TransactionConflict" : "None" }));
        throw new TransactionCanceledException({
          message: "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]",
          $metadata: {},
          CancellationReasons: reasons,
        });
      }
      const answer = await real.send(command as never);
      if (fault === "after") throw lost();
      return answer;
    }) as DynamoDBClient["send"],
  };
}

/**
 * What the event source mapping does next with a lane: how many records it takes, whether the
 * invocation then dies (a timeout: its answer is lost), whether Lambda invokes the function with
 * the same batch once more, late, after the next batch (it invokes at least once:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html), and whether the mapping
 * is then re-created and reads the lane again from the start (the trim horizon).
 */
export interface MappingChoice {
  batchSize: number;
  crash: boolean;
  duplicate: boolean;
  restart: boolean;
}

export const mappingChoices = (maxBatch: number): fc.Arbitrary<MappingChoice[]> =>
  fc.array(
    fc.record({
      batchSize: fc.integer({ min: 1, max: maxBatch }),
      crash: fc.boolean(),
      duplicate: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      restart: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
    { maxLength: 30, size: "max" },
  );

/**
 * A table stream shard's records through a projection as Lambda's event source mapping
 * delivers them (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html):
 * batches from the checkpoint on; a partial batch response moves the checkpoint to the first
 * failed record; an invocation that dies moves nothing and the batch is bisected (retried half
 * first); a batch may be delivered twice, the second time late; a re-created mapping starts
 * again from the trim horizon. With a parallelization factor above one, records are split into lanes by item key, each
 * in order, the lanes running at once (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html:
 * in-order processing at the item level). Once the choices run out, batches of `finalBatch`
 * until the lane is done.
 */
export async function deliver(
  records: readonly DynamoDBRecord[],
  project: (records: DynamoDBRecord[]) => Promise<ProjectOutcome>,
  options: { lanes: number; choices: MappingChoice[]; finalBatch: number },
): Promise<void> {
  const laneOf = (record: DynamoDBRecord) =>
    [...JSON.stringify(record.dynamodb?.Keys ?? {})].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % options.lanes;
  const lanes = Array.from({ length: options.lanes }, (_, lane) => records.filter((r) => laneOf(r) === lane));
  const choices = [...options.choices];
  await Promise.all(
    lanes.map(async (lane) => {
      let checkpoint = 0;
      let bisected: number | undefined;
      let late: DynamoDBRecord[] | undefined;
      for (let invocations = 0; checkpoint < lane.length; invocations++) {
        if (invocations > 10_000) throw new Error("the mapping never got past a record");
        const choice = choices.shift() ?? { batchSize: options.finalBatch, crash: false, duplicate: false, restart: false };
        const batch = lane.slice(checkpoint, checkpoint + Math.min(choice.batchSize, bisected ?? Infinity));
        const outcome = await project(batch);
        if (late) await project(late);
        late = choice.duplicate ? batch : undefined;
        if (choice.crash) {
          bisected = Math.max(1, Math.ceil(batch.length / 2));
          continue;
        }
        bisected = undefined;
        const failedAt = outcome.batchItemFailures.map((f) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier));
        if (failedAt.some((i) => i < 0)) throw new Error(`a batch item failure names no record of the batch: ${JSON.stringify(outcome.batchItemFailures)}`);
        checkpoint = choice.restart ? 0 : checkpoint + (failedAt.length > 0 ? Math.min(...failedAt) : batch.length);
      }
      if (late) await project(late);
    }),
  );
}
