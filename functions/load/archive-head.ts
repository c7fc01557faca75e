import { Transform, type TransformCallback } from "node:stream";

const LF = 0x0a;
const GZIP_SIGNATURE = Buffer.from([0x1f, 0x8b]);
/** How much of a first line is read before the object is taken for text: a line of the archive can be far longer. */
export const HEAD_BYTES = 4096;

/** An object whose first bytes are not the archive's text: compressed, or not UTF-8. */
export class NotArchiveText extends Error {}

/**
 * Passes an object's bytes through unchanged, after checking how it starts: the first line (its
 * first HEAD_BYTES at most) must be UTF-8 text, as every line the transform writes is, and an
 * object starting with GZIP's signature is named as what it is, a compressed object under a key
 * that does not end in `.gz` (or one compressed twice). Anything else fails the stream with
 * `NotArchiveText` before a full line of it has passed, so such an object is refused whole, never
 * loaded as lines of binary.
 */
export class ArchiveHead extends Transform {
  private head: Buffer | undefined = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.head) return done(null, chunk);
    this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    const lineEnd = this.head.indexOf(LF);
    if (lineEnd < 0 && this.head.length < HEAD_BYTES) return done(null, chunk);
    const problem = headProblem(lineEnd < 0 ? this.head : this.head.subarray(0, lineEnd), lineEnd >= 0);
    this.head = undefined;
    if (problem) done(new NotArchiveText(problem));
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const problem = this.head && headProblem(this.head, true);
    this.head = undefined;
    done(problem ? new NotArchiveText(problem) : null);
  }
}

/** Why a first line is not the archive's text, if it is not; `whole`: the line is complete (else it may end inside a character). */
function headProblem(line: Buffer, whole: boolean): string | undefined {
  if (line.subarray(0, GZIP_SIGNATURE.length).equals(GZIP_SIGNATURE)) {
    return "it starts with GZIP's signature (1f 8b): a compressed object under a key that does not end in .gz, or one compressed twice";
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(line, { stream: !whole });
    return undefined;
  } catch {
    return "its first line is not UTF-8 text, as every line of the archive is: a binary or foreign object";
  }
}
