import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { AuroraLoader } from "../../components/aurora-loader";
import { MASTER_USERNAME, SECURITY_GROUP_RULE_DESCRIPTION } from "../../components/internal/aws-rules";
import { isMysqlReservedWord } from "../../components/internal/mysql-reserved-words";
import { LOADER_PRIVILEGES } from "../../functions/db-setup/core";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const BUCKET = "clicks-bucket-1a2b3c4";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = "arn:aws:kms:eu-west-1:999999999999:key/5e6f7a8b-1111-4111-8111-111111111111";
const COLUMNS = ["dedup_key", "change", "changed_at", "stream_sequence", "page_id", "hits"];

describe("AuroraLoader", () => {
  describe("with defaults", () => {
    const cloud = new MockCloud();
    let component: AuroraLoader;

    before(async () => {
      await cloud.install();
      component = new AuroraLoader("clicks", { archiveBucketName: BUCKET, archiveBucketArn: BUCKET_ARN, columns: COLUMNS, columnTypes: { hits: "INT" } });
      await cloud.settle();
    });

    const vpc = () => cloud.one("awsx:ec2:Vpc");

    it("lets at most half the cluster's connections load at once: 67 loaders for the 135 connections of 4 ACUs", () => {
      expect(cloud.named("clicks-load-function").inputs.reservedConcurrentExecutions).to.equal(67);
    });

    it("builds a VPC of private subnets in two zones with no NAT gateway", () => {
      expect(vpc().inputs).to.deep.include({ numberOfAvailabilityZones: 2, natGateways: { strategy: "None" }, subnetSpecs: [{ type: "Isolated" }] });
    });

    it("reaches S3 through a gateway endpoint on every route table, and Secrets Manager through a private interface endpoint", () => {
      const s3 = cloud.named("clicks-s3-endpoint").inputs;
      expect(s3).to.include({ vpcEndpointType: "Gateway", serviceName: "com.amazonaws.eu-west-1.s3", vpcId: vpc().state.vpcId });
      expect(s3.routeTableIds).to.have.length(2);
      const secrets = cloud.named("clicks-secrets-endpoint").inputs;
      expect(secrets).to.include({ vpcEndpointType: "Interface", serviceName: "com.amazonaws.eu-west-1.secretsmanager", privateDnsEnabled: true });
      expect(secrets.subnetIds).to.deep.equal(vpc().state.isolatedSubnetIds);
    });

    it("runs Aurora MySQL 3.08 on Serverless v2 from 0.5 ACU, encrypted, backed up, with the password managed by RDS and no Data API", () => {
      const cluster = cloud.named("clicks-cluster").inputs;
      expect(cluster).to.include({
        engine: "aurora-mysql",
        engineVersion: "8.0.mysql_aurora.3.08.2",
        engineMode: "provisioned",
        manageMasterUserPassword: true,
        enableHttpEndpoint: false,
        iamDatabaseAuthenticationEnabled: true,
        storageEncrypted: true,
        backupRetentionPeriod: 7,
        deletionProtection: false,
        skipFinalSnapshot: true,
        databaseName: "clickstream",
      });
      expect(cluster.masterUsername).to.match(MASTER_USERNAME);
      expect(isMysqlReservedWord(cluster.masterUsername), "RDS refuses a reserved word as the master user").to.equal(false);
      expect(cluster.masterPassword).to.equal(undefined);
      expect(cluster.serverlessv2ScalingConfiguration).to.deep.equal({ minCapacity: 0.5, maxCapacity: 4 });
      expect(cloud.named("clicks-instance").inputs).to.include({ instanceClass: "db.serverless", publiclyAccessible: false });
    });

    it("requires TLS and makes the S3 role the cluster's default for LOAD DATA FROM S3, associated with the cluster", () => {
      const role = cloud.named("clicks-s3-role").state.arn;
      expect(cloud.named("clicks-cluster-parameters").inputs).to.deep.include({
        family: "aurora-mysql8.0",
        parameters: [
          { name: "aws_default_s3_role", value: role, applyMethod: "immediate" },
          { name: "require_secure_transport", value: "ON", applyMethod: "immediate" },
          { name: "server_audit_logging", value: "1", applyMethod: "immediate" },
          { name: "server_audit_events", value: "CONNECT,QUERY_DDL,QUERY_DCL", applyMethod: "immediate" },
        ],
      });
      expect(cloud.named("clicks-cluster").inputs.iamRoles).to.deep.equal([role]);
      expect(cloud.named("clicks-cluster").inputs.dbClusterParameterGroupName).to.equal(cloud.named("clicks-cluster-parameters").state.name);
    });

    it("lets the S3 role, assumed by RDS for this account only, read only the processed rows", () => {
      expect(policyOf(cloud.named("clicks-s3-role"), "assumeRolePolicy").Statement[0]).to.deep.include({
        Principal: { Service: "rds.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": cloud.accountId } },
      });
      expect(policyOf(cloud.named("clicks-s3-policy")).Statement).to.deep.equal([
        { Sid: "ReadProcessedRows", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${BUCKET_ARN}/processed/*` },
        { Sid: "ListProcessedRows", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET_ARN, Condition: { StringLike: { "s3:prefix": "processed/*" } } },
      ]);
    });

    it("lets only the loader reach the cluster's port", () => {
      const clusterSg = cloud.named("clicks-cluster-sg").id;
      const loaderSg = cloud.named("clicks-loader-sg").id;
      const ingress = cloud.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === clusterSg);
      expect(ingress.map((r) => r.inputs)).to.deep.equal([
        {
          securityGroupId: clusterSg,
          referencedSecurityGroupId: loaderSg,
          ipProtocol: "tcp",
          fromPort: 3306,
          toPort: 3306,
          description: "MySQL from the loader",
        },
      ]);
      expect(cloud.named("clicks-cluster").inputs.vpcSecurityGroupIds).to.deep.equal([clusterSg]);
      const egress = cloud
        .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        .map((r) => [r.name, r.inputs.fromPort, r.inputs.referencedSecurityGroupId ?? r.inputs.prefixListId]);
      expect(egress).to.have.deep.members([
        ["clicks-loader-to-cluster", 3306, clusterSg],
        ["clicks-cluster-to-s3", 443, "pl-6da54004"],
        ["clicks-loader-to-endpoints", 443, cloud.named("clicks-endpoint-sg").id],
      ]);
    });

    it("runs the loader in the private subnets as its own database user, signing in with IAM tokens, with no password anywhere", () => {
      const fn = cloud.named("clicks-load-function").inputs;
      expect(fn.vpcConfig).to.deep.equal({ subnetIds: vpc().state.isolatedSubnetIds, securityGroupIds: [cloud.named("clicks-loader-sg").id] });
      expect(fn.environment.variables).to.include({
        LOADER_USER: "clickstream_loader",
        LOADER_AUTH: "iam",
        DB_NAME: "clickstream",
        DB_TABLE: "web_analytics",
        MANIFEST_TABLE: "loaded_objects",
        REJECTS_TABLE: "rejected_rows",
        LOAD_MODE: "s3",
        PROCESSED_PREFIX: "processed/",
      });
      expect(fn.environment.variables).to.not.have.property("DB_SECRET_ARN");
      // The port the cluster reports, and TLS unless the loader is told otherwise.
      for (const setup of [fn, cloud.named("clicks-db-setup-function").inputs]) {
        expect(setup.environment.variables.DB_PORT).to.equal(String(cloud.named("clicks-cluster").state.port));
        expect(setup.environment.variables.DB_TLS).to.equal("on");
      }
      expect(JSON.parse(fn.environment.variables.COLUMNS)).to.deep.equal(COLUMNS);
      for (const [name, value] of Object.entries(fn.environment.variables as Record<string, string>)) {
        expect(name, name).to.not.match(/PASSWORD|SECRET_VALUE/);
        expect(String(value), name).to.not.match(/password/i);
      }
      const statements = policyOf(cloud.named("clicks-load-policy")).Statement;
      const resourceId = cloud.named("clicks-cluster").state.clusterResourceId;
      expect(statements).to.deep.include({
        Sid: "ConnectAsLoaderUser",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: `arn:aws:rds-db:eu-west-1:${cloud.accountId}:dbuser:${resourceId}/clickstream_loader`,
      });
      expect(statements.flatMap((s) => s.Action)).to.not.include("secretsmanager:GetSecretValue");
      expect(statements.map((s) => s.Sid)).to.not.include("ReadProcessedRows");
      expect(statements.map((s) => s.Sid)).to.include("ManageVpcNetworkInterfaces");
    });

    it("creates the loader's user at deploy time with a setup function in the VPC, the only reader of the master secret, once the cluster is up", () => {
      const secretArn = cloud.named("clicks-cluster").state.masterUserSecrets[0].secretArn;
      const setup = cloud.named("clicks-db-setup-function").inputs;
      expect(setup.vpcConfig.securityGroupIds).to.deep.equal([cloud.named("clicks-loader-sg").id]);
      expect(setup.environment.variables).to.include({ DB_SECRET_ARN: secretArn, LOADER_AUTH: "iam" });
      expect(policyOf(cloud.named("clicks-db-setup-policy")).Statement).to.deep.include({
        Sid: "ReadMasterSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secretArn,
      });
      const invocation = cloud.named("clicks-loader-user");
      expect(invocation.inputs.functionName).to.equal(cloud.named("clicks-db-setup-function").state.name);
      expect(JSON.parse(invocation.inputs.input)).to.deep.equal({ user: "clickstream_loader", database: "clickstream", loadFromS3: true });
      expect(invocation.inputs.triggers).to.deep.equal({
        clusterResourceId: cloud.named("clicks-cluster").state.clusterResourceId,
        privileges: LOADER_PRIVILEGES.join(","),
      });
      expect(invocation.dependencies).to.include.members([cloud.named("clicks-instance").urn, cloud.named("clicks-secrets-endpoint").urn]);
      expect(cloud.named("clicks-notification").dependencies).to.include(invocation.urn);
    });

    it("protects the cluster and the queue of events it could not load", () => {
      expect(cloud.named("clicks-cluster").protect).to.equal(true);
      expect(cloud.named("clicks-failed-events").protect).to.equal(true);
      expect(cloud.named("clicks-instance").protect).to.equal(false);
    });

    it("describes every security group rule in EC2's character set", () => {
      const rules = cloud.resources.filter((r) => /securityGroup(Ingress|Egress)Rule/.test(r.type));
      expect(rules.length).to.be.greaterThan(3);
      for (const rule of rules) expect(rule.inputs.description, rule.name).to.match(SECURITY_GROUP_RULE_DESCRIPTION);
    });

    it("alarms when the database refused rows, counting the loader's log line for them", () => {
      const filter = cloud.named("clicks-rejected-rows-filter").inputs;
      expect(filter.pattern).to.equal('{ $.message = "rows refused by the database" }');
      expect(filter.logGroupName).to.equal(cloud.named("clicks-load-logs").state.name);
      expect(cloud.named("clicks-rejected-rows-alarm").inputs).to.include({ metricName: "clicks-rejected-rows", threshold: 1 });
    });

    it("invokes the loader for objects created under processed/ only, with S3 allowed by bucket and account", () => {
      const notification = cloud.named("clicks-notification").inputs;
      expect(notification.bucket).to.equal(BUCKET);
      expect(notification.lambdaFunctions).to.deep.equal([
        { lambdaFunctionArn: cloud.named("clicks-load-function").state.arn, events: ["s3:ObjectCreated:*"], filterPrefix: "processed/" },
      ]);
      expect(cloud.named("clicks-load-from-s3").inputs).to.include({
        action: "lambda:InvokeFunction",
        principal: "s3.amazonaws.com",
        sourceArn: BUCKET_ARN,
        sourceAccount: cloud.accountId,
      });
      expect(cloud.named("clicks-notification").dependencies).to.include(cloud.named("clicks-load-from-s3").urn);
    });

    it("retries failed events twice, for up to six hours, then parks them in an encrypted queue", () => {
      const async = cloud.named("clicks-load-async").inputs;
      expect(async).to.include({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 });
      expect(async.destinationConfig.onFailure.destination).to.equal(cloud.named("clicks-failed-events").state.arn);
      expect(cloud.named("clicks-failed-events").inputs).to.include({ sqsManagedSseEnabled: true });
    });

    it("exposes the endpoint, port, names, secret, function and network", async () => {
      expect(await resolve(component.clusterEndpoint)).to.equal(cloud.named("clicks-cluster").state.endpoint);
      expect(await resolve(component.clusterPort)).to.equal(3306);
      expect([component.databaseName, component.tableName]).to.deep.equal(["clickstream", "web_analytics"]);
      expect(await resolve(component.vpcId)).to.equal(vpc().state.vpcId);
      expect(await resolve(component.subnetIds)).to.deep.equal(vpc().state.isolatedSubnetIds);
      expect((await cloud.childrenOf(component)).length).to.equal(cloud.resources.length - 1);
    });
  });

  describe("in an existing network, loading streamed, with every option", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new AuroraLoader("clicks", {
        archiveBucketName: BUCKET,
        archiveBucketArn: BUCKET_ARN,
        archiveKmsKeyArn: KEY_ARN,
        columns: COLUMNS,
        loadMode: "streamed",
        network: { vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"], createEndpoints: false },
        database: {
          name: "analytics",
          minCapacity: 0,
          maxCapacity: 8,
          instanceClass: "db.r6g.large",
          deletionProtection: true,
          finalSnapshot: true,
          backupRetentionDays: 14,
          engineVersion: "8.0.mysql_aurora.3.08.2",
          kmsKeyArn: KEY_ARN,
          tls: false,
        },
        load: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 3600 },
      });
      await cloud.settle();
    });

    it("uses the given VPC and subnets, and makes no VPC or endpoints, which such a network already has", () => {
      expect(cloud.ofType("awsx:ec2:Vpc")).to.have.length(0);
      expect(cloud.has("clicks-s3-endpoint")).to.equal(false);
      expect(cloud.named("clicks-subnets").inputs.subnetIds).to.deep.equal(["subnet-a", "subnet-b"]);
      expect(cloud.named("clicks-loader-to-aws").inputs).to.include({ cidrIpv4: "0.0.0.0/0", fromPort: 443 });
    });

    it("protects, snapshots, keeps backups longer and encrypts with the given key", () => {
      expect(cloud.named("clicks-cluster").inputs).to.include({
        deletionProtection: true,
        skipFinalSnapshot: false,
        backupRetentionPeriod: 14,
        kmsKeyId: KEY_ARN,
        engineVersion: "8.0.mysql_aurora.3.08.2",
      });
      expect(cloud.named("clicks-cluster").inputs.serverlessv2ScalingConfiguration).to.deep.equal({ minCapacity: 0, maxCapacity: 8 });
      expect(cloud.named("clicks-instance").inputs.instanceClass).to.equal("db.r6g.large");
    });

    it("lets the loader stream processed rows from S3 and decrypt them only through S3, as Aurora's role may", () => {
      const readRows = [
        { Sid: "ReadProcessedRows", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${BUCKET_ARN}/processed/*` },
        { Sid: "ListProcessedRows", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET_ARN, Condition: { StringLike: { "s3:prefix": "processed/*" } } },
        {
          Sid: "DecryptProcessedRows",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: KEY_ARN,
          Condition: {
            StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
            StringLike: { "kms:EncryptionContext:aws:s3:arn": [BUCKET_ARN, `${BUCKET_ARN}/processed/*`] },
          },
        },
      ];
      expect(policyOf(cloud.named("clicks-load-policy")).Statement.slice(3, 6)).to.deep.equal(readRows);
      expect(policyOf(cloud.named("clicks-s3-policy")).Statement).to.deep.equal(readRows);
      expect(cloud.named("clicks-load-function").inputs.environment.variables.LOAD_MODE).to.equal("streamed");
      expect(cloud.named("clicks-loader-to-s3").inputs).to.include({ prefixListId: "pl-6da54004" });
      expect(cloud.named("clicks-cluster-parameters").inputs.parameters).to.deep.include({ name: "local_infile", value: "1", applyMethod: "immediate" });
    });

    it("names the final snapshot with a random suffix kept in the stack, so deleting a second cluster does not collide with the first one's snapshot", () => {
      const suffix = cloud.named("clicks-final-snapshot-suffix");
      expect(suffix.type).to.equal("random:index/randomId:RandomId");
      expect(cloud.named("clicks-cluster").inputs.finalSnapshotIdentifier).to.equal(`clicks-final-${suffix.state.hex}`);
    });

    it("creates the loader's user without the S3 load role when the loader streams objects itself", () => {
      expect(JSON.parse(cloud.named("clicks-loader-user").inputs.input)).to.deep.equal({
        user: "clickstream_loader",
        database: "analytics",
        loadFromS3: false,
      });
    });

    it("passes the async settings through", () => {
      expect(cloud.named("clicks-load-async").inputs).to.include({ maximumRetryAttempts: 1, maximumEventAgeInSeconds: 3600 });
    });

    it("connects without TLS when database.tls is false, the loader and its setup alike", () => {
      for (const fn of ["clicks-load-function", "clicks-db-setup-function"]) expect(cloud.named(fn).inputs.environment.variables.DB_TLS, fn).to.equal("off");
    });
  });

  describe("in an existing network, adding its endpoints", () => {
    const network = {
      subnetZones: { "subnet-a1": "eu-west-1a", "subnet-a2": "eu-west-1a", "subnet-b1": "eu-west-1b" },
      routeTables: ["rtb-own-a1", "rtb-main", "rtb-own-b1", "rtb-other-workload"],
      subnetRouteTables: { "subnet-a1": "rtb-own-a1", "subnet-b1": "rtb-own-b1" },
      mainRouteTable: "rtb-main",
      routedToS3: ["rtb-own-b1"],
    };
    const cloud = new MockCloud({ network });
    const warnings: string[] = [];

    before(async () => {
      await cloud.install();
      const warn = pulumi.log.warn;
      pulumi.log.warn = (message: string) => warnings.push(message) as unknown as Promise<void>;
      try {
        new AuroraLoader("clicks", {
          archiveBucketName: BUCKET,
          archiveBucketArn: BUCKET_ARN,
          columns: COLUMNS,
          network: { vpcId: "vpc-0abc", subnetIds: ["subnet-a1", "subnet-a2", "subnet-b1"], createEndpoints: true },
        });
        await cloud.settle();
      } finally {
        pulumi.log.warn = warn;
      }
    });

    it("puts the Secrets Manager endpoint in one subnet per Availability Zone, as AWS requires", () => {
      expect(cloud.named("clicks-secrets-endpoint").inputs.subnetIds).to.deep.equal(["subnet-a1", "subnet-b1"]);
    });

    it("routes S3 only from the loader's subnets: their own route tables, and the main one for a subnet without its own; never another workload's", () => {
      expect(cloud.named("clicks-s3-endpoint").inputs.routeTableIds).to.deep.equal(["rtb-own-a1", "rtb-main"]);
    });

    it("leaves a route table that reaches S3 already to the network's own endpoint, and says so", () => {
      expect(warnings.join("\n")).to.match(/route tables rtb-own-b1 of the loader's subnets reach S3 already/);
    });
  });

  describe("argument validation", () => {
    before(() => new MockCloud().install());

    it("names every problem at once", () => {
      const build = () =>
        new AuroraLoader("bad", {
          archiveBucketName: BUCKET,
          archiveBucketArn: BUCKET_ARN,
          columns: COLUMNS,
          columnTypes: { hits: "INT; DROP TABLE x", nope: "INT" },
          loadMode: "copy" as "s3",
          database: { table: "web-analytics", minCapacity: 0.3, maxCapacity: 300 },
          load: { maximumRetryAttempts: 3 },
          logRetentionDays: 13,
        });
      expect(build).to.throw(
        [
          'AuroraLoader "bad": invalid arguments:',
          "  - logRetentionDays must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 13",
          '  - columnTypes.hits: "INT; DROP TABLE x" is not a type the loader accepts (TEXT, MEDIUMTEXT, VARCHAR(n), TINYINT, SMALLINT, INT, BIGINT, DECIMAL(p,s), DOUBLE, BOOLEAN, DATE, DATETIME(fsp), JSON)',
          '  - columnTypes names "nope", which is not a column',
          '  - loadMode must be one of "s3", "streamed", got "copy"',
          '  - database.table must be a letter or "_" then up to 63 letters, digits or "_", got "web-analytics"',
          "  - database.minCapacity must be 0–256 in steps of 0.5, got 0.3",
          "  - database.maxCapacity must be 1–256 in steps of 0.5 and at least minCapacity, got 300",
          "  - load.maximumRetryAttempts must be an integer from 0 to 2, got 3",
        ].join("\n"),
      );
    });

    const withDatabase = (database: Record<string, unknown>) => () =>
      new AuroraLoader("clicks", { archiveBucketName: BUCKET, archiveBucketArn: BUCKET_ARN, columns: COLUMNS, database });

    it("refuses more loaders at once than half the connections of the cluster at its maximum capacity", () => {
      const build = (maximumConcurrency: number, maxCapacity: number) => () =>
        new AuroraLoader("clicks", {
          archiveBucketName: BUCKET,
          archiveBucketArn: BUCKET_ARN,
          columns: COLUMNS,
          database: { maxCapacity },
          load: { maximumConcurrency },
        });
      expect(build(68, 4)).to.throw(/load\.maximumConcurrency must be an integer from 1 to 67, got 68/);
      expect(build(500, 8)).to.not.throw();
    });

    it("reserves at most 100 loaders unless told more, as half a large cluster's connections is more than an account with Lambda's default quota can reserve", async () => {
      const cloud = new MockCloud();
      await cloud.install();
      const large = (name: string, load?: { maximumConcurrency: number }) =>
        new AuroraLoader(name, { archiveBucketName: BUCKET, archiveBucketArn: BUCKET_ARN, columns: COLUMNS, database: { maxCapacity: 16 }, load });
      large("large");
      large("told", { maximumConcurrency: 800 });
      await cloud.settle();
      expect(cloud.named("large-load-function").inputs.reservedConcurrentExecutions).to.equal(100);
      expect(cloud.named("told-load-function").inputs.reservedConcurrentExecutions).to.equal(800);
    });

    it("refuses the Data API and automatic pause on engine versions that lack them, and engine versions that are not Aurora MySQL 3", () => {
      expect(withDatabase({ engineVersion: "8.0.mysql_aurora.3.06.1", dataApi: true })).to.throw(
        /database\.dataApi needs Aurora MySQL 3\.07\.0 or newer, but database\.engineVersion is "8\.0\.mysql_aurora\.3\.06\.1"/,
      );
      expect(withDatabase({ engineVersion: "8.0.mysql_aurora.3.07.1", minCapacity: 0 })).to.throw(
        /database\.minCapacity 0 \(automatic pause\) needs Aurora MySQL 3\.08\.0 or newer/,
      );
      expect(withDatabase({ engineVersion: "8.0.mysql_aurora.3.07.1", dataApi: true, minCapacity: 0.5 })).to.not.throw();
      expect(withDatabase({ engineVersion: "5.7.mysql_aurora.2.11.2" })).to.throw(
        /database\.engineVersion must be an Aurora MySQL 3 version such as "8\.0\.mysql_aurora\.3\.08\.2"/,
      );
    });

    it("holds database.name to RDS's rule for the database it creates: a letter first, at most 64", () => {
      expect(withDatabase({ name: "_clicks" })).to.throw(
        /database\.name must be a letter then up to 63 letters, digits or "_", as RDS requires of the database it creates, got "_clicks"/,
      );
      expect(withDatabase({ name: `c${"x".repeat(64)}` })).to.throw(/database\.name must be a letter then up to 63/);
      expect(withDatabase({ name: `c${"x".repeat(63)}` })).to.not.throw();
    });

    it("refuses at preview a database name MySQL reserves, in any case, or one of MySQL's own schemas, which RDS or the loader would refuse at deploy", () => {
      for (const name of ["order", "Database", "GROUPS", "rank", "lateral"])
        expect(withDatabase({ name }), name).to.throw(
          new RegExp(`database\\.name "${name}" is a word MySQL reserves, which RDS refuses as the database it creates`),
        );
      for (const name of ["mysql", "SYS", "performance_schema", "information_schema"])
        expect(withDatabase({ name }), name).to.throw(
          new RegExp(`database\\.name "${name}" is one of MySQL's own schemas .*where the loader cannot create its tables`),
        );
      // Keywords MySQL does not reserve are names like any other.
      for (const name of ["events", "data", "orders", "analytics", "status"]) expect(withDatabase({ name }), name).to.not.throw();
    });

    it("refuses a loader user that is an account the cluster already has: the master user, RDS's own, or the S3 role", () => {
      for (const loaderUser of ["clickstreamadmin", "rdsadmin", "rdsrepladmin", "rds_superuser_role", "AWS_LOAD_S3_ACCESS"])
        expect(withDatabase({ loaderUser }), loaderUser).to.throw(
          new RegExp(`database\\.loaderUser "${loaderUser}" is an account the cluster already has .*the setup would change its authentication and grants`),
        );
      // MySQL account names are case-sensitive: another case is another account.
      expect(withDatabase({ loaderUser: "ClickstreamAdmin" })).to.not.throw();
    });

    it("refuses a customer-managed archive key with loadMode s3 on an engine older than 3.05, which cannot load such objects from S3", () => {
      const build = (engineVersion: string, loadMode: "s3" | "streamed", archiveKmsKeyArn?: string) => () =>
        new AuroraLoader("clicks", {
          archiveBucketName: BUCKET,
          archiveBucketArn: BUCKET_ARN,
          archiveKmsKeyArn,
          columns: COLUMNS,
          loadMode,
          database: { engineVersion, minCapacity: 0.5 },
        });
      const key = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555";
      expect(build("8.0.mysql_aurora.3.04.3", "s3", key)).to.throw(
        /archiveKmsKeyArn with loadMode "s3" needs Aurora MySQL 3\.05\.0 or newer .* but database\.engineVersion is "8\.0\.mysql_aurora\.3\.04\.3": raise it, or set loadMode "streamed"/,
      );
      expect(build("8.0.mysql_aurora.3.05.2", "s3", key)).to.not.throw();
      expect(build("8.0.mysql_aurora.3.04.3", "streamed", key)).to.not.throw();
      expect(build("8.0.mysql_aurora.3.04.3", "s3")).to.not.throw();
    });

    it("refuses a component name that makes the loader's function name longer than Lambda allows, as a ResourceError on the component", () => {
      let error: Error | undefined;
      try {
        new AuroraLoader("clickstream-analytics-loader-for-the-poc-account", { archiveBucketName: BUCKET, archiveBucketArn: BUCKET_ARN, columns: COLUMNS });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.constructor?.name).to.equal("ResourceError");
      expect(error!.message).to.include(
        'name "clickstream-analytics-loader-for-the-poc-account" makes the Lambda function name "clickstream-analytics-loader-for-the-poc-account-db-setup-function-0000000" 74 characters long; AWS allows 64',
      );
    });
  });
});
