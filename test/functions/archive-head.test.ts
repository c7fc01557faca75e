import { expect } from "chai";
import * as fc from "fast-check";
import { gzipSync } from "node:zlib";
import { ArchiveHead, HEAD_BYTES, NotArchiveText } from "../../functions/load/archive-head";
import { codePoint } from "../support/json-values";
import { propertySettings } from "../support/property";

/** The bytes ArchiveHead passes on for an object arriving in these chunks, or the error it fails with. */
async function through(chunks: Buffer[]): Promise<Buffer | Error> {
  const head = new ArchiveHead();
  const out: Buffer[] = [];
  head.on("data", (data: Buffer) => out.push(data));
  const ended = new Promise<Buffer | Error>((done) => {
    head.on("end", () => done(Buffer.concat(out)));
    head.on("error", done);
  });
  for (const chunk of chunks) head.write(chunk);
  head.end();
  return ended;
}

/** The object cut at these points. */
const cut = (whole: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts.map((c) => Math.min(c, whole.length)))].sort((a, b) => a - b);
  return [0, ...points].map((from, i) => whole.subarray(from, [...points, whole.length][i]));
};
const cuts = fc.array(fc.nat(HEAD_BYTES + 200), { maxLength: 6 });

describe("loader archive head (an object that is not text is refused whole)", () => {
  it("passes any UTF-8 text through unchanged, however it is cut into chunks, a character split at the checked length included", async () => {
    const text = fc.array(codePoint, { maxLength: 40 }).map((points) => String.fromCodePoint(...points));
    await fc.assert(
      fc.asyncProperty(fc.nat(HEAD_BYTES + 8), text, cuts, async (padding, rest, at) => {
        const whole = Buffer.from(`${"a".repeat(padding)}${rest}`, "utf8");
        expect(await through(cut(whole, at))).to.deep.equal(whole);
      }),
      propertySettings(200),
    );
  });

  it("fails on GZIP's signature however the first bytes arrive", async () => {
    const gzipped = gzipSync("a,b\n");
    for (const chunks of [[gzipped], [gzipped.subarray(0, 1), gzipped.subarray(1)]]) {
      const failure = await through(chunks);
      expect(failure).to.be.instanceOf(NotArchiveText);
      expect((failure as Error).message).to.match(/^it starts with GZIP's signature \(1f 8b\)/);
    }
  });

  it("fails on a byte that is not UTF-8 anywhere in the first line or its first HEAD_BYTES, however cut, and only there", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(HEAD_BYTES + 100), fc.boolean(), cuts, async (at, lineFirst, where) => {
        const prefix = lineFirst ? "x,y\n" : "";
        const whole = Buffer.concat([Buffer.from(prefix + "a".repeat(at)), Buffer.from([0xff]), Buffer.from("\nb\n")]);
        const result = await through(cut(whole, where));
        const checked = !lineFirst && at < HEAD_BYTES;
        if (checked) expect((result as Error).message).to.match(/^its first line is not UTF-8 text/);
        else expect(result).to.deep.equal(whole);
      }),
      propertySettings(200),
    );
  });

  it("fails on an object that ends inside a character", async () => {
    expect(await through([Buffer.from([0x61, 0xe2, 0x82])])).to.be.instanceOf(NotArchiveText);
  });
});
