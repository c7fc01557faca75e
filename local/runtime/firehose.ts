import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { LOCAL_REGION } from "../../engines";
import { type LocalFunctions } from "./functions";

export interface LocalDeliveryStreamSpec {
  name: string;
  arn: string;
  bucket: string;
  prefix: string;
  errorOutputPrefix: string;
  bufferSizeMiB: number;
  bufferIntervalSeconds: number;
  compression: string;
  fileExtension: string;
  /** The processor function's name. */
  processor?: string;
}

interface Buffered {
  data: Buffer;
  arrivedAt: number;
}

/** Firehose's prefix expressions: `!{timestamp:yyyy}` and friends in UTC, and the error output type. */
export function expandPrefix(prefix: string, at: Date, errorType = "processing-failed"): string {
  const iso = at.toISOString();
  const parts: Record<string, string> = { yyyy: iso.slice(0, 4), MM: iso.slice(5, 7), dd: iso.slice(8, 10), HH: iso.slice(11, 13), mm: iso.slice(14, 16) };
  return prefix
    .replace(/!\{firehose:error-output-type\}/g, errorType)
    .replace(/!\{timestamp:([^}]+)\}/g, (_, pattern: string) => pattern.replace(/yyyy|MM|dd|HH|mm/g, (token) => parts[token]));
}

/** `<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`: how Firehose names the objects it writes. */
const objectName = (stream: string, at: Date) => `${stream}-1-${at.toISOString().slice(0, 19).replace(/[T:]/g, "-")}-${randomUUID()}`;

/**
 * A delivery stream with an S3 destination: buffers records by size and interval, runs each
 * buffer through the processor function in Firehose's event shape, writes `Ok` records to the
 * prefix and `ProcessingFailed` ones to the error prefix in Firehose's error format.
 */
export class LocalFirehose {
  private readonly specs = new Map<string, LocalDeliveryStreamSpec>();
  private readonly buffers = new Map<string, Buffered[]>();
  private readonly bufferedBytes = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** Counters for the summary. */
  readonly counts = { received: 0, delivered: 0, failed: 0, objects: 0 };
  /** A test refuses records with it, as Firehose answers part of a PutRecordBatch with failures. */
  refuse: (record: Buffer) => boolean = () => false;
  /** Milliseconds a delivery waits before its objects are written (a chaos run delays some); none by default. */
  deliveryDelayMs: () => number = () => 0;
  /** Whether a delivery writes its records a second time, in another object, as Firehose's at-least-once delivery may. */
  duplicateDelivery: () => boolean = () => false;

  constructor(
    private readonly s3: S3Client,
    private readonly functions: Pick<LocalFunctions, "invoke" | "byArn">,
    private readonly onObjectCreated: (bucket: string, key: string, etag: string, size: number) => void,
    /** Local runs wait seconds, not minutes: the configured interval is multiplied by this. */
    private readonly intervalScale: number,
  ) {}

  register(spec: LocalDeliveryStreamSpec): void {
    this.specs.set(spec.name, spec);
    this.buffers.set(spec.name, []);
    this.timers.push(setInterval(() => void this.flush(spec.name), Math.max(200, spec.bufferIntervalSeconds * 1000 * this.intervalScale)));
  }

