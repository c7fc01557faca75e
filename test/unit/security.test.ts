import { anonymousPrincipal, runSimulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import { policyOf, type RecordedResource } from "../harness/mock-cloud";
import { CONSUMER, SCORES_BY_USER, SHARED_TABLE, SOURCE, stackConfig, up } from "../support/stacks";

type Document = { Version: string; Statement: unknown[] };

interface AccessPath {
  what: string;
  principal: string;
  action: string;
  resource: string;
  resourceAccount: string;
  identity?: Document[];
  resourcePolicy?: Document;
  context?: Record<string, string | string[]>;
  expected: "Allowed" | "Denied";
}

/** What AWS would decide for the request, by an independent IAM evaluator fed the policies the stacks emit. */
async function decide(path: AccessPath): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: (path.identity ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: path.resourcePolicy,
      request: {
        principal: path.principal,
        action: path.action,
        resource: { resource: path.resource, accountId: path.resourceAccount },
        contextVariables: { "aws:SecureTransport": "true", ...path.context },
      },
    } as never,
    {},
  );
  if (response.resultType === "error") throw new Error(`${path.what}: the simulator refused the request: ${JSON.stringify(response.errors)}`);
  return response.overallResult === "Allowed" ? "Allowed" : "Denied";
}

const THIRD_ACCOUNT = "222222222222";
const doc = (r: RecordedResource, field = "policy") => policyOf(r, field) as Document;

