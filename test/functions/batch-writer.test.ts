import { BatchWriteItemCommand, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { BatchWrites, type BatchWriteOptions } from "../../functions/ingest/batch-writer";
import { type DynamoItem } from "../../functions/ingest/core";
import { HASH_KEY, RANGE_KEY } from "../../functions/shared/dedup-key";

const item = (n: number): DynamoItem => ({ [HASH_KEY]: { S: `h${n}` }, [RANGE_KEY]: { S: String(n) } });
const keyOf = (n: number) => `h${n}|${n}`;

/** Options with the backoff visible: every wait asked for is recorded, none is waited. */
function options(overrides: Partial<BatchWriteOptions> = {}) {
  const waits: number[] = [];
  const write: BatchWriteOptions = {
    tableName: "clicks",
    concurrency: 2,
    maxAttempts: 5,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0.5,
    wait: async (ms) => void waits.push(ms),
    ...overrides,
  };
  return { write, waits };
}

/** A DynamoDB stand-in that answers each BatchWriteItem with `answer(requests, call)`: the requests left unprocessed, or an error thrown. */
function dynamodb(answer: (requests: WriteRequest[], call: number) => WriteRequest[] | Error | "no field" = () => []) {
  const calls: WriteRequest[][] = [];
  const client = {
    async send(command: unknown) {
      if (!(command instanceof BatchWriteItemCommand)) throw new Error(`unexpected ${(command as object).constructor.name}`);
      const requests = command.input.RequestItems!.clicks;
      calls.push(requests);
      const outcome = answer(requests, calls.length);
      if (outcome instanceof Error) throw outcome;
      // DynamoDB names no table when it processed every request; a client may also see the field left out.
      if (outcome === "no field") return {};
      return { UnprocessedItems: outcome.length ? { clicks: outcome } : {} };
    },
  };
  return { client, calls };
}

async function writeAll(client: { send: (command: unknown) => Promise<unknown> }, write: BatchWriteOptions, count: number) {
  const writes = new BatchWrites(client, write);
  for (let n = 0; n < count; n++) await writes.add(item(n));
  return writes.finish();
}

const throttled = () => Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });

describe("ingest's BatchWriteItem writer (Why: changes to its retries and its concurrency went unnoticed)", () => {
  it("backs off before each retry, exponentially with full jitter up to maxDelayMs, and never before the first request", async () => {
    const { write, waits } = options({ maxAttempts: 5 });
    const db = dynamodb((requests) => requests);
    const result = await writeAll(db.client, write, 3);
    expect(db.calls).to.have.length(5);
    // random() = 0.5 of the ceiling: 100 ms doubled per retry (200, 400, 800), then held at 1,000.
    expect(waits).to.deep.equal([100, 200, 400, 500]);
    expect(result.failed.map((f) => f.reason)).to.deep.equal(Array(3).fill("still unprocessed after 5 attempts"));
  });

  it("sends exactly maxAttempts requests for a chunk DynamoDB keeps refusing, then names the error of the last", async () => {
    for (const maxAttempts of [1, 2, 3]) {
      const { write, waits } = options({ maxAttempts });
      const db = dynamodb(() => throttled());
      const result = await writeAll(db.client, write, 2);
      expect(db.calls, `maxAttempts ${maxAttempts}`).to.have.length(maxAttempts);
      expect(waits).to.have.length(maxAttempts - 1);
      expect(result).to.deep.equal({
        written: [],
        rejected: [],
        failed: [0, 1].map((n) => ({ itemKey: keyOf(n), reason: "ProvisionedThroughputExceededException: slow down" })),
      });
    }
  });

  it("retries only what DynamoDB left unprocessed, and takes a response without UnprocessedItems as all written", async () => {
    const { write } = options();
    const db = dynamodb((requests, call) => (call === 1 ? requests.slice(1) : "no field"));
    const result = await writeAll(db.client, write, 3);
    expect(db.calls.map((c) => c.length)).to.deep.equal([3, 2]);
    expect(result).to.deep.equal({ written: [0, 1, 2].map(keyOf), failed: [], rejected: [] });
  });

  it("never has more than `concurrency` requests in flight, and keeps every slot busy", async () => {
    for (const concurrency of [1, 2, 3]) {
      let inFlight = 0;
      let most = 0;
      const db = dynamodb();
      const slow = {
        async send(command: unknown) {
          most = Math.max(most, ++inFlight);
          // Answered a while later: a writer without a cap would have sent every chunk by then.
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
          return db.client.send(command);
        },
      };
      const result = await writeAll(slow, options({ concurrency }).write, 25 * 6);
      expect(most, `concurrency ${concurrency}`).to.equal(concurrency);
      expect(result.written).to.have.length(150);
    }
  });

  it("sends no request for nothing", async () => {
    const db = dynamodb();
    expect(await writeAll(db.client, options().write, 0)).to.deep.equal({ written: [], failed: [], rejected: [] });
    expect(db.calls).to.deep.equal([]);
  });
});
