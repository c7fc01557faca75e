import { Transform, type TransformCallback } from "node:stream";

const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The bytes of an archive object as MySQL's LOAD DATA should read them: a leading UTF-8 byte
 * order mark dropped, and a CRLF line end (a CR then LF outside quotes) turned into LF, so that
 * neither reaches a value. A CR inside a quoted field is data and stays. Quotes are tracked byte
 * by byte (in UTF-8 no byte of a multi-byte character is `"`, CR or LF) from the chunk's first
 * CR; a chunk without CR passes through as it is, after its quotes are counted.
 */
export class ArchiveText extends Transform {
  private inQuotes = false;
  private start: Buffer | undefined = Buffer.alloc(0);
  private pendingCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // An empty chunk says nothing, not even that a held-back CR is not followed by LF.
    if (chunk.length === 0) return done();
    if (this.start) {
      // Up to three bytes are held back until it is known whether the object starts with a BOM.
      const head = Buffer.concat([this.start, chunk]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) {
        this.start = head;
        return done();
      }
      this.start = undefined;
      chunk = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
    }
    done(null, this.lineEnds(chunk));
  }

  override _flush(done: TransformCallback): void {
    const rest = Buffer.concat([this.start ?? Buffer.alloc(0), this.pendingCr ? Buffer.from([CR]) : Buffer.alloc(0)]);
    done(null, rest);
  }

  private lineEnds(chunk: Buffer): Buffer {
    let out: Buffer[] | undefined;
    let from = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk[0] !== LF) out = [Buffer.from([CR])];
    }
    // Up to the first CR no line end needs changing, only the quotes counting: a chunk without CR passes as it is.
    const firstCr = chunk.indexOf(CR);
    this.countQuotes(firstCr < 0 ? chunk : chunk.subarray(0, firstCr));
    if (firstCr < 0) return out ? Buffer.concat([...out, chunk]) : chunk;
    out ??= [];
    for (let i = firstCr; i !== chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) this.inQuotes = !this.inQuotes;
      else if (byte === CR && !this.inQuotes) {
        if (i + 1 === chunk.length) {
          out.push(chunk.subarray(from, i));
          this.pendingCr = true;
          return Buffer.concat(out);
        }
        if (chunk[i + 1] === LF) {
          out.push(chunk.subarray(from, i));
          from = i + 1;
        }
      }
    }
    out.push(chunk.subarray(from));
    return Buffer.concat(out);
  }

  private countQuotes(chunk: Buffer): void {
    for (let i = chunk.indexOf(QUOTE); i >= 0; i = chunk.indexOf(QUOTE, i + 1)) this.inQuotes = !this.inQuotes;
  }
}
