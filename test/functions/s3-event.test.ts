import { expect } from "chai";
import * as fc from "fast-check";
import { decodeS3Key, encodeS3Key, NotAnS3Event, s3EventObjects } from "../../functions/load/s3-event";
import { propertySettings } from "../support/property";

describe("S3 events (functions/load/s3-event.ts)", () => {
  it("encodes a key as S3 notifications carry it: URL-encoded, '/' kept, spaces as '+'", () => {
    expect(encodeS3Key("processed/v2/2026/11/26/10/a b+c.csv")).to.equal("processed/v2/2026/11/26/10/a+b%2Bc.csv");
    expect(encodeS3Key("Zoë's 100%.csv")).to.equal("Zo%C3%AB's+100%25.csv");
  });

  it("decodes every encoded key back to itself", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "/", " ", "+", "%", "é", "😀", "'", "=", "&", "?", "#", "2", "F"), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(key, fc.string({ unit: "grapheme", maxLength: 24 })), (k) => {
        expect(decodeS3Key(encodeS3Key(k))).to.equal(k);
      }),
      propertySettings(500),
    );
  });

  it("refuses an event whose rebuild field holds no run name, rather than failing with a TypeError", () => {
    const record = { eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "processed/a.csv" } } };
    expect(() => s3EventObjects({ Records: [record], rebuild: null }, "processed/")).to.throw(
      NotAnS3Event,
      'a rebuild event\'s rebuild.run must be 1 to 64 letters, digits or "_.:-", got undefined',
    );
    expect(() => s3EventObjects({ Records: [record], rebuild: {} }, "processed/")).to.throw(NotAnS3Event, "got undefined");
  });

  it("refuses an S3 record without its s3 part, naming the record, rather than failing with a TypeError", () => {
    const good = { eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "processed/a.csv" } } };
    expect(() => s3EventObjects({ Records: [good, { eventSource: "aws:s3", eventName: "ObjectCreated:Put" }] }, "processed/")).to.throw(
      NotAnS3Event,
      "not an S3 event the loader can act on: record 1 has no s3.bucket.name and s3.object.key",
    );
    expect(() => s3EventObjects({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: {} }] }, "processed/")).to.throw(
      NotAnS3Event,
      "record 0 has no s3.bucket.name and s3.object.key",
    );
    expect(() =>
      s3EventObjects({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" } } }] }, "processed/"),
    ).to.throw(NotAnS3Event, "record 0 has no s3.bucket.name and s3.object.key");
  });
});
