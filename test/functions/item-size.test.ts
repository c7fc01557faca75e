import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { decodeRecord, MAX_ITEM_BYTES } from "../../functions/ingest/core";
import { itemSizeBytes } from "../../functions/ingest/item-size";
import { kinesisRecord, sequenceNumber } from "../support/kinesis";

// The rules, from "DynamoDB item sizes and formats"
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// the attribute name's UTF-8 bytes plus the value's; a number 1 byte per two significant digits
// plus 1; a list or map 3 bytes plus 1 per element plus its elements. The ingest function parks an
// item over 400 KB by this count, so counting too little lets DynamoDB refuse the whole batch.
const sizeOf = (value: AttributeValue, name = "a") => itemSizeBytes({ [name]: value });

describe("ingest item size (DynamoDB's 400 KB rule)", () => {
  it("counts names and strings in UTF-8 bytes, not characters", () => {
    expect(sizeOf({ S: "" })).to.equal(1);
    expect(sizeOf({ S: "héllo" }, "名前")).to.equal(6 + 6);
    expect(itemSizeBytes({ a: { S: "xy" }, bb: { S: "z" } })).to.equal(1 + 2 + 2 + 1);
  });

  it("counts a number by its significant digits, trimming sign, exponent, point and zeroes", () => {
    const cases: [string, number][] = [
      ["7", 1],
      ["12345", 3],
      ["-12345", 3],
      ["123456", 3],
      ["0", 1],
      ["-0.0", 1],
      ["1000000", 1],
      ["00012", 1],
      ["0.00012300", 2],
      ["1200.5", 3],
      ["1.5e+10", 1],
      ["15E-3", 1],
      ["123456789012345678901234567890123456e99", 18],
    ];
    for (const [n, digitBytes] of cases) expect(sizeOf({ N: n }), n).to.equal(1 + digitBytes + 1);
  });

  it("counts binary values by their raw bytes, booleans and nulls as one byte", () => {
    expect(sizeOf({ B: new Uint8Array([0, 1, 2, 255]) })).to.equal(1 + 4);
    expect(sizeOf({ BOOL: false })).to.equal(1 + 1);
    expect(sizeOf({ NULL: true })).to.equal(1 + 1);
  });

  it("counts sets as the sum of their members", () => {
    expect(sizeOf({ SS: ["ab", "é"] })).to.equal(1 + 2 + 2);
    expect(sizeOf({ NS: ["12345", "1"] })).to.equal(1 + 4 + 2);
    expect(sizeOf({ BS: [new Uint8Array(3), new Uint8Array(5)] })).to.equal(1 + 3 + 5);
  });

  it("counts a list as 3 bytes, plus 1 and the size of each element", () => {
    expect(sizeOf({ L: [] })).to.equal(1 + 3);
    expect(sizeOf({ L: [{ S: "abc" }, { BOOL: true }] })).to.equal(1 + 3 + (1 + 3) + (1 + 1));
  });

  it("counts a map as 3 bytes, plus 1, the name and the size of each entry, at every depth", () => {
    expect(sizeOf({ M: {} })).to.equal(1 + 3);
    expect(sizeOf({ M: { ab: { S: "xyz" }, c: { NULL: true } } })).to.equal(1 + 3 + (1 + 2 + 3) + (1 + 1 + 1));
    const nested = { M: { inner: { M: { deep: { L: [{ N: "12" }] } } } } };
    expect(sizeOf(nested)).to.equal(1 + 3 + (1 + 5 + 3 + (1 + 4 + 3 + (1 + 2))));
  });

  it("counts an attribute of no known type as its name alone", () => {
    expect(sizeOf({} as AttributeValue, "abc")).to.equal(3);
  });

  it("parks a payload whose bulk sits in nested maps and lists, which DynamoDB would refuse", () => {
    const half = "x".repeat(MAX_ITEM_BYTES / 2);
    const record = kinesisRecord({ profile: { a: { b: half }, c: [half] } }, sequenceNumber(1));
    const outcome = decodeRecord(record);
    expect(outcome.ok).to.equal(false);
    if (!outcome.ok) expect(outcome.reason).to.equal("item-too-large");
  });
});
