import { expect } from "chai";
import * as fc from "fast-check";
import { decodeBase64 } from "../../functions/shared/text";
import { propertySettings } from "../support/property";

/** RFC 4648 base64 with padding, as its grammar reads: the reference `decodeBase64` must agree with. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe("decodeBase64", () => {
  it("gives back the bytes of any canonical encoding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64(Buffer.from(bytes).toString("base64"))).to.deep.equal(Buffer.from(bytes));
      }),
      propertySettings(300),
    );
  });

  it("accepts exactly the strict grammar, non-zero padding bits included, and refuses junk Buffer would skip", () => {
    const base64ish = fc.array(fc.constantFrom(..."ABQRaz09+/=", "-", "_", " ", "\n", "é", "*"), { maxLength: 12 }).map((chars) => chars.join(""));
    fc.assert(
      fc.property(base64ish, (text) => {
        const bytes = decodeBase64(text);
        expect(bytes !== undefined, text).to.equal(STRICT_BASE64.test(text));
        if (bytes) expect(bytes).to.deep.equal(Buffer.from(text, "base64"));
      }),
      propertySettings(1000),
    );
    expect(decodeBase64("QR==")).to.deep.equal(Buffer.from("A"));
    expect(decodeBase64("QQ")).to.equal(undefined);
    expect(decodeBase64("ab-_")).to.equal(undefined);
    expect(decodeBase64(42)).to.equal(undefined);
  });
});
