import { expect } from "chai";
import { type DocumentKind, type EmittedDocument, type Statement } from "./documents";
import { ruleViolations } from "./rules";

const ACCOUNT = "111111111111";
const STREAM = `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/clicks`;
const CONSUMER = `${STREAM}/consumer/ingest:1700000000`;
const BUCKET = "arn:aws:s3:::clicks-archive";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ingest`;

function document(kind: DocumentKind, governs: string, ...statements: Statement[]): EmittedDocument {
  return {
    id: `test:${kind}`,
    kind,
    resource: {} as EmittedDocument["resource"],
    field: "policy",
    document: { Version: "2012-10-17", Statement: statements },
    governs,
  };
}

const allow = (Action: string | string[], Resource: string | string[], extra: Partial<Statement> = {}): Statement => ({
  Effect: "Allow",
  Action,
  Resource,
  ...extra,
});

describe("security: the rules every policy statement keeps (test/security/rules.ts)", () => {
  it("passes grants that take effect: actions on resources they act on, conditions their requests carry", async () => {
    const identity = document(
      "identity",
      ROLE,
      allow(["kinesis:GetRecords", "kinesis:GetShardIterator"], STREAM),
      allow("kinesis:SubscribeToShard", CONSUMER),
      allow("s3:GetObject", `${BUCKET}/processed/*`),
      allow("s3:ListBucket", BUCKET, { Condition: { StringLike: { "s3:prefix": "processed/*" } } }),
      allow("sts:GetCallerIdentity", "*"),
    );
    expect(await ruleViolations(identity)).to.deep.equal([]);
    const bucket = document("bucket", BUCKET, allow("s3:GetObject", `${BUCKET}/*`, { Principal: { AWS: ROLE } }));
    expect(await ruleViolations(bucket)).to.deep.equal([]);
  });

  it("refuses an action on no resource it acts on, taking a consumer's ARN as a consumer's, not a stream's", async () => {
    expect(await ruleViolations(document("identity", ROLE, allow(["kinesis:GetRecords", "kinesis:PutRecord"], CONSUMER)))).to.deep.equal([
      "statement 0 (no Sid): grants kinesis:GetRecords on no resource it acts on",
      "statement 0 (no Sid): grants kinesis:PutRecord on no resource it acts on",
    ]);
    expect(await ruleViolations(document("identity", ROLE, allow("sts:GetCallerIdentity", STREAM)))).to.deep.equal([
      "statement 0 (no Sid): grants sts:GetCallerIdentity on no resource it acts on",
    ]);
  });

  it("refuses in a trust policy an action that does not act on the role it is attached to", async () => {
    const trust = document("trust", ROLE, {
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:GetCallerIdentity"],
    });
    expect(await ruleViolations(trust)).to.deep.equal(["statement 0 (no Sid): grants sts:GetCallerIdentity on no resource it acts on"]);
  });

  it("refuses a condition the action's requests never carry, which would leave the grant dead", async () => {
    const statement = allow(["s3:ListBucket", "s3:GetBucketLocation"], BUCKET, { Condition: { StringLike: { "s3:prefix": "processed/*" } } });
    expect(await ruleViolations(document("identity", ROLE, statement))).to.deep.equal([
      "statement 0 (no Sid): holds s3:GetBucketLocation to s3:prefix, which its requests never carry, so the grant never applies",
    ]);
  });

  it("refuses a grant another statement already makes, to the same principal under the same conditions", async () => {
    const twice = document("identity", ROLE, allow("s3:GetObject", `${BUCKET}/processed/*`), allow(["s3:GetObject", "s3:PutObject"], `${BUCKET}/*`));
    expect(await ruleViolations(twice)).to.deep.equal([
      "statement 0 (no Sid): grants again on arn:aws:s3:::clicks-archive/processed/* what statement 1 grants",
    ]);
  });

  it("refuses a resource policy naming anything but the resource it is attached to, and allows a key policy's *", async () => {
    const widened = document("bucket", BUCKET, allow("s3:GetObject", [`${BUCKET}/*`, "arn:aws:s3:::other/*", "*"], { Principal: { AWS: ROLE } }));
    expect(await ruleViolations(widened)).to.deep.equal([
      "statement 0 (no Sid): names arn:aws:s3:::other/*, which the bucket policy of arn:aws:s3:::clicks-archive does not govern",
      "statement 0 (no Sid): names *, which the bucket policy of arn:aws:s3:::clicks-archive does not govern",
    ]);
    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`;
    expect(
      await ruleViolations(document("topic", topic, allow("sns:Publish", `${topic}-other`, { Principal: { Service: "cloudwatch.amazonaws.com" } }))),
    ).to.deep.equal([`statement 0 (no Sid): names ${topic}-other, which the topic policy of ${topic} does not govern`]);
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0c1d2e3f`;
    expect(await ruleViolations(document("key", key, allow("kms:Decrypt", "*", { Principal: { AWS: ROLE } })))).to.deep.equal([]);
  });
});
