import type { DynamoDBRecord } from "aws-lambda";
import { expect } from "chai";
import { decimalParts, fractionDigits, integerValue, plainDecimal } from "../../functions/shared/decimal-text";
import { dynamoNumberProblem } from "../../functions/shared/dynamodb-number";
import { sequenceOf } from "../../functions/shared/table-stream";

describe("decimal text", () => {
  it("takes a number's text apart into sign, significant digits and point", () => {
    const cases: [string, ReturnType<typeof decimalParts>][] = [
      ["1.50", { negative: false, digits: "15", point: 1 }],
      ["-0.025", { negative: true, digits: "25", point: -1 }],
      ["1E+125", { negative: false, digits: "1", point: 126 }],
      ["+007.5e-3", { negative: false, digits: "75", point: -2 }],
      ["-0.000", { negative: false, digits: "", point: 0 }],
      ["120", { negative: false, digits: "12", point: 3 }],
      [".5", { negative: false, digits: "5", point: 0 }],
      ["5.", { negative: false, digits: "5", point: 1 }],
    ];
    for (const [text, parts] of cases) expect(decimalParts(text), text).to.deep.equal(parts);
    for (const text of ["", ".", "-", "e5", "1x", "x1", "1e", "--1"]) expect(decimalParts(text), text).to.equal(undefined);
  });

  it("writes a value as plain decimal text, and integral ones as BigInt", () => {
    const plain = (text: string) => plainDecimal(decimalParts(text)!);
    expect(["1.50", "-0.025", "1E+3", "-12.5e1", "0.0", "123.456", "-1e-3"].map(plain)).to.deep.equal([
      "1.5",
      "-0.025",
      "1000",
      "-125",
      "0",
      "123.456",
      "-0.001",
    ]);
    expect(["1E+3", "-12.5e1", "0", "42"].map((t) => integerValue(decimalParts(t)!))).to.deep.equal([1000n, -125n, 0n, 42n]);
    expect(["1.25", "100", "1e-3", "0"].map((t) => fractionDigits(decimalParts(t)!))).to.deep.equal([2, 0, 3, 0]);
  });

  it("tells which numbers DynamoDB cannot hold: past 38 digits, above 9.99…E+125, below 1E-130; zero always fits", () => {
    expect(dynamoNumberProblem("9.99e125")).to.equal(undefined);
    expect(dynamoNumberProblem("1e126")).to.deep.equal({ reason: "number-out-of-range", why: "is above DynamoDB's largest magnitude, 9.99…E+125" });
    expect(dynamoNumberProblem("1e-130")).to.equal(undefined);
    expect(dynamoNumberProblem("1e-131")).to.deep.equal({ reason: "number-out-of-range", why: "is below DynamoDB's smallest magnitude, 1E-130" });
    expect(dynamoNumberProblem("0e-999")).to.equal(undefined);
    expect(dynamoNumberProblem("1".repeat(38))).to.equal(undefined);
    expect(dynamoNumberProblem("1".repeat(39))).to.deep.equal({ reason: "number-too-precise", why: "has 39 significant digits; DynamoDB keeps 38" });
  });

  it("names a stream record by its sequence number, else its eventID", () => {
    expect(sequenceOf({ eventID: "e-1", dynamodb: { SequenceNumber: "500" } } as DynamoDBRecord)).to.equal("500");
    expect(sequenceOf({ eventID: "e-1" } as DynamoDBRecord)).to.equal("e-1");
    expect(sequenceOf({} as DynamoDBRecord)).to.equal("");
  });
});
