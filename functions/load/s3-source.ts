import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PassThrough, pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ArchiveHead } from "./archive-head";
import { ArchiveText } from "./archive-text";
import { type CreatedObject } from "./s3-event";

/** An opened object: its bytes as a stream, made when the database asks for them, or given back unread. */
export interface OpenedObject {
  /** Called at most once, when the database asks for the data: nothing flows before. */
  stream(): Readable;
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
    return {
      stream: () => {
        const out = new PassThrough();
        // Listened to for good: the database's reader stops listening once the load ends.
        out.on("error", () => undefined);
        // On a failure, pipeline destroys every stage, `out` with the error, which the reader sees.
        pipeline([Body, ...(object.key.endsWith(".gz") ? [createGunzip()] : []), new ArchiveHead(), new ArchiveText(), out], (error) => (failure ??= error ?? undefined));
        if (failure) process.nextTick(() => out.destroy(failure));
        return out;
      },
      close: () => Body.destroy(),
      failure: () => failure,
    };
  };
}
