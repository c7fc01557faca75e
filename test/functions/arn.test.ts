import { expect } from "chai";
import * as fc from "fast-check";
import { arnResourceName, parseArn } from "../../functions/shared/arn";
import { propertySettings } from "../support/property";

/** A part of an ARN that holds no ":" (partition, service, region, account). */
const part = (minLength: number) => fc.stringMatching(/^[a-z0-9-]*$/).filter((s) => s.length >= minLength && s.length <= 16);

describe("ARNs (functions/shared/arn.ts)", () => {
  describe("parseArn", () => {
    it("splits the ARNs the stacks and the local runtime read, keeping a resource's own ':' and '/'", () => {
      expect(parseArn("arn:aws:dynamodb:eu-west-1:111111111111:table/clicks/stream/2026-11-26T10:00:00.000")).to.deep.equal({
        partition: "aws",
        service: "dynamodb",
        region: "eu-west-1",
        accountId: "111111111111",
        resource: "table/clicks/stream/2026-11-26T10:00:00.000",
      });
      expect(parseArn("arn:aws-cn:lambda:cn-north-1:222222222222:function:clicks:live")).to.deep.include({
        partition: "aws-cn",
        resource: "function:clicks:live",
      });
      expect(parseArn("arn:aws:s3:::archive-bucket")).to.deep.equal({ partition: "aws", service: "s3", region: "", accountId: "", resource: "archive-bucket" });
      expect(parseArn("arn:aws:iam::111111111111:role/path/loader")).to.deep.include({ region: "", accountId: "111111111111", resource: "role/path/loader" });
    });

    it("gives back the parts of any well-formed ARN", () => {
      const resource = fc
        .array(fc.constantFrom("table", "clicks", "stream", "/", ":", "2026", "-", ""), { minLength: 1, maxLength: 8 })
        .map((xs) => xs.join(""));
      fc.assert(
        fc.property(part(1), part(1), part(0), part(0), resource, (partition, service, region, accountId, res) => {
          expect(parseArn(`arn:${partition}:${service}:${region}:${accountId}:${res}`)).to.deep.equal({ partition, service, region, accountId, resource: res });
        }),
        propertySettings(300),
      );
    });

    it("is undefined for anything that is not an ARN: another prefix, no resource, no partition or no service", () => {
      for (const text of [
        "urn:aws:dynamodb:eu-west-1:111111111111:table/clicks",
        "ARN:aws:dynamodb:eu-west-1:111111111111:table/clicks",
        "arn:aws:dynamodb:eu-west-1:111111111111",
        "arn::dynamodb:eu-west-1:111111111111:table/clicks",
        "arn:aws::eu-west-1:111111111111:table/clicks",
        "clicks",
        "",
      ]) {
        expect(parseArn(text), text).to.equal(undefined);
      }
    });
  });

  describe("arnResourceName", () => {
    it("names a table from its stream's ARN and a function from its ARN, qualified or not", () => {
      expect(arnResourceName("arn:aws:dynamodb:eu-west-1:111111111111:table/clicks/stream/2026-11-26T10:00:00.000", "table")).to.equal("clicks");
      expect(arnResourceName("arn:aws:dynamodb:eu-west-1:111111111111:table/clicks", "table")).to.equal("clicks");
      expect(arnResourceName("arn:aws:lambda:eu-west-1:111111111111:function:ingest", "function")).to.equal("ingest");
      expect(arnResourceName("arn:aws:lambda:eu-west-1:111111111111:function:ingest:live", "function")).to.equal("ingest");
      expect(arnResourceName("arn:aws:kinesis:eu-west-1:111111111111:stream/clicks/consumer/replication:1700000000", "stream")).to.equal("clicks");
    });

    it("is undefined for another resource type, a type that is only a prefix of the resource's, no name, or no ARN at all", () => {
      expect(arnResourceName("arn:aws:lambda:eu-west-1:111111111111:function:ingest", "table")).to.equal(undefined);
      expect(arnResourceName("arn:aws:dynamodb:eu-west-1:111111111111:tableXclicks/stream/1", "table")).to.equal(undefined);
      expect(arnResourceName("arn:aws:dynamodb:eu-west-1:111111111111:tables/clicks", "table")).to.equal(undefined);
      expect(arnResourceName("arn:aws:lambda:eu-west-1:111111111111:function", "function")).to.equal(undefined);
      expect(arnResourceName("arn:aws:lambda:eu-west-1:111111111111:function:", "function")).to.equal(undefined);
      expect(arnResourceName("ingest", "function")).to.equal(undefined);
      expect(arnResourceName("", "function")).to.equal(undefined);
    });
  });
});
