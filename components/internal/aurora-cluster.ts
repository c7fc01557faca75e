import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MASTER_USER, type ResolvedAuroraLoader } from "../settings/aurora-loader";
import { PROCESSED_PREFIX } from "./archive-layout";
import { tagsOf, type Children } from "./context";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import { type LoaderNetwork } from "./loader-network";
import { dataResourceOptions } from "./protection";

/** The database a component deployed: the cluster, its one instance, what it reads S3 with, and where its logs go. */
export interface DatabaseResources {
  cluster: aws.rds.Cluster;
  instance: aws.rds.ClusterInstance;
  /** The role Aurora assumes for LOAD DATA FROM S3. */
  s3Role: aws.iam.Role;
  /** The log groups the cluster exports to, by log type (audit, error), with their retention and key. */
  logGroups: Record<string, aws.cloudwatch.LogGroup>;
}

/**
 * The logs the cluster exports: errors, and the audit log of connections and schema and privilege
 * changes (DDL and DCL), not of queries on the rows, which hold personal data. Security Hub's RDS.34
 * asks for the audit log in CloudWatch Logs.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html
 * https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-34
 */
export const CLUSTER_LOG_TYPES = ["audit", "error"] as const;
const AUDITED_EVENTS = "CONNECT,QUERY_DDL,QUERY_DCL";

/**
 * The private Serverless v2 cluster, TLS only, its password kept by RDS in Secrets Manager, its
 * one instance, and the S3 role it loads the archive's processed rows with. Returns the master
 * secret's ARN too (empty until RDS reports it: a fresh deployment's provider outputs may be).
 */
export function createAuroraCluster(
  children: Children,
  settings: ResolvedAuroraLoader,
  network: LoaderNetwork,
): DatabaseResources & { secretArn: pulumi.Output<string> } {
  const { name } = children;
  const opts = { parent: children.parent };
  const tags = tagsOf(children);
  const db = settings.database;
  const s3Role = new aws.iam.Role(
    `${name}-s3-role`,
    {
      description: "Assumed by Aurora to read the archive's processed rows",
      assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com"),
      tags,
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-s3-policy`,
    {
      role: s3Role.id,
      policy: policyDocument(
        pulumi
          .all([settings.archive.bucketArn, settings.archive.kmsKeyArn, children.region])
          .apply(([arn, key, regionName]) => readProcessedRows(arn, key, regionName)),
      ),
    },
    opts,
  );

  const parameters = new aws.rds.ClusterParameterGroup(
    `${name}-cluster-parameters`,
    {
      family: "aurora-mysql8.0",
      description: "TLS only; LOAD DATA FROM S3 with the cluster's S3 role",
      parameters: [
        { name: "aws_default_s3_role", value: s3Role.arn, applyMethod: "immediate" },
        { name: "require_secure_transport", value: "ON", applyMethod: "immediate" },
        { name: "server_audit_logging", value: "1", applyMethod: "immediate" },
        { name: "server_audit_events", value: AUDITED_EVENTS, applyMethod: "immediate" },
        ...(settings.mode === "streamed" ? [{ name: "local_infile", value: "1", applyMethod: "immediate" }] : []),
      ],
      tags,
    },
    opts,
  );
  const subnetGroup = new aws.rds.SubnetGroup(
    `${name}-subnets`,
    { subnetIds: network.subnetIds, description: "Private subnets of the clickstream cluster", tags },
    opts,
  );

  // A final snapshot's name must be unique in the account: a fixed one would make the second
  // deletion fail on the first one's snapshot. The suffix is new whenever the stack (re)creates it.
  const snapshotSuffix = db.finalSnapshot ? new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, opts) : undefined;
  const cluster = new aws.rds.Cluster(
    `${name}-cluster`,
    {
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
      enabledCloudwatchLogsExports: [...CLUSTER_LOG_TYPES],
      enableHttpEndpoint: db.dataApi,
      // The loader signs in with IAM tokens, so it needs no password.
      iamDatabaseAuthenticationEnabled: true,
      // The version is the one set here; Aurora's own forced upgrades are caught at preview (settings/aurora-loader.ts).
      autoMinorVersionUpgrade: false,
      copyTagsToSnapshot: true,
      tags,
      ...settings.overrides.cluster,
    },
    dataResourceOptions(children),
  );
  const logGroups = clusterLogGroups(children, settings, cluster);
  const instance = new aws.rds.ClusterInstance(
    `${name}-instance`,
    {
      clusterIdentifier: cluster.id,
      engine: "aurora-mysql",
      // The cluster's version is the instance's: one place to set it, one to upgrade.
      autoMinorVersionUpgrade: false,
      instanceClass: db.instanceClass,
      publiclyAccessible: false,
      dbSubnetGroupName: subnetGroup.name,
      tags,
      // The instance writes the logs: their groups exist first, with their retention and key.
    },
    { ...opts, dependsOn: Object.values(logGroups) },
  );
  const secretArn = cluster.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");
  return { cluster, instance, s3Role, logGroups, secretArn };
}

/**
 * The log groups RDS exports the cluster's logs to, made by the stack so that they have a retention
 * and a key: RDS writes into a group of that name when it exists, and otherwise makes one that keeps
 * logs forever, unencrypted by any key of the stack's. The key lets CloudWatch Logs use it for these
 * groups only. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.CloudWatch.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
function clusterLogGroups(children: Children, settings: ResolvedAuroraLoader, cluster: aws.rds.Cluster): Record<string, aws.cloudwatch.LogGroup> {
  const { name } = children;
  const opts = { parent: children.parent };
  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts).partition;
  const groupsArn = pulumi.interpolate`arn:${partition}:logs:${children.region}:${identity.accountId}:log-group:/aws/rds/cluster/${cluster.clusterIdentifier}/*`;
  const key = new aws.kms.Key(
    `${name}-logs-key`,
    {
      description: "Encrypts the Aurora cluster's exported logs",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        pulumi.all([identity.accountId, partition, children.region, groupsArn]).apply(([account, part, region, arn]): PolicyStatement[] => [
          // Without it nobody in the account, not even an administrator, could manage the key.
          { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
          {
            Sid: "CloudWatchLogsEncryptsClusterLogs",
            Effect: "Allow",
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": arn } },
          },
        ]),
      ),
      tags: tagsOf(children),
    },
    dataResourceOptions(children),
  );
  return Object.fromEntries(
    CLUSTER_LOG_TYPES.map((type) => [
      type,
      new aws.cloudwatch.LogGroup(
        `${name}-cluster-${type}-logs`,
        {
          name: pulumi.interpolate`/aws/rds/cluster/${cluster.clusterIdentifier}/${type}`,
          retentionInDays: settings.logRetentionDays,
          kmsKeyId: key.arn,
          tags: tagsOf(children),
        },
        opts,
      ),
    ]),
  );
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
    {
      Sid: "ListProcessedRows",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": `${PROCESSED_PREFIX}*` } },
    },
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
