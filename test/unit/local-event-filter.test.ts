import { expect } from "chai";
import * as fc from "fast-check";
import { ALL_BUT_EXPIRIES, EXPIRY_IDENTITY, isExpiry } from "../../functions/shared/table-stream";
import { compileFilters, compilePattern } from "../../local/runtime/event-filter";
import { propertySettings } from "../support/property";

const matches = (pattern: object, record: object) => compilePattern(JSON.stringify(pattern))(record);

describe("the local runtime's event filters (Lambda's filterCriteria)", () => {
  // Each comparison operator of the table on https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html,
  // with its own example: the records it lets through and those it does not.
  describe("the operators AWS documents, on AWS's examples", () => {
    const cases: [string, object, object[], object[]][] = [
      ["Null: UserID is null", { UserID: [null] }, [{ UserID: null }], [{ UserID: "u-1" }, { UserID: "" }, {}]],
      ["Empty: LastName is empty", { LastName: [""] }, [{ LastName: "" }], [{ LastName: "Doe" }, { LastName: null }, {}]],
      ['Equals: Name is "Alice"', { Name: ["Alice"] }, [{ Name: "Alice" }], [{ Name: "alice" }, { Name: "Alice " }, {}]],
      [
        'And: Location is "New York" and Day is "Monday"',
        { Location: ["New York"], Day: ["Monday"] },
        [{ Location: "New York", Day: "Monday" }],
        [{ Location: "New York", Day: "Tuesday" }, { Location: "New York" }],
      ],
      [
        'Or: PaymentType is "Credit" or "Debit"',
        { PaymentType: ["Credit", "Debit"] },
        [{ PaymentType: "Credit" }, { PaymentType: "Debit" }],
        [{ PaymentType: "Cash" }, {}],
      ],
      [
        'Not: Weather is anything but "Raining"',
        { Weather: [{ "anything-but": ["Raining"] }] },
        [{ Weather: "Sunny" }, { Weather: "raining" }],
        [{ Weather: "Raining" }, {}],
      ],
      ["Numeric (equals): Price is 100", { Price: [{ numeric: ["=", 100] }] }, [{ Price: 100 }], [{ Price: 101 }, { Price: "100" }, {}]],
      [
        "Numeric (range): Price is more than 10, and less than or equal to 20",
        { Price: [{ numeric: [">", 10, "<=", 20] }] },
        [{ Price: 10.5 }, { Price: 20 }],
        [{ Price: 10 }, { Price: 20.01 }, {}],
      ],
      ["Exists: ProductName exists", { ProductName: [{ exists: true }] }, [{ ProductName: "Lamp" }, { ProductName: "" }], [{}, { Product: "Lamp" }]],
      ["Does not exist: ProductName does not exist", { ProductName: [{ exists: false }] }, [{}, { Product: "Lamp" }], [{ ProductName: "Lamp" }]],
      ["Begins with: Region is in the US", { Region: [{ prefix: "us-" }] }, [{ Region: "us-east-1" }], [{ Region: "eu-west-1" }, { Region: "US-east-1" }, {}]],
    ];
    for (const [what, pattern, through, not] of cases) {
      it(what, () => {
        for (const record of through) expect(matches(pattern, record), JSON.stringify(record)).to.equal(true);
        for (const record of not) expect(matches(pattern, record), JSON.stringify(record)).to.equal(false);
      });
    }

    it("the page's Kinesis example: a metadata property (partitionKey) and a data property (Location) together", () => {
      const pattern = { partitionKey: ["1"], data: { Location: ["Los Angeles"] } };
      expect(matches(pattern, { partitionKey: "1", data: { Location: "Los Angeles" } })).to.equal(true);
      expect(matches(pattern, { partitionKey: "2", data: { Location: "Los Angeles" } })).to.equal(false);
      expect(matches(pattern, { partitionKey: "1", data: { Location: "Seattle" } })).to.equal(false);
    });

    it("the page's multi-level example: a DynamoDB record whose key Id is 101", () => {
      const pattern = { dynamodb: { Keys: { Id: { N: ["101"] } } } };
      const record = {
        eventName: "INSERT",
        dynamodb: {
          Keys: { Id: { N: "101" } },
          NewImage: { Message: { S: "New item!" }, Id: { N: "101" } },
          SequenceNumber: "111",
          SizeBytes: 26,
          StreamViewType: "NEW_AND_OLD_IMAGES",
        },
      };
      expect(matches(pattern, record)).to.equal(true);
      expect(matches(pattern, { ...record, dynamodb: { ...record.dynamodb, Keys: { Id: { N: "102" } } } })).to.equal(false);
      expect(matches(pattern, { ...record, dynamodb: { ...record.dynamodb, Keys: { Id: { S: "101" } } } })).to.equal(false);
    });
  });

  describe("the rules around the operators", () => {
    it("needs every field a pattern names: a record lacking one does not match, a parent object absent included", () => {
      expect(matches({ a: ["x"], b: ["y"] }, { a: "x" })).to.equal(false);
      expect(matches({ userIdentity: { type: ["Service"] } }, { eventName: "REMOVE" })).to.equal(false);
      expect(matches({ userIdentity: { type: [{ "anything-but": ["Service"] }] } }, { eventName: "REMOVE" })).to.equal(false);
    });

    it("matches exists: false on a leaf whose parent object is absent, as EventBridge's flattened fields do", () => {
      expect(matches({ userIdentity: { type: [{ exists: false }] } }, { eventName: "REMOVE" })).to.equal(true);
      expect(matches({ userIdentity: { type: [{ exists: false }] } }, { userIdentity: { principalId: "p" } })).to.equal(true);
      expect(matches({ userIdentity: { type: [{ exists: false }] } }, { userIdentity: { type: "Service" } })).to.equal(false);
    });

    it("takes exists on leaves only: an object is no value (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html)", () => {
      expect(matches({ dynamodb: [{ exists: true }] }, { dynamodb: { Keys: {} } })).to.equal(false);
      expect(matches({ dynamodb: { Keys: { Id: [{ exists: true }] } } }, { dynamodb: { Keys: { Id: { N: "1" } } } })).to.equal(false);
      expect(matches({ dynamodb: { Keys: { Id: { N: [{ exists: true }] } } } }, { dynamodb: { Keys: { Id: { N: "1" } } } })).to.equal(true);
    });

    it("matches a field holding an array when one of its elements matches", () => {
      expect(matches({ tags: ["b"] }, { tags: ["a", "b"] })).to.equal(true);
      expect(matches({ tags: ["c"] }, { tags: ["a", "b"] })).to.equal(false);
      expect(matches({ items: { sku: [{ prefix: "x-" }] } }, { items: [{ sku: "a-1" }, { sku: "x-2" }] })).to.equal(true);
    });

    it('compares values of the same type only: the string "100" is not the number 100, true is not "true"', () => {
      expect(matches({ n: ["100"] }, { n: 100 })).to.equal(false);
      expect(matches({ n: [100] }, { n: 100 })).to.equal(true);
      expect(matches({ b: [true] }, { b: "true" })).to.equal(false);
      expect(matches({ s: [{ prefix: "1" }] }, { s: 100 })).to.equal(false);
    });

    it("takes anything-but a single value, a list, or a prefix, each needing the field present", () => {
      expect(matches({ s: [{ "anything-but": "initializing" }] }, { s: "running" })).to.equal(true);
      expect(matches({ s: [{ "anything-but": "initializing" }] }, { s: "initializing" })).to.equal(false);
      expect(matches({ r: [{ "anything-but": { prefix: "us-" } }] }, { r: "eu-west-1" })).to.equal(true);
      expect(matches({ r: [{ "anything-but": { prefix: "us-" } }] }, { r: "us-east-1" })).to.equal(false);
      expect(matches({ r: [{ "anything-but": { prefix: "us-" } }] }, {})).to.equal(false);
    });

    it("ORs a mapping's filters: a record is delivered when one matches, never when none does", () => {
      const delivered = compileFilters([JSON.stringify({ a: ["1"] }), JSON.stringify({ b: ["2"] })]);
      expect([{ a: "1" }, { b: "2" }, { a: "3", b: "3" }, {}].map(delivered)).to.deep.equal([true, true, false, false]);
      expect(compileFilters([])({ a: "1" })).to.equal(false);
    });

    it("refuses, naming the field, a pattern Lambda would not take", () => {
      expect(() => compilePattern("{ not json")).to.throw(/^filter pattern is not JSON: /);
      expect(() => compilePattern(JSON.stringify({ a: "x" }))).to.throw('filter pattern: a must be a list of rules or an object of fields, not "x"');
      expect(() => compilePattern(JSON.stringify({ a: { b: [{ wildcard: "*" }] } }))).to.throw(
        'filter pattern: a.b uses "wildcard", an operator Lambda\'s filters do not have',
      );
      expect(() => compilePattern(JSON.stringify({ a: [{ numeric: ["~", 1] }] }))).to.throw(/a numeric has "~" 1/);
      expect(() => compilePattern(JSON.stringify({ a: [{ exists: "yes" }] }))).to.throw("filter pattern: a exists takes true or false");
      expect(() => compilePattern(JSON.stringify([{ a: ["x"] }]))).to.throw("filter pattern must be a JSON object");
    });
  });

  describe("ALL_BUT_EXPIRIES, the table stream mappings' filters", () => {
    const otherText = fc.oneof(
      fc.constantFrom("service", "AWS", "", "Service ", "dynamodb.amazonaws.com.", "replication.dynamodb.amazonaws.com", "AIDAEXAMPLE"),
      fc.string({ maxLength: 12 }),
    );
    /** A field that is absent, equal to the expiry's, or anything else. */
    const field = (expiry: string) => fc.oneof(fc.constant(undefined), fc.constant(expiry), otherText);
    const userIdentity = fc.oneof(
      fc.constant(undefined),
      fc
        .record({ type: field(EXPIRY_IDENTITY.type), principalId: field(EXPIRY_IDENTITY.principalId) })
        .map((identity) => JSON.parse(JSON.stringify(identity)) as Record<string, string>),
    );
    const record = fc.record({ eventName: fc.constantFrom("INSERT", "MODIFY", "REMOVE"), userIdentity }).map(({ eventName, userIdentity }) => ({
      eventID: "1",
      eventName,
      eventSource: "aws:dynamodb",
      dynamodb: { Keys: { Id: { N: "101" } }, SequenceNumber: "111", SizeBytes: 26, StreamViewType: "NEW_AND_OLD_IMAGES" },
      ...(userIdentity && { userIdentity }),
    }));
    // As the mappings carry them: each pattern as JSON text.
    const delivered = compileFilters(ALL_BUT_EXPIRIES.map((pattern) => JSON.stringify(pattern)));

    it("deliver a record exactly when it is not a TTL expiry, for every event name and every userIdentity", () => {
      fc.assert(
        fc.property(record, (r) => {
          expect(delivered(r), JSON.stringify(r)).to.equal(!isExpiry(r as never));
        }),
        propertySettings(2_000),
      );
    });

    it("hold back AWS's TTL expiry, and let through a user's delete of the same item", () => {
      const expiry = { eventName: "REMOVE", userIdentity: { ...EXPIRY_IDENTITY }, dynamodb: { Keys: { Id: { N: "101" } } } };
      expect(delivered(expiry)).to.equal(false);
      expect(delivered({ eventName: "REMOVE", dynamodb: expiry.dynamodb })).to.equal(true);
    });

    it("stay within Lambda's default of five filters a mapping", () => {
      expect(ALL_BUT_EXPIRIES.length).to.be.at.most(5);
    });
  });
});
