import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { LOCAL_REGION } from "../../engines";
import { encodeS3Key } from "../../functions/load/s3-event";
import { type Invoker } from "./functions";

export interface NotificationSpec {
  /** The notification's configuration id, which S3 puts in each event. */
  id: string;
  bucket: string;
  functionName: string;
  filterPrefix: string;
}

export interface AsyncInvokeSpec {
  maximumRetryAttempts: number;
  /** The on-failure destination queue's URL. */
  onFailureQueueUrl?: string;
}

/**
 * S3 event notifications and Lambda's asynchronous invocation: each object created under a
 * notification's prefix invokes its function with S3's event shape, retried with backoff as
 * Lambda retries asynchronous events, then sent to the on-failure queue.
 */
export class LocalNotifications {
  private readonly specs: NotificationSpec[] = [];
  private readonly asyncSpecs = new Map<string, AsyncInvokeSpec>();
  private readonly running = new Set<Promise<unknown>>();
  readonly counts = { events: 0, handled: 0, failedEvents: 0 };
  /** A test delivers each event twice with it, as S3 may. */
  deliveries = 1;
  /** Each delivery of an object's event, by how many milliseconds it waits first (a chaos run delays, and so reorders, some, and duplicates some). */
  deliveryDelays: () => number[] = () => Array<number>(this.deliveries).fill(0);
  /** Called once a function has handled an object's event without error. */
  onHandled: (bucket: string, key: string) => void = () => undefined;

  /**
   * Milliseconds before the first asynchronous retry (the nth waits n times as long): Lambda waits
   * a minute and then two, a local run far less.
   */
  constructor(
    private readonly functions: Invoker,
    private readonly sqs: SQSClient,
    public retryDelayMs: number,
  ) {}

  register(spec: NotificationSpec): void {
    this.specs.push(spec);
  }

  configureAsync(functionName: string, spec: AsyncInvokeSpec): void {
    this.asyncSpecs.set(functionName, spec);
  }

  objectCreated(bucket: string, key: string, etag: string, size: number): void {
    for (const spec of this.specs.filter((s) => s.bucket === bucket && key.startsWith(s.filterPrefix))) {
      const event = {
        Records: [
          {
            eventVersion: "2.1",
            eventSource: "aws:s3",
            awsRegion: LOCAL_REGION,
            eventTime: new Date().toISOString(),
            eventName: "ObjectCreated:Put",
            // The writer is the runtime's Firehose, as on AWS the delivery stream's role is.
            userIdentity: { principalId: "AWS:AROALOCALFIREHOSE:firehose" },
            requestParameters: { sourceIPAddress: "127.0.0.1" },
            responseElements: { "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(), "x-amz-id-2": randomBytes(48).toString("base64") },
            s3: {
              s3SchemaVersion: "1.0",
              configurationId: spec.id,
              bucket: { name: bucket, ownerIdentity: { principalId: "A1LOCALBUCKETOWNER" }, arn: `arn:aws:s3:::${bucket}` },
              object: { key: encodeS3Key(key), size, eTag: etag, sequencer: Date.now().toString(16).toUpperCase().padStart(18, "0") },
            },
          },
        ],
      };
      for (const delay of this.deliveryDelays()) {
        const delivered =
          delay > 0
            ? new Promise((done) => setTimeout(done, delay)).then(() => this.invokeAsync(spec.functionName, event))
            : this.invokeAsync(spec.functionName, event);
        this.track(delivered.then((ok) => ok && this.onHandled(bucket, key)));
      }
    }
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Whether the function handled the event, after Lambda's asynchronous retries. */
  private async invokeAsync(functionName: string, event: unknown): Promise<boolean> {
    this.counts.events += 1;
    const spec = this.asyncSpecs.get(functionName) ?? { maximumRetryAttempts: 2 };
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= spec.maximumRetryAttempts; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, this.retryDelayMs * attempt));
      try {
        await this.functions.invoke(functionName, event);
        this.counts.handled += 1;
        return true;
      } catch (error) {
        lastError = error as Error;
      }
    }
    this.counts.failedEvents += 1;
    if (spec.onFailureQueueUrl) {
      const record = {
        version: "1.0",
        timestamp: new Date().toISOString(),
        requestContext: { functionArn: functionName, condition: "RetriesExhausted", approximateInvokeCount: spec.maximumRetryAttempts + 1 },
        requestPayload: event,
        responsePayload: { errorMessage: lastError?.message },
      };
      await this.sqs.send(new SendMessageCommand({ QueueUrl: spec.onFailureQueueUrl, MessageBody: JSON.stringify(record) }));
    }
    return false;
  }

  /** Events whose invocation (with its retries) is still running. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves once no asynchronous invocation is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
