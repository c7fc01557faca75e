import type { PolicyResource } from "@pulumi/policy";
import { expect } from "chai";
import { asPolicyResource, violations } from "../support/policy-pack";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up } from "../support/stacks";

const resource = (type: string, props: Record<string, unknown>, name = "broken", protect = true): PolicyResource =>
  ({ type, name, urn: `urn:pulumi:test::p::${type}::${name}`, props, opts: { protect } }) as unknown as PolicyResource;

const TABLE = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3";
const TABLE_STREAM = `${TABLE}/stream/2026-01-01T00:00:00.000`;
const TOPIC = "arn:aws:sns:eu-west-1:999999999999:alerts-1a2b3c4";
const KEY = "arn:aws:kms:eu-west-1:999999999999:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11";
const document = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const tlsOnly = (bucket: string) => ({
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** A bucket with everything the pack asks of one, each part replaced or left out as `parts` says. */
function bucket(
  name: string,
  parts: { encryption?: false; publicAccess?: Record<string, unknown>; ownership?: string | false; policy?: unknown[] | false } = {},
): PolicyResource[] {
  return [
    resource("aws:s3/bucket:Bucket", { bucket: name }),
    ...(parts.encryption === false
      ? []
      : [resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: name }, "encryption")]),
    resource(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...parts.publicAccess },
      "public-access",
    ),
    ...(parts.ownership === false
      ? []
      : [
          resource(
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            { bucket: name, rule: { objectOwnership: parts.ownership ?? "BucketOwnerEnforced" } },
            "ownership",
          ),
        ]),
    ...(parts.policy === false
      ? []
      : [resource("aws:s3/bucketPolicy:BucketPolicy", { bucket: name, policy: document(...(parts.policy ?? [tlsOnly(name)])) }, "policy")]),
  ];
}

