import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsOf, type Children } from "./context";
import { denyInsecureTransport, policyDocument } from "./iam";
import { dataResourceOptions } from "./protection";

export interface SecureBucketArgs {
  /** Customer-managed KMS key for SSE-KMS. Default: SSE-S3 (AES-256). */
  kmsKeyArn?: pulumi.Input<string>;
  /** Days after which objects expire. Default: never. */
  expireAfterDays?: number;
  /** Let `pulumi destroy` delete a bucket that still holds objects. Default: false. */
  forceDestroy?: boolean;
  /** Keep every version of every object. Default: false. */
  versioned?: boolean;
  /** Lifecycle rules besides `expireAfterDays`. Default: none. */
  lifecycleRules?: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Server access logs to another bucket, under a prefix. Default: none. */
  accessLog?: { bucket: pulumi.Input<string>; prefix: string };
}

/**
 * A private bucket: owner-enforced objects, all public access blocked, encrypted by default,
 * and a policy that refuses any request not made over TLS.
 */
export function createSecureBucket(name: string, args: SecureBucketArgs, children: Children): aws.s3.Bucket {
  const opts = { parent: children.parent };
  const bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy ?? false, tags: tagsOf(children) }, dataResourceOptions(children));

  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );

  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    },
    opts,
  );

  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: args.kmsKeyArn ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn } : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: args.kmsKeyArn ? true : undefined,
        },
      ],
    },
    opts,
  );

  const versioning = args.versioned
    ? new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts)
    : undefined;

  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    ...(args.expireAfterDays === undefined ? [] : [{ id: "expire", status: "Enabled", filter: {}, expiration: { days: args.expireAfterDays } }]),
    ...(args.lifecycleRules ?? []),
  ];
  if (rules.length > 0) {
    // Rules on noncurrent versions need versioning on first.
    new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules }, { ...opts, dependsOn: versioning ? [versioning] : [] });
  }

  if (args.accessLog) {
    new aws.s3.BucketLogging(`${name}-access-log`, { bucket: bucket.id, targetBucket: args.accessLog.bucket, targetPrefix: args.accessLog.prefix }, opts);
  }

  new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.id,
      policy: policyDocument([denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`])]),
    },
    { ...opts, dependsOn: [publicAccess] },
  );

  return bucket;
}
