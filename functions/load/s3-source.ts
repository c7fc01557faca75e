import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PassThrough, pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ArchiveHead } from "./archive-head";
import { ArchiveText } from "./archive-text";
import { type CreatedObject } from "./s3-event";

/** An opened object: its bytes as a stream, made when the database asks for them, or given back unread. */
export interface OpenedObject {
  /** Called at most once, when the database asks for the data: nothing flows before (but what `peek` read). */
  stream(): Readable;
  /** The first `bytes` of the text the database will read (fewer when the object is shorter), read ahead: `stream` still gives them. */
  peek(bytes: number): Promise<Buffer>;
  /** Releases the object when its bytes are not wanted after all. */
  close(): void;
  /** Why reading the object failed (a body cut short, a corrupt GZIP stream), if it did. */
  failure(): Error | undefined;
}

/**
 * Opens an archive object for LOAD DATA LOCAL: unzipped when it is `.gz`, its start checked to be
 * text (`ArchiveHead`: not compressed, UTF-8), and read as `ArchiveText` (no BOM, LF line ends).
 * Any failure along the way (a body cut short, a corrupt GZIP stream, an object that is not text)
 * becomes an error of the stream the database reads, so the load fails cleanly and
 * nothing is left to throw where no one listens.
 */
export function s3Opener(s3: Pick<S3Client, "send">): (object: CreatedObject) => Promise<OpenedObject> {
  return async (object) => {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    if (!(Body instanceof Readable)) throw new Error(`s3://${object.bucket}/${object.key} has no readable body`);
    let failure: Error | undefined;
    Body.on("error", (error: Error) => (failure ??= error));
    let text: PassThrough | undefined;
    /** The object's text, flowing once asked for: the body, unzipped, checked, with LF line ends. */
    const start = (): PassThrough => {
      if (text) return text;
      text = new PassThrough();
      // Listened to for good: the database's reader stops listening once the load ends.
      text.on("error", () => undefined);
      // On a failure, pipeline destroys every stage, `text` with the error, which the reader sees.
      pipeline(
        [Body, ...(object.key.endsWith(".gz") ? [createGunzip()] : []), new ArchiveHead(), new ArchiveText(), text],
        (error) => (failure ??= error ?? undefined),
      );
      if (failure) process.nextTick(() => text!.destroy(failure));
      return text;
    };
    let head: Buffer | undefined;
    return {
      stream: () => {
        const rest = start();
        // After a peek, always through prepend: a peek that read an empty object to its end leaves a stream that has ended already, which the database would wait on.
        return head !== undefined ? Readable.from(prepend(head, rest), { objectMode: false }) : rest;
      },
      peek: async (bytes) => (head ??= await readAhead(start(), bytes)),
      close: () => Body.destroy(),
      failure: () => failure,
    };
  };
}

/** Reads up to `bytes` from a stream without ending it (a failure ends the reading early: the stream gives the error to its reader). */
function readAhead(stream: Readable, bytes: number): Promise<Buffer> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const finish = () => {
      stream.off("readable", read).off("end", finish).off("close", finish);
      done(Buffer.concat(chunks));
    };
    const read = () => {
      for (let chunk: Buffer | null; have < bytes && (chunk = stream.read() as Buffer | null) !== null; have += chunk.length) chunks.push(chunk);
      if (have >= bytes) finish();
    };
    stream.on("readable", read).once("end", finish).once("close", finish);
  });
}

/** What was read ahead, then the rest of the stream, its error included. */
async function* prepend(head: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for await (const chunk of rest) yield chunk as Buffer;
}
