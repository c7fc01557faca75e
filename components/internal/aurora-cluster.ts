import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type ResolvedAuroraLoader } from "../settings/aurora-loader";
import { PROCESSED_PREFIX } from "./archive-layout";
import { tagsOf, type Children } from "./context";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import { type LoaderNetwork } from "./loader-network";
import { dataResourceOptions } from "./protection";

/** The cluster's master user, for the deploy-time setup only: 1–16 letters or digits (MASTER_USERNAME in components/internal/aws-rules.ts; the unit test checks it). */
const MASTER_USER = "clickstreamadmin";

/** The database a component deployed: the cluster, its one instance, and what it reads S3 with. */
export interface DatabaseResources {
  cluster: aws.rds.Cluster;
  instance: aws.rds.ClusterInstance;
  /** The role Aurora assumes for LOAD DATA FROM S3. */
  s3Role: aws.iam.Role;
}

/**
 * The private Serverless v2 cluster, TLS only, its password kept by RDS in Secrets Manager, its
 * one instance, and the S3 role it loads the archive's processed rows with. Returns the master
 * secret's ARN too (empty until RDS reports it: a fresh deployment's provider outputs may be).
 */
export function createAuroraCluster(children: Children, settings: ResolvedAuroraLoader, network: LoaderNetwork): DatabaseResources & { secretArn: pulumi.Output<string> } {
  const { name } = children;
  const opts = { parent: children.parent };
  const tags = tagsOf(children);
  const db = settings.database;
  const s3Role = new aws.iam.Role(`${name}-s3-role`, {
    description: "Assumed by Aurora to read the archive's processed rows",
    assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com"),
    tags,
  }, opts);
  new aws.iam.RolePolicy(`${name}-s3-policy`, {
    role: s3Role.id,
    policy: policyDocument(pulumi.all([settings.archive.bucketArn, settings.archive.kmsKeyArn, children.region]).apply(([arn, key, regionName]) => readProcessedRows(arn, key, regionName))),
  }, opts);

  const parameters = new aws.rds.ClusterParameterGroup(`${name}-cluster-parameters`, {
    family: "aurora-mysql8.0",
    description: "TLS only; LOAD DATA FROM S3 with the cluster's S3 role",
    parameters: [
      { name: "aws_default_s3_role", value: s3Role.arn, applyMethod: "immediate" },
      { name: "require_secure_transport", value: "ON", applyMethod: "immediate" },
      ...(settings.mode === "streamed" ? [{ name: "local_infile", value: "1", applyMethod: "immediate" }] : []),
    ],
    tags,
  }, opts);
  const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: network.subnetIds, description: "Private subnets of the clickstream cluster", tags }, opts);

  // A final snapshot's name must be unique in the account: a fixed one would make the second
  // deletion fail on the first one's snapshot. The suffix is new whenever the stack (re)creates it.
  const snapshotSuffix = db.finalSnapshot ? new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, opts) : undefined;
  const cluster = new aws.rds.Cluster(`${name}-cluster`, {
    engine: "aurora-mysql",
    engineVersion: db.engineVersion,
    engineMode: "provisioned",
    databaseName: db.name,
    masterUsername: MASTER_USER,
    manageMasterUserPassword: true,
    storageEncrypted: true,
    kmsKeyId: db.kmsKeyArn,
    backupRetentionPeriod: db.backupRetentionDays,
    deletionProtection: db.deletionProtection,
    skipFinalSnapshot: !db.finalSnapshot,
    finalSnapshotIdentifier: snapshotSuffix && pulumi.interpolate`${name}-final-${snapshotSuffix.hex}`,
    dbSubnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds: [network.clusterSecurityGroup.id],
    dbClusterParameterGroupName: parameters.name,
    iamRoles: [s3Role.arn],
    serverlessv2ScalingConfiguration: { minCapacity: db.minCapacity, maxCapacity: db.maxCapacity },
    enabledCloudwatchLogsExports: ["error"],
    enableHttpEndpoint: db.dataApi,
    // The loader signs in with IAM tokens, so it needs no password.
    iamDatabaseAuthenticationEnabled: true,
    copyTagsToSnapshot: true,
    tags,
    ...settings.overrides.cluster,
  }, dataResourceOptions(children));
  const instance = new aws.rds.ClusterInstance(`${name}-instance`, {
    clusterIdentifier: cluster.id,
    engine: "aurora-mysql",
    engineVersion: cluster.engineVersion,
    instanceClass: db.instanceClass,
    publiclyAccessible: false,
    dbSubnetGroupName: subnetGroup.name,
    tags,
  }, opts);
  const secretArn = cluster.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");
  return { cluster, instance, s3Role, secretArn };
}

/**
 * Read the archive's processed rows, and decrypt them when the bucket has its own key: only through
 * S3 (`kms:ViaService`), and only for this bucket's objects (with an S3 Bucket Key, S3 passes the
 * bucket's ARN as the encryption context; without one, the object's).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 */
export function readProcessedRows(bucketArn: string, keyArn: string | undefined, region: string): PolicyStatement[] {
  const rows = `${bucketArn}/${PROCESSED_PREFIX}*`;
  const statements: PolicyStatement[] = [
    { Sid: "ReadProcessedRows", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: rows },
    { Sid: "ListProcessedRows", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": `${PROCESSED_PREFIX}*` } } },
  ];
  if (keyArn) {
    statements.push({
      Sid: "DecryptProcessedRows",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: keyArn,
      Condition: {
        StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, rows] },
      },
    });
  }
  return statements;
}
