import type { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { s3Opener } from "../../functions/load/s3-source";

/** What the database reads from a stream, or the error it meets. */
async function readAll(stream: Readable): Promise<string | Error> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (error) {
    return error as Error;
  }
  return Buffer.concat(chunks).toString("utf8");
}

describe("loader S3 source (what LOAD DATA LOCAL reads, and what it reads ahead)", () => {
  /** Opens an object whose body arrives in these chunks, as GetObject's stream. */
  const open = (key: string, chunks: Buffer[]) => {
    const s3 = { send: async () => ({ Body: Readable.from(chunks) }) } as unknown as Pick<S3Client, "send">;
    return s3Opener(s3)({ bucket: "archive", key, etag: "e", size: 1 });
  };
  const text = Array.from({ length: 400 }, (_, i) => `k${i},\u00e9t\u00e9,${i}\r\n`).join("");

  it("reads ahead the start of the text, unzipped and with LF line ends, and still streams all of it after", async () => {
    for (const [key, body] of [
      ["processed/a.csv", Buffer.from(text)],
      ["processed/a.csv.gz", gzipSync(text)],
    ] as const) {
      const opened = await open(key, [body.subarray(0, 7), body.subarray(7, 5000), body.subarray(5000)]);
      const head = await opened.peek(1000);
      expect(head.length, key).to.be.at.least(1000);
      expect(text.replace(/\r\n/g, "\n").startsWith(head.toString("utf8")), key).to.equal(true);
      expect(await opened.peek(10), "read ahead once").to.equal(head);
      expect(await readAll(opened.stream()), key).to.equal(text.replace(/\r\n/g, "\n"));
    }
  });

  it("reads ahead a whole object shorter than asked, and streams it once", async () => {
    const opened = await open("processed/short.csv", [Buffer.from("k1,a\n")]);
    expect((await opened.peek(65536)).toString()).to.equal("k1,a\n");
    expect(await readAll(opened.stream())).to.equal("k1,a\n");
  });

  it("streams an object it did not read ahead as it is", async () => {
    const opened = await open("processed/b.csv", [Buffer.from(text)]);
    expect(await readAll(opened.stream())).to.equal(text.replace(/\r\n/g, "\n"));
  });

  it("says why an object cannot be read once the read ahead met it, and the stream fails with it", async () => {
    const opened = await open("processed/c.csv", [gzipSync(text)]);
    await opened.peek(1000);
    expect(opened.failure()?.message).to.match(/^it starts with GZIP's signature/);
    expect(await readAll(opened.stream())).to.be.instanceOf(Error);
  });
});