describe("security: what AWS would decide for the policies both stacks emit", function () {
  this.timeout(60_000);
  const paths: AccessPath[] = [];

  before(async () => {
    // Pull mode, wired poc → prod → poc, with the fan-out consumer and the shared table read by a projection in poc.
    const poc1 = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, {});
    const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, poc1.outputs);
    const poc = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, prod.outputs);
    const scoresRole = poc.outputs.sharedTableReaderRoleArns["scores-by-user"] as string;
    const scores = doc(poc.cloud.named("scores-by-user-project-policy"));
    const ingestRole = poc.outputs.ingestRoleArn as string;
    const ingest = doc(poc.cloud.named("clicks-ingest-policy"));
    const streamPolicy = prod.cloud.ofType("aws:kinesis/resourcePolicy:ResourcePolicy");
    const stream = streamPolicy.find((r) => r.inputs.resourceArn === prod.outputs.streamArn)!;
    const consumer = streamPolicy.find((r) => r.inputs.resourceArn === prod.outputs.streamConsumerArn)!;
    const keyPolicy = doc(prod.cloud.one("aws:kms/keyPolicy:KeyPolicy"));
    const tableStreamPolicy = doc(prod.cloud.one("aws:dynamodb/resourcePolicy:ResourcePolicy"));
    const bucket = poc.cloud.named("clicks-bucket").state.arn as string;
    const deadLetters = poc.cloud.named("clicks-dead-letter").state.arn as string;

    paths.push(
      { what: "the ingest role reads the source stream", principal: ingestRole, action: "kinesis:GetRecords", resource: prod.outputs.streamArn, resourceAccount: SOURCE, identity: [ingest], resourcePolicy: doc(stream), expected: "Allowed" },
      { what: "the ingest role subscribes to the fan-out consumer", principal: ingestRole, action: "kinesis:SubscribeToShard", resource: prod.outputs.streamConsumerArn, resourceAccount: SOURCE, identity: [ingest], resourcePolicy: doc(consumer), expected: "Allowed" },
      // The key policy's Kinesis grant also requires the stream's encryption context, a condition key
      // the simulator does not read from a request (kms:EncryptionContext:*): the unit test of
      // CrossAccountStreamSource checks that statement exactly instead.
      { what: "the ingest role writes the dedup table", principal: ingestRole, action: "dynamodb:BatchWriteItem", resource: poc.outputs.tableArn, resourceAccount: CONSUMER, identity: [ingest], expected: "Allowed" },
      { what: "the score projection reads the shared table's stream across accounts (seed 003)", principal: scoresRole, action: "dynamodb:GetRecords", resource: prod.outputs.sharedTableStreamArn, resourceAccount: SOURCE, identity: [scores], resourcePolicy: tableStreamPolicy, expected: "Allowed" },
      { what: "the score projection decrypts the shared table's stream through DynamoDB", principal: scoresRole, action: "kms:Decrypt", resource: prod.outputs.sharedTableKmsKeyArn, resourceAccount: SOURCE, identity: [scores], resourcePolicy: keyPolicy, context: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" }, expected: "Allowed" },
      { what: "the ingest role reads the shared table's stream, which is not its job", principal: ingestRole, action: "dynamodb:GetRecords", resource: prod.outputs.sharedTableStreamArn, resourceAccount: SOURCE, identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }] }], resourcePolicy: tableStreamPolicy, expected: "Denied" },
      { what: "the forward role reads the table's stream", principal: poc.cloud.named("clicks-forward-role").state.arn, action: "dynamodb:GetRecords", resource: poc.outputs.tableStreamArn, resourceAccount: CONSUMER, identity: [doc(poc.cloud.named("clicks-forward-policy"))], expected: "Allowed" },
      { what: "the forward role puts to the delivery stream", principal: poc.cloud.named("clicks-forward-role").state.arn, action: "firehose:PutRecordBatch", resource: poc.cloud.named("clicks-delivery").state.arn, resourceAccount: CONSUMER, identity: [doc(poc.cloud.named("clicks-forward-policy"))], expected: "Allowed" },
      { what: "Firehose writes the archive bucket", principal: poc.cloud.named("clicks-firehose-role").state.arn, action: "s3:PutObject", resource: `${bucket}/processed/2026/11/26/10/x.csv`, resourceAccount: CONSUMER, identity: [doc(poc.cloud.named("clicks-firehose-policy"))], resourcePolicy: doc(poc.cloud.named("clicks-bucket-policy")), expected: "Allowed" },
      { what: "Firehose invokes its transform", principal: poc.cloud.named("clicks-firehose-role").state.arn, action: "lambda:InvokeFunction", resource: poc.cloud.named("clicks-transform-function").state.arn, resourceAccount: CONSUMER, identity: [doc(poc.cloud.named("clicks-firehose-policy"))], expected: "Allowed" },
      { what: "Aurora's S3 role reads processed rows", principal: poc.cloud.named("clicks-s3-role").state.arn, action: "s3:GetObject", resource: `${bucket}/processed/2026/11/26/10/x.csv`, resourceAccount: CONSUMER, identity: [doc(poc.cloud.named("clicks-s3-policy"))], resourcePolicy: doc(poc.cloud.named("clicks-bucket-policy")), expected: "Allowed" },
      { what: "a role in a third account reads the stream", principal: `arn:aws:iam::${THIRD_ACCOUNT}:role/intruder`, action: "kinesis:GetRecords", resource: prod.outputs.streamArn, resourceAccount: SOURCE, identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kinesis:*", Resource: "*" }] }], resourcePolicy: doc(stream), expected: "Denied" },
      { what: "the consumer role writes to the source stream", principal: ingestRole, action: "kinesis:PutRecord", resource: prod.outputs.streamArn, resourceAccount: SOURCE, identity: [ingest], resourcePolicy: doc(stream), expected: "Denied" },
      { what: "the consumer role reads another stream", principal: ingestRole, action: "kinesis:GetRecords", resource: `arn:aws:kinesis:eu-west-1:${SOURCE}:stream/payments`, resourceAccount: SOURCE, identity: [ingest], resourcePolicy: doc(stream), expected: "Denied" },
      { what: "the ingest role reads the archive bucket", principal: ingestRole, action: "s3:GetObject", resource: `${bucket}/processed/2026/11/26/10/x.csv`, resourceAccount: CONSUMER, identity: [ingest], resourcePolicy: doc(poc.cloud.named("clicks-bucket-policy")), expected: "Denied" },
      { what: "anyone, unsigned, reads the archive bucket", principal: anonymousPrincipal as unknown as string, action: "s3:GetObject", resource: `${bucket}/processed/2026/11/26/10/x.csv`, resourceAccount: CONSUMER, resourcePolicy: doc(poc.cloud.named("clicks-bucket-policy")), expected: "Denied" },
      {
        what: "a role allowed everything writes a dead letter without TLS",
        principal: `arn:aws:iam::${CONSUMER}:role/admin`,
        action: "s3:PutObject",
        resource: `${deadLetters}/parked/x.json`,
        resourceAccount: CONSUMER,
        identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
        resourcePolicy: doc(poc.cloud.named("clicks-dead-letter-policy")),
        context: { "aws:SecureTransport": "false" },
        expected: "Denied",
      },
      { what: "the ingest role decrypts with the stream key outside Kinesis", principal: ingestRole, action: "kms:Decrypt", resource: prod.outputs.streamKmsKeyArn, resourceAccount: SOURCE, identity: [ingest], resourcePolicy: keyPolicy, context: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }, expected: "Denied" },
    );

    // Push mode, wired prod → poc → prod.
    const push = { accessMode: "push" };
    const prod1 = await up("source", { ...stackConfig("prod"), ...push }, {});
    const pocPush = await up("consumer", { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
    const prod2 = await up("source", { ...stackConfig("prod"), ...push }, pocPush.outputs);
    const pushRole = prod2.outputs.pushIngestRoleArn as string;
    const pushPolicy = doc(prod2.cloud.named("clicks-ingest-policy"));
    const writerRole = pocPush.outputs.writerRoleArn as string;
    const trust = doc(pocPush.cloud.named("clicks-writer-role"), "assumeRolePolicy");
    paths.push(
      { what: "the push function assumes the writer role with the external ID", principal: pushRole, action: "sts:AssumeRole", resource: writerRole, resourceAccount: CONSUMER, identity: [pushPolicy], resourcePolicy: trust, context: { "sts:ExternalId": "poc-writer-7f3a" }, expected: "Allowed" },
      { what: "the push function assumes the writer role without the external ID", principal: pushRole, action: "sts:AssumeRole", resource: writerRole, resourceAccount: CONSUMER, identity: [pushPolicy], resourcePolicy: trust, expected: "Denied" },
      { what: "another role of the source account assumes the writer role", principal: `arn:aws:iam::${SOURCE}:role/other`, action: "sts:AssumeRole", resource: writerRole, resourceAccount: CONSUMER, identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] }], resourcePolicy: trust, context: { "sts:ExternalId": "poc-writer-7f3a" }, expected: "Denied" },
      { what: "the writer role writes the dedup table", principal: writerRole, action: "dynamodb:BatchWriteItem", resource: pocPush.outputs.tableArn, resourceAccount: CONSUMER, identity: [doc(pocPush.cloud.named("clicks-writer-policy"))], expected: "Allowed" },
      { what: "the writer role deletes from the dedup table", principal: writerRole, action: "dynamodb:DeleteItem", resource: pocPush.outputs.tableArn, resourceAccount: CONSUMER, identity: [doc(pocPush.cloud.named("clicks-writer-policy"))], expected: "Denied" },
      { what: "the push function reads its own stream", principal: pushRole, action: "kinesis:GetRecords", resource: prod2.outputs.streamArn, resourceAccount: SOURCE, identity: [pushPolicy], expected: "Allowed" },
    );
  });

  it("allows every path the pipeline needs and denies every other, in both modes", async () => {
    const mismatches: string[] = [];
    let allowed = 0;
    let denied = 0;
    for (const path of paths) {
      const decision = await decide(path);
      if (decision !== path.expected) mismatches.push(`${path.what}: expected ${path.expected}, AWS would decide ${decision}`);
      else if (decision === "Allowed") allowed += 1;
      else denied += 1;
    }
    console.log(`      ${allowed} paths allowed as expected, ${denied} denied as expected, ${mismatches.length} mismatches`);
    expect(mismatches).to.deep.equal([]);
    expect(allowed + denied).to.equal(paths.length);
  });
});