describe("policy pack", function () {
  this.timeout(60_000);

  describe("on the stacks as they are", () => {
    it("passes on both stacks in pull mode, with every option of the example configs", async () => {
      const table = JSON.stringify({
        streamViewType: "NEW_AND_OLD_IMAGES",
        kmsKeyArn: "arn:aws:kms:eu-west-1:999999999999:key/0b6d3c55-7d1e-4f55-9a47-5b1f2a2b7c11",
      });
      const poc1 = await up("consumer", { ...stackConfig("poc"), table, ...SCORES_BY_USER }, {});
      const prod = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE }, poc1.outputs);
      const poc2 = await up("consumer", { ...stackConfig("poc"), table, ...SCORES_BY_USER }, prod.outputs);
      for (const cloud of [prod.cloud, poc2.cloud]) expect(violations(cloud.resources.map(asPolicyResource))).to.deep.equal([]);
    });

    it("finds every data-bearing resource of a test stack with protectData false unprotected, as its policy config must then allow", async () => {
      const poc = await up("consumer", { ...stackConfig("poc"), protectData: "false" }, {});
      const found = violations(poc.cloud.resources.map(asPolicyResource));
      expect(found.length).to.be.greaterThan(5);
      for (const violation of found) expect(violation).to.match(/^data-bearing-resources-protected: /);
    });

    it("passes on both stacks in push mode", async () => {
      const push = { accessMode: "push" };
      const prod1 = await up("source", { ...stackConfig("prod"), ...push }, {});
      const poc = await up("consumer", { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a" }, prod1.outputs);
      const prod2 = await up("source", { ...stackConfig("prod"), ...push }, poc.outputs);
      for (const cloud of [poc.cloud, prod2.cloud]) expect(violations(cloud.resources.map(asPolicyResource))).to.deep.equal([]);
    });
  });

  describe("on deliberately broken inputs", () => {
    const cases: [string, PolicyResource[], RegExp | RegExp[]][] = [
      ["an unencrypted stream", [resource("aws:kinesis/stream:Stream", { encryptionType: "NONE" })], /encryption-at-rest: Kinesis streams must be encrypted/],
      [
        "a table without server-side encryption",
        [resource("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: false } })],
        /encryption-at-rest: DynamoDB tables/,
      ],
      ["a queue without SSE", [resource("aws:sqs/queue:Queue", {})], /encryption-at-rest: SQS queues/],
      ["a topic without a key", [resource("aws:sns/topic:Topic", {})], /encryption-at-rest: SNS topics/],
      ["a delivery stream without SSE", [resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", {})], /encryption-at-rest: Firehose/],
      ["an unencrypted cluster", [resource("aws:rds/cluster:Cluster", { storageEncrypted: false })], /encryption-at-rest: RDS clusters/],
      ["a bucket without default encryption", bucket("bucket-b", { encryption: false }), /private-encrypted-buckets: bucket broken has no default encryption/],
      [
        "a bucket that lets public policies in",
        bucket("bucket-b", { publicAccess: { blockPublicPolicy: false } }),
        /private-encrypted-buckets: bucket broken does not block all public access/,
      ],
      [
        "a bucket policy open to everyone",
        [
          resource("aws:s3/bucketPolicy:BucketPolicy", {
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }),
          }),
        ],
        [/no-unconditioned-public-principal/, /principals-in-deployment-accounts: .* lets everyone \(\*\) in/],
      ],
      [
        "a trust policy open to every AWS account",
        [
          resource("aws:iam/role:Role", {
            assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }),
          }),
        ],
        [/no-unconditioned-public-principal/, /principals-in-deployment-accounts: .* lets everyone \(\*\) in/],
      ],
      [
        "a mapping with no on-failure destination",
        [resource("aws:lambda/eventSourceMapping:EventSourceMapping", { maximumRetryAttempts: 10 })],
        /stream-mappings-park-failures: .*on-failure destination/,
      ],
      [
        "a mapping that retries forever",
        [
          resource("aws:lambda/eventSourceMapping:EventSourceMapping", {
            maximumRetryAttempts: -1,
            destinationConfig: { onFailure: { destinationArn: "arn:aws:s3:::x" } },
          }),
        ],
        /stream-mappings-park-failures: .*bound maximumRetryAttempts/,
      ],
      ["a log group kept forever", [resource("aws:cloudwatch/logGroup:LogGroup", {})], /log-retention: log groups must set retentionInDays/],
      [
        "a log group kept 13 days, which CloudWatch Logs refuses",
        [resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 13 })],
        /log-retention-accepted: retentionInDays 13/,
      ],
      [
        "an unprotected table",
        [resource("aws:dynamodb/table:Table", { serverSideEncryption: { enabled: true } }, "broken", false)],
        /data-bearing-resources-protected: aws:dynamodb\/table:Table broken holds data but is not protected/,
      ],
      ["an unprotected key", [resource("aws:kms/key:Key", {}, "broken", false)], /data-bearing-resources-protected: aws:kms\/key:Key/],
      [
        "a rule description with an apostrophe",
        [resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { description: "HTTPS through the network's NAT" })],
        /security-group-rule-descriptions: rule description "HTTPS through the network's NAT"/,
      ],
      [
        "a function name over 64 characters after auto-naming",
        [resource("aws:lambda/function:Function", { name: `${"p".repeat(50)}-project-function-1a2b3c4` })],
        /physical-names-within-limits: Lambda function name .* is 75 characters; AWS allows 64/,
      ],
      [
        "a bucket name with an underscore",
        bucket("by_user-dead-letter-1a2b3c4"),
        /physical-names-within-limits: S3 bucket name "by_user-dead-letter-1a2b3c4": lowercase letters/,
      ],
      [
        "a cluster whose database name MySQL reserves, in any case",
        [resource("aws:rds/cluster:Cluster", { storageEncrypted: true, databaseName: "Order", masterUsername: "clickstreamadmin" })],
        /aurora-names-accepted: databaseName "Order" is a word MySQL reserves/,
      ],
      [
        "a cluster whose master user is a reserved word, and one whose database name has a hyphen",
        [
          resource("aws:rds/cluster:Cluster", { storageEncrypted: true, databaseName: "clicks", masterUsername: "admin" }, "fine"),
          resource("aws:rds/cluster:Cluster", { storageEncrypted: true, databaseName: "clicks", masterUsername: "select" }, "user"),
          resource("aws:rds/cluster:Cluster", { storageEncrypted: true, databaseName: "click-stream" }, "name"),
        ],
        [/aurora-names-accepted: masterUsername "select" is a word MySQL reserves/, /aurora-names-accepted: databaseName "click-stream" has characters/],
      ],
      [
        "a third reader of one DynamoDB stream",
        ["forward", "by-user", "hits"].map((name) =>
          resource(
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            { eventSourceArn: TABLE_STREAM, maximumRetryAttempts: 10, destinationConfig: { onFailure: { destinationArn: "arn:aws:s3:::x" } } },
            name,
          ),
        ),
        /dynamodb-stream-readers: 3 mappings read .*\/stream\/.* \(forward, by-user, hits\); DynamoDB Streams serves at most 2/,
      ],
      [
        "alarms notifying a topic encrypted with the AWS-managed key",
        [
          resource("aws:sns/topic:Topic", { arn: TOPIC, kmsMasterKeyId: "alias/aws/sns" }),
          resource("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [TOPIC] }),
        ],
        /alarm-topic-key-admits-cloudwatch: alarms notify topic broken, whose key alias\/aws\/sns does not let cloudwatch\.amazonaws\.com use it/,
      ],
      [
        "alarms notifying a topic whose key policy leaves CloudWatch out",
        [
          resource("aws:sns/topic:Topic", { arn: TOPIC, kmsMasterKeyId: KEY }, "topic"),
          resource("aws:kms/key:Key", {
            arn: KEY,
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:*", Resource: "*" }] }),
          }),
          resource("aws:cloudwatch/metricAlarm:MetricAlarm", { okActions: [TOPIC] }),
        ],
        /alarm-topic-key-admits-cloudwatch: alarms notify topic topic/,
      ],
      [
        "a role that writes a table encrypted with a customer key it may not use",
        [
          resource("aws:dynamodb/table:Table", { arn: TABLE, serverSideEncryption: { enabled: true, kmsKeyArn: KEY } }),
          resource(
            "aws:iam/rolePolicy:RolePolicy",
            {
              policy: JSON.stringify({
                Statement: [
                  { Effect: "Allow", Action: "dynamodb:PutItem", Resource: TABLE },
                  { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY },
                ],
              }),
            },
            "writer-policy",
          ),
        ],
        /table-key-usable: writer-policy lets its role use table broken, encrypted with .*, but not kms:GenerateDataKey on that key/,
      ],
      [
        "a role that reads a table's stream without its customer key",
        [
          resource("aws:dynamodb/table:Table", { arn: TABLE, serverSideEncryption: { enabled: true, kmsKeyArn: KEY } }),
          resource(
            "aws:iam/rolePolicy:RolePolicy",
            { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "dynamodb:GetRecords", Resource: TABLE_STREAM }] }) },
            "reader-policy",
          ),
        ],
        /table-key-usable: reader-policy .* but not kms:Decrypt on that key/,
      ],
      // Least privilege (policy/least-privilege-policies.ts).
      [
        "a bucket without ownership controls, whose ACLs could grant access",
        bucket("bucket-b", { ownership: false }),
        /bucket-ownership-enforced: bucket broken has no ownership controls/,
      ],
      [
        "bucket ownership switched back to ACLs",
        bucket("bucket-b", { ownership: "ObjectWriter" }),
        /bucket-ownership-enforced: bucket broken lets ACLs grant access \(objectOwnership ObjectWriter\)/,
      ],
      [
        "an ACL on a bucket",
        [...bucket("bucket-b"), resource("aws:s3/bucketAclV2:BucketAclV2", { bucket: "bucket-b", acl: "public-read" }, "acl")],
        /bucket-ownership-enforced: acl sets an ACL on a bucket/,
      ],
      [
        "a bucket with no policy, which takes plain HTTP",
        bucket("bucket-b", { policy: false }),
        /tls-only-bucket-policies: bucket broken has no policy refusing requests without TLS/,
      ],
      [
        "a bucket refusing plain HTTP for the bucket but not its objects",
        bucket("bucket-b", { policy: [{ ...tlsOnly("bucket-b"), Resource: "arn:aws:s3:::bucket-b" }] }),
        /tls-only-bucket-policies: bucket broken's policy does not deny s3:\* to everyone/,
      ],
      [
        "a bucket whose TLS statement allows instead of denying",
        bucket("bucket-b", {
          policy: [
            {
              ...tlsOnly("bucket-b"),
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::999999999999:root" },
              Action: "s3:GetObject",
              Condition: { Bool: { "aws:SecureTransport": "true" } },
            },
          ],
        }),
        /tls-only-bucket-policies: bucket broken's policy does not deny/,
      ],
      [
        "a Lambda trust with no source account (confused deputy)",
        [
          resource("aws:iam/role:Role", {
            assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
          }),
        ],
        /service-principals-name-their-source: aws:iam\/role:Role broken lets lambda\.amazonaws\.com in for any account/,
      ],
      [
        "a Firehose trust whose external ID is any value",
        [
          resource("aws:iam/role:Role", {
            assumeRolePolicy: document({
              Effect: "Allow",
              Principal: { Service: "firehose.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringLike: { "sts:ExternalId": "*" } },
            }),
          }),
        ],
        /service-principals-name-their-source: .* lets firehose\.amazonaws\.com in/,
      ],
      [
        "a key policy letting CloudWatch use the key for any account's alarms",
        [
          resource("aws:kms/key:Key", {
            policy: document({
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            }),
          }),
        ],
        /service-principals-name-their-source: aws:kms\/key:Key broken lets cloudwatch\.amazonaws\.com in/,
      ],
      [
        "S3 allowed to invoke a function for a bucket of any account",
        [
          resource("aws:lambda/permission:Permission", {
            principal: "s3.amazonaws.com",
            action: "lambda:InvokeFunction",
            sourceArn: "arn:aws:s3:::clicks-bucket-1a2b3c4",
          }),
        ],
        /service-principals-name-their-source: the permission lets S3 invoke the function for a bucket of any account: set sourceAccount/,
      ],
      [
        "a service allowed to invoke a function for any resource",
        [resource("aws:lambda/permission:Permission", { principal: "sns.amazonaws.com", action: "lambda:InvokeFunction" })],
        /service-principals-name-their-source: the permission lets sns\.amazonaws\.com invoke the function for any resource: set sourceArn/,
      ],
      [
        "a loader role with sqs:* on every queue",
        [resource("aws:iam/rolePolicy:RolePolicy", { policy: document({ Effect: "Allow", Action: "sqs:*", Resource: "*" }) }, "load-policy")],
        /no-wildcard-grants: load-policy grants every action \(sqs:\*\)/,
      ],
      [
        "a transform role reading every object and scanning every table",
        [
          resource(
            "aws:iam/rolePolicy:RolePolicy",
            { policy: document({ Effect: "Allow", Action: ["s3:GetObject", "dynamodb:Scan"], Resource: "*" }) },
            "transform-policy",
          ),
        ],
        /no-wildcard-grants: transform-policy grants s3:GetObject, dynamodb:Scan on every resource/,
      ],
      [
        "a key policy handing a role every key action",
        [
          resource("aws:kms/keyPolicy:KeyPolicy", {
            policy: document({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:role/ingest" }, Action: "kms:*", Resource: "*" }),
          }),
        ],
        /no-wildcard-grants: aws:kms\/keyPolicy:KeyPolicy broken grants every action \(kms:\*\) to a principal other than its account's root/,
      ],
      [
        "a stream shared with a role of a third account",
        [
          resource("aws:kinesis/resourcePolicy:ResourcePolicy", {
            policy: document({
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::222222222222:role/intruder" },
              Action: "kinesis:GetRecords",
              Resource: "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics",
            }),
          }),
        ],
        /principals-in-deployment-accounts: .* lets in account 222222222222, which is not one of the deployment's \(111111111111, 999999999999\)/,
      ],
      [
        "a trust letting everyone in, however conditioned",
        [
          resource("aws:iam/role:Role", {
            assumeRolePolicy: document({
              Effect: "Allow",
              Principal: { AWS: "*" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "sts:ExternalId": "poc-writer-7f3a" } },
            }),
          }),
        ],
        /principals-in-deployment-accounts: aws:iam\/role:Role broken lets everyone \(\*\) in/,
      ],
    ];

    for (const [what, resources, expected] of cases) {
      it(`reports ${what}`, () => {
        const found = violations(resources);
        const patterns = [expected].flat();
        expect(found, found.join("\n")).to.have.length(patterns.length);
        for (const pattern of patterns)
          expect(
            found.some((violation) => pattern.test(violation)),
            `${pattern} in ${found.join("\n")}`,
          ).to.equal(true);
      });
    }

    it("takes a deny of everyone as no grant, and a public principal held to a condition as no grant to the public, but still outside the deployment's accounts", () => {
      const conditioned = {
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } },
      };
      const deny = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
      expect(violations([resource("aws:s3/bucketPolicy:BucketPolicy", { policy: document(deny) })])).to.deep.equal([]);
      expect(violations([resource("aws:s3/bucketPolicy:BucketPolicy", { policy: document(conditioned, deny) })])).to.deep.equal([
        "principals-in-deployment-accounts: aws:s3/bucketPolicy:BucketPolicy broken lets everyone (*) in: name the roles of the deployment's accounts",
      ]);
    });

    it("without the deployment's accounts in its config, accepts principals of two accounts and reports a third", () => {
      const grant = (account: string) => ({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:role/reader` },
        Action: "kinesis:GetRecords",
        Resource: "*",
      });
      const policy = (...accounts: string[]) => [resource("aws:kinesis/resourcePolicy:ResourcePolicy", { policy: document(...accounts.map(grant)) })];
      expect(violations(policy("111111111111", "999999999999"), {})).to.deep.equal([]);
      expect(violations(policy("111111111111", "999999999999", "222222222222"), {})).to.deep.equal([
        "principals-in-deployment-accounts: the stack's policies let in principals of 3 accounts (111111111111, 999999999999, 222222222222); a deployment has two, this one and its peer",
      ]);
    });

    it("accepts the documented exceptions: actions that act on no resource and Lambda's VPC interfaces on *, and kms:* for a key's account root", () => {
      const vpc = {
        Effect: "Allow",
        Action: [
          "dynamodb:ListStreams",
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        Resource: "*",
      };
      const admin = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:*", Resource: "*" };
      expect(
        violations([
          resource("aws:iam/rolePolicy:RolePolicy", { policy: document(vpc) }),
          resource("aws:kms/keyPolicy:KeyPolicy", { policy: document(admin) }),
        ]),
      ).to.deep.equal([]);
    });
  });
});