  putRecordBatch(name: string, records: Buffer[]): (null | { ErrorCode: string; ErrorMessage: string })[] {
    const buffer = this.buffers.get(name);
    if (!buffer) return records.map(() => ({ ErrorCode: "ResourceNotFoundException", ErrorMessage: `Firehose ${name} not found` }));
    const spec = this.specs.get(name)!;
    let bytes = this.bufferedBytes.get(name) ?? 0;
    const answers = records.map((data) => {
      if (this.refuse(data)) return { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." };
      buffer.push({ data, arrivedAt: Date.now() });
      bytes += data.byteLength;
      this.counts.received += 1;
      return null;
    });
    this.bufferedBytes.set(name, bytes);
    if (bytes >= spec.bufferSizeMiB * 1024 * 1024) void this.flush(name);
    return answers;
  }

  /** Records waiting in the buffers for their interval or size. */
  get buffered(): number {
    return [...this.buffers.values()].reduce((sum, buffer) => sum + buffer.length, 0);
  }

  /** Writes out what is buffered now (all streams when no name is given). */
  flush(name?: string): Promise<void> {
    const names = name ? [name] : [...this.specs.keys()];
    this.flushing = this.flushing.then(async () => {
      for (const stream of names) await this.deliver(stream);
    });
    return this.flushing;
  }

  private async deliver(name: string): Promise<void> {
    const spec = this.specs.get(name)!;
    const records = this.buffers.get(name)!.splice(0);
    this.bufferedBytes.set(name, 0);
    if (records.length === 0) return;
    const at = new Date();
    const ok: Buffer[] = [];
    const failed: string[] = [];
    if (!spec.processor) ok.push(...records.map((r) => r.data));
    for (let i = 0; spec.processor && i < records.length; i += 500) {
      const chunk = records.slice(i, i + 500);
      const event = {
        invocationId: randomUUID(),
        deliveryStreamArn: spec.arn,
        region: LOCAL_REGION,
        records: chunk.map((r, j) => ({ recordId: String(i + j), approximateArrivalTimestamp: r.arrivedAt, data: r.data.toString("base64") })),
      };
      let answer: { records: { recordId: string; result: string; data: string }[] } | undefined;
      let lastError = "";
      // Firehose invokes the processor up to four times (NumberOfRetries 3) before failing the records.
      for (let attempt = 0; attempt < 4 && !answer; attempt++) {
        answer = await this.functions.invoke<typeof answer>(spec.processor, event).catch((error: Error) => ((lastError = error.message), undefined));
      }
      const results = new Map(answer?.records.map((r) => [r.recordId, r]));
      chunk.forEach((record, j) => {
        const result = results.get(String(i + j));
        if (result?.result === "Ok") ok.push(Buffer.from(result.data, "base64"));
        else if (result?.result !== "Dropped") {
          failed.push(
            JSON.stringify({
              attemptsMade: answer ? 1 : 4,
              arrivalTimestamp: record.arrivedAt,
              errorCode: answer ? "Lambda.ProcessingFailed" : "Lambda.FunctionError",
              errorMessage: answer ? "The Lambda function was successfully invoked but it returned an error result." : lastError,
              attemptEndingTimestamp: Date.now(),
              rawData: record.data.toString("base64"),
              lambdaArn: `${this.functions.byArn(spec.processor!)?.arn ?? spec.processor}:$LATEST`,
            }),
          );
        }
      });
    }
    const delay = this.deliveryDelayMs();
    if (delay > 0) await new Promise((done) => setTimeout(done, delay));
    for (let copies = this.duplicateDelivery() ? 2 : 1; ok.length > 0 && copies > 0; copies--) {
      await this.write(spec, `${expandPrefix(spec.prefix, at)}${objectName(spec.name, at)}${spec.fileExtension}`, Buffer.concat(ok), true);
      this.counts.delivered += ok.length;
    }
    if (failed.length > 0) {
      await this.write(spec, `${expandPrefix(spec.errorOutputPrefix, at)}${objectName(spec.name, at)}`, Buffer.from(`${failed.join("\n")}\n`), false);
      this.counts.failed += failed.length;
    }
  }

  private async write(spec: LocalDeliveryStreamSpec, key: string, body: Buffer, notify: boolean): Promise<void> {
    const data = spec.compression === "GZIP" ? gzipSync(body) : body;
    const { ETag } = await this.s3.send(new PutObjectCommand({ Bucket: spec.bucket, Key: key, Body: data }));
    this.counts.objects += 1;
    if (notify) this.onObjectCreated(spec.bucket, key, (ETag ?? "").replace(/"/g, ""), data.byteLength);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flush();
  }
}
