import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { expect } from "chai";
import { sessionNameFor, writerRoleCredentials } from "../../functions/ingest/writer-credentials";

const ROLE_ARN = "arn:aws:iam::999999999999:role/clicks-writer-role-1a2b3c4";
const MINUTE = 60_000;

describe("push mode: writer role credentials", () => {
  // Mocked from the first hook to the last, not while other files run: mockClient patches the class.
  let sts: AwsClientStub<STSClient>;
  let clock: number;
  let issued: number;
  let refuseNext: boolean;

  before(() => (sts = mockClient(STSClient)));
  after(() => sts.restore());

  beforeEach(() => {
    sts.reset();
    clock = Date.parse("2026-11-26T10:00:00Z");
    issued = 0;
    refuseNext = false;
    sts.on(AssumeRoleCommand).callsFake(async () => {
      if (refuseNext) {
        refuseNext = false;
        throw Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" });
      }
      issued += 1;
      return {
        Credentials: {
          AccessKeyId: `ASIA${issued}`,
          SecretAccessKey: "secret",
          SessionToken: `token-${issued}`,
          Expiration: new Date(clock + 15 * MINUTE),
        },
      };
    });
  });

  const provider = () =>
    writerRoleCredentials({
      sts: new STSClient({ region: "eu-west-1" }),
      roleArn: ROLE_ARN,
      externalId: "poc-writer-7f3a",
      sessionName: "ingest-prod-clicks",
      durationSeconds: 900,
      refreshMarginSeconds: 300,
      now: () => clock,
    });

  it("assumes the writer role with the external ID, a named session and a 15-minute duration", async () => {
    const credentials = await provider()();
    expect(credentials).to.include({ accessKeyId: "ASIA1", sessionToken: "token-1" });
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).to.deep.equal({
      RoleArn: ROLE_ARN,
      ExternalId: "poc-writer-7f3a",
      RoleSessionName: "ingest-prod-clicks",
      DurationSeconds: 900,
    });
  });

  it("reuses the session across invocations until it is within the refresh margin", async () => {
    const credentials = provider();
    await credentials();
    clock += 9 * MINUTE;
    expect((await credentials()).accessKeyId).to.equal("ASIA1");
    expect(issued).to.equal(1);
  });

  it("takes a fresh session before the old one expires", async () => {
    const credentials = provider();
    await credentials();
    clock += 10 * MINUTE + 1;
    expect((await credentials()).accessKeyId).to.equal("ASIA2");
    expect(issued).to.equal(2);
  });

  it("sends one AssumeRole for callers that ask at the same time", async () => {
    const credentials = provider();
    const all = await Promise.all([credentials(), credentials(), credentials()]);
    expect(all.map((c) => c.accessKeyId)).to.deep.equal(["ASIA1", "ASIA1", "ASIA1"]);
    expect(issued).to.equal(1);
  });

  it("fails the call when STS refuses, and tries again on the next one", async () => {
    const credentials = provider();
    refuseNext = true;
    let refused: Error | undefined;
    await credentials().catch((error: Error) => (refused = error));
    expect(refused?.message).to.match(/not authorized/);
    expect((await credentials()).accessKeyId).to.equal("ASIA1");
  });

  it("keeps using a session that has not expired when its early refresh fails", async () => {
    const credentials = provider();
    await credentials();
    clock += 12 * MINUTE;
    refuseNext = true;
    expect((await credentials()).accessKeyId).to.equal("ASIA1");
    expect((await credentials()).accessKeyId).to.equal("ASIA2");
  });

  it("refuses an answer with no credentials in it", async () => {
    sts.on(AssumeRoleCommand).resolves({});
    let refused: Error | undefined;
    await provider()().catch((error: Error) => (refused = error));
    expect(refused?.message).to.equal(`AssumeRole on ${ROLE_ARN} returned no credentials`);
  });

  it("derives a valid session name from any function name", () => {
    expect(sessionNameFor("prod-clicks-push-ingest-function-9f8e7d6")).to.equal("ingest-prod-clicks-push-ingest-function-9f8e7d6");
    expect(sessionNameFor("a".repeat(80))).to.have.length(64);
    expect(sessionNameFor("odd name/with:chars")).to.equal("ingest-odd-name-with-chars");
  });
});
