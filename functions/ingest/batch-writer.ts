import { BatchWriteItemCommand, PutItemCommand, type DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { errorText, isRejectedAsInvalid } from "../shared/aws-errors";
import { backoffDelay, sleep, type RetryOptions } from "../shared/retry";
import { itemKeyOf, type DynamoItem } from "./core";

/** BatchWriteItem takes at most 25 requests. */
export const MAX_BATCH_WRITE = 25;

/** `maxAttempts`: requests per chunk, counting the first, before its unprocessed items count as failed. */
export interface BatchWriteOptions extends RetryOptions {
  tableName: string;
  /** BatchWriteItem requests in flight at once. */
  concurrency: number;
}

export interface KeyedFailure {
  itemKey: string;
  reason: string;
}

export interface BatchWriteResult {
  /** Keys DynamoDB acknowledged. */
  written: string[];
  /** Keys still unwritten after every attempt (throttling, service errors): retry them later. */
  failed: KeyedFailure[];
  /** Keys DynamoDB refused as invalid: retrying can never succeed. */
  rejected: KeyedFailure[];
}

type Sender = Pick<DynamoDBClient, "send">;

/**
 * Writes items (unique keys) with BatchWriteItem in chunks of 25, `concurrency` chunks at a time,
 * retrying UnprocessedItems with exponential backoff and full jitter. A chunk DynamoDB rejects as
 * invalid is replayed item by item, so one bad item is isolated instead of failing 24 good ones.
 * Items arrive one by one (`add`) and each chunk goes out as soon as it is full, so the caller
 * builds the next items while earlier chunks are in flight.
 */
export class BatchWrites {
  private readonly result: BatchWriteResult = { written: [], failed: [], rejected: [] };
  private chunk: DynamoItem[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: Sender,
    private readonly options: BatchWriteOptions,
  ) {}

  /** Queues an item; a full chunk waits for a free slot, starts, and gives its request time to leave. */
  async add(item: DynamoItem): Promise<void> {
    this.chunk.push(item);
    if (this.chunk.length === MAX_BATCH_WRITE) await this.send();
  }

  /** Sends what is queued and waits for every chunk: what was written, what failed, what was rejected. */
  async finish(): Promise<BatchWriteResult> {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, an empty chunk sends no request (writeChunk's loop)
    if (this.chunk.length > 0) await this.send();
    await Promise.all(this.inFlight);
    return this.result;
  }

  private async send(): Promise<void> {
    const items = this.chunk;
    this.chunk = [];
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    const write: Promise<void> = this.writeChunk(items).finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
    // The SDK builds and sends the request over several promise steps: without a turn of the event
    // loop it would wait until the caller's synchronous work (decoding the next records) is done.
    await new Promise(setImmediate);
  }

  private async writeChunk(chunkItems: DynamoItem[]): Promise<void> {
    const { client, options, result } = this;
    const wait = options.wait ?? sleep;
    let pending: WriteRequest[] = chunkItems.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; attempt < options.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await wait(backoffDelay(attempt, options));
      const sent = pending;
      let unprocessed: WriteRequest[];
      try {
        const response = await client.send(new BatchWriteItemCommand({ RequestItems: { [options.tableName]: sent } }));
        unprocessed = response.UnprocessedItems?.[options.tableName] ?? [];
      } catch (error) {
        if (isRejectedAsInvalid(error)) {
          await writeOneByOne(client, sent, options.tableName, result);
          return;
        }
        if (attempt + 1 >= options.maxAttempts) {
          for (const request of sent) result.failed.push({ itemKey: keyOf(request), reason: errorText(error) });
          return;
        }
        continue;
      }
      const left = new Set(unprocessed.map(keyOf));
      for (const request of sent) if (!left.has(keyOf(request))) result.written.push(keyOf(request));
      pending = unprocessed;
    }
    for (const request of pending) {
      result.failed.push({ itemKey: keyOf(request), reason: `still unprocessed after ${options.maxAttempts} attempts` });
    }
  }
}

async function writeOneByOne(client: Sender, requests: WriteRequest[], tableName: string, result: BatchWriteResult) {
  for (const request of requests) {
    const itemKey = keyOf(request);
    try {
      await client.send(new PutItemCommand({ TableName: tableName, Item: request.PutRequest!.Item! }));
      result.written.push(itemKey);
    } catch (error) {
      (isRejectedAsInvalid(error) ? result.rejected : result.failed).push({ itemKey, reason: errorText(error) });
    }
  }
}

const keyOf = (request: WriteRequest): string => itemKeyOf(request.PutRequest!.Item!);
