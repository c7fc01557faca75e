import { expect } from "chai";
import * as fc from "fast-check";
import { ArchiveText } from "../../functions/load/archive-text";
import { propertySettings } from "../support/property";

const BOM = [0xef, 0xbb, 0xbf];

/** What the loader's LOCAL stream hands MySQL for an object arriving in these chunks. */
async function through(chunks: (string | number[])[]): Promise<string> {
  const text = new ArchiveText();
  const out: Buffer[] = [];
  text.on("data", (data: Buffer) => out.push(data));
  const ended = new Promise((done) => text.on("end", done));
  for (const chunk of chunks) text.write(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk));
  text.end();
  await ended;
  return Buffer.concat(out).toString("latin1");
}
const bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");

describe("loader archive text (what LOAD DATA LOCAL reads)", () => {
  it("drops a UTF-8 byte order mark at the start of the object, also when it arrives byte by byte", async () => {
    expect(await through([[...BOM, 0x61], ",b\n"])).to.equal("a,b\n");
    expect(await through([[0xef], [0xbb], [0xbf], "a\n"])).to.equal("a\n");
    expect(
      await through([
        [0xef, 0xbb],
        [0xbf, 0x61],
      ]),
    ).to.equal("a");
    expect(await through([[...BOM]])).to.equal("");
  });

  it("keeps bytes that only begin like a byte order mark, and one that is not at the start", async () => {
    expect(await through([[0xef, 0xbb], "x"])).to.equal("\xef\xbbx");
    expect(await through([[0xef]])).to.equal("\xef");
    expect(await through(["a", [...BOM]])).to.equal("a\xef\xbb\xbf");
    expect(await through(["é,ü\n"])).to.equal(bytes("é,ü\n"));
  });

  it("turns a CRLF line end into LF, and keeps a CR inside quotes or not followed by LF", async () => {
    expect(await through(['a,"x\r\ny"\r\nb\rc\r\n'])).to.equal('a,"x\r\ny"\nb\rc\n');
    expect(await through(['"q""\r\n",1\r\n'])).to.equal('"q""\r\n",1\n');
  });

  it("joins a CR at the end of one chunk with the LF that starts the next", async () => {
    expect(await through(["a\r", "\nb\r", "c\r", "\r\n"])).to.equal("a\nb\rc\r\n");
    expect(await through(["a\r"])).to.equal("a\r");
    // Why: an empty chunk between the CR and the LF let the CR through into the last field.
    expect(await through(["a\r", "", "\n"])).to.equal("a\n");
  });

  it("carries the quote state across chunks that hold no CR", async () => {
    expect(await through(['a,"x', "y\r\nz", '"\r\n'])).to.equal('a,"xy\r\nz"\n');
    expect(await through(['"a"', '"b"', "\r\n"])).to.equal('"a""b"\n');
  });

  it("gives the same bytes however the object is cut into chunks", async () => {
    const piece = fc.constantFrom("a", ",", '"', "\r", "\n", "\r\n", "é", "\ufeff");
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(40), { maxLength: 6 }), async (pieces, cuts) => {
        const whole = Buffer.from(pieces.join(""), "utf8");
        const points = [...new Set(cuts.map((c) => Math.min(c, whole.length)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => [...whole.subarray(from, [...points, whole.length][i])]);
        expect(await through(chunks)).to.equal(await through([[...whole]]));
      }),
      propertySettings(200),
    );
  });
});
