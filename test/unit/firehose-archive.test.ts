import { expect } from "chai";
import { FirehoseArchive } from "../../components/firehose-archive";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";

const TABLE_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3";
const TABLE_STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;
const KEY_ARN = "arn:aws:kms:eu-west-1:999999999999:key/5e6f7a8b-1111-4111-8111-111111111111";

const named = (cloud: MockCloud, name: string) => cloud.named(name);

describe("FirehoseArchive", () => {
  describe("with defaults", () => {
    const cloud = new MockCloud();
    let component: FirehoseArchive;

    before(async () => {
      await cloud.install();
      component = new FirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM_ARN });
      await cloud.settle();
    });

    const s3 = () => cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs.extendedS3Configuration;

    it("delivers to the archive bucket under processed/ by hour, and refused records under failed/ by error type", () => {
      const delivery = cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs;
      expect(delivery.destination).to.equal("extended_s3");
      expect(s3().bucketArn).to.equal(named(cloud, "clicks-bucket").state.arn);
      expect(s3().prefix).to.equal("processed/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/");
      expect(s3().errorOutputPrefix).to.equal("failed/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/");
      expect(delivery.serverSideEncryption).to.deep.equal({ enabled: true, keyType: "AWS_OWNED_CMK" });
    });

    it("buffers 5 MiB or 300 s (the cross-account replication design), writes plain .csv, and keeps no source copy", () => {
      expect(s3()).to.include({ bufferingSize: 5, bufferingInterval: 300, compressionFormat: "UNCOMPRESSED", fileExtension: ".csv", s3BackupMode: "Disabled" });
      expect(s3().s3BackupConfiguration).to.equal(undefined);
    });

    it("runs every record through the transform function", () => {
      expect(s3().processingConfiguration).to.deep.equal({
        enabled: true,
        processors: [{ type: "Lambda", parameters: [{ parameterName: "LambdaArn", parameterValue: named(cloud, "clicks-transform-function").state.arn }] }],
      });
    });

    it("gives the transform the schema, the columns and their SQL types, compiled once when its container starts", () => {
      const variables = named(cloud, "clicks-transform-function").inputs.environment.variables;
      expect(JSON.parse(variables.SCHEMA)).to.deep.equal(WEB_ANALYTICS_SCHEMA);
      expect(JSON.parse(variables.COLUMNS)).to.deep.equal(WEB_ANALYTICS_COLUMNS);
      expect(JSON.parse(variables.COLUMN_TYPES)).to.deep.equal({ hits: "INT" });
      expect(component.columnTypes).to.deep.equal({ hits: "INT" });
      expect(component.csvColumns.slice(0, 5)).to.deep.equal(["dedup_key", "change", "changed_at", "stream_sequence", "page_id"]);
    });

    it("logs delivery errors to its own log group, kept 30 days", () => {
      const group = named(cloud, "clicks-delivery-logs");
      expect(group.inputs.retentionInDays).to.equal(30);
      expect(s3().cloudwatchLoggingOptions).to.deep.equal({ enabled: true, logGroupName: group.state.name, logStreamName: "DestinationDelivery" });
    });

    it("lets Firehose, for this account only, assume its role, which may write only under processed/ and failed/ of its bucket and invoke only its transform", () => {
      const role = named(cloud, "clicks-firehose-role");
      expect(policyOf(role, "assumeRolePolicy").Statement).to.deep.equal([
        {
          Effect: "Allow",
          Principal: { Service: "firehose.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": cloud.accountId } },
        },
      ]);
      const bucket = named(cloud, "clicks-bucket").state.arn;
      expect(policyOf(named(cloud, "clicks-firehose-policy")).Statement).to.deep.equal([
        { Sid: "FindArchiveBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucket },
        {
          Sid: "WriteArchivePrefixes",
          Effect: "Allow",
          Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
          Resource: [`${bucket}/processed/*`, `${bucket}/failed/*`],
        },
        {
          Sid: "InvokeTransform",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
          Resource: [named(cloud, "clicks-transform-function").state.arn, `${named(cloud, "clicks-transform-function").state.arn}:*`],
        },
        { Sid: "WriteDeliveryLogs", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${named(cloud, "clicks-delivery-logs").state.arn}:*` },
      ]);
    });

    it("lets the forward function read only the table's stream and put only to its delivery stream", () => {
      const statements = policyOf(named(cloud, "clicks-forward-policy")).Statement;
      const deadLetter = named(cloud, "clicks-forward-dead-letter").state.arn;
      expect(statements.slice(1)).to.deep.equal([
        {
          Sid: "ReadTableStream",
          Effect: "Allow",
          Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
          Resource: TABLE_STREAM_ARN,
        },
        { Sid: "ListTableStreams", Effect: "Allow", Action: "dynamodb:ListStreams", Resource: "*" },
        {
          Sid: "PutToDeliveryStream",
          Effect: "Allow",
          Action: "firehose:PutRecordBatch",
          Resource: cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").state.arn,
        },
        { Sid: "WriteDeadLetters", Effect: "Allow", Action: "s3:PutObject", Resource: `${deadLetter}/*` },
        { Sid: "ListDeadLetters", Effect: "Allow", Action: "s3:ListBucket", Resource: deadLetter },
      ]);
    });

    it("maps the table's stream to the forward function as the ingest mapping is: bisect, bounded retries, partial batches, on-failure bucket", () => {
      const mapping = cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
      expect(mapping).to.include({
        eventSourceArn: TABLE_STREAM_ARN,
        functionName: named(cloud, "clicks-forward-function").state.arn,
        startingPosition: "TRIM_HORIZON",
        batchSize: 100,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 10,
        maximumRecordAgeInSeconds: 86400,
      });
      expect(mapping.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
      expect(mapping.destinationConfig.onFailure.destinationArn).to.equal(named(cloud, "clicks-forward-dead-letter").state.arn);
    });

    it("tells the forward function where to send, how to key and what to do with removes", () => {
      expect(named(cloud, "clicks-forward-function").inputs.environment.variables).to.include({
        DELIVERY_STREAM_NAME: cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").state.name,
        KEY_ATTRIBUTES: "seqNumbershardIdHash,sequenceNumber",
        REMOVE_MODE: "marker",
        SEND_MAX_ATTEMPTS: "6",
      });
    });

    it("keeps the bucket versioned, private, encrypted, TLS-only, with old versions and failed data expiring", () => {
      const bucketId = named(cloud, "clicks-bucket").id;
      expect(named(cloud, "clicks-bucket-versioning").inputs).to.deep.include({ bucket: bucketId, versioningConfiguration: { status: "Enabled" } });
      expect(named(cloud, "clicks-bucket-public-access").inputs).to.include({ blockPublicAcls: true, restrictPublicBuckets: true });
      expect(named(cloud, "clicks-bucket-encryption").inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
      expect(policyOf(named(cloud, "clicks-bucket-policy")).Statement[0]).to.include({ Sid: "DenyInsecureTransport", Effect: "Deny" });
      const lifecycle = named(cloud, "clicks-bucket-lifecycle");
      expect(lifecycle.inputs.rules).to.deep.equal([
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        { id: "age-failed-data", status: "Enabled", filter: { prefix: "failed/" }, expiration: { days: 90 } },
      ]);
      expect(lifecycle.dependencies).to.include(named(cloud, "clicks-bucket-versioning").urn);
      expect(cloud.ofType("aws:s3/bucketLogging:BucketLogging")).to.have.length(0);
    });

    it("parents every child to the component and exposes what the loader needs", async () => {
      const children = await cloud.childrenOf(component);
      expect(children).to.have.length(cloud.resources.length - 1);
      expect(await resolve(component.bucketName)).to.equal(named(cloud, "clicks-bucket").state.bucket);
      expect(await resolve(component.deliveryStreamArn)).to.equal(cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").state.arn);
    });
  });

  describe("with every option", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new FirehoseArchive("clicks", {
        tableStreamArn: TABLE_STREAM_ARN,
        removeMode: "skip",
        columns: [{ name: "page", path: "page_id" }],
        schema: { type: "object", required: ["page_id"] },
        delivery: { name: "web-analytics", bufferSizeMiB: 64, bufferIntervalSeconds: 60, compression: "GZIP", backupSourceRecords: true },
        bucket: {
          kmsKeyArn: KEY_ARN,
          noncurrentVersionExpireDays: 7,
          failedDataExpireDays: 365,
          failedDataGlacierAfterDays: 30,
          accessLog: { bucket: "acme-access-logs", prefix: "archive/" },
        },
        forward: { batchSize: 500, sendMaxAttempts: 3 },
        logRetentionDays: 7,
      });
      await cloud.settle();
    });

    const s3 = () => cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs.extendedS3Configuration;

    it("compresses with GZIP and keeps the untransformed source records under source/", () => {
      expect(s3()).to.include({ bufferingSize: 64, bufferingInterval: 60, compressionFormat: "GZIP", fileExtension: ".csv.gz", s3BackupMode: "Enabled" });
      expect(s3().s3BackupConfiguration).to.deep.include({
        bucketArn: named(cloud, "clicks-bucket").state.arn,
        prefix: "source/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/",
        errorOutputPrefix: "failed/source-backup-!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/",
        compressionFormat: "GZIP",
      });
      expect(s3().s3BackupConfiguration.cloudwatchLoggingOptions.logStreamName).to.equal("BackupDelivery");
      const bucket = named(cloud, "clicks-bucket").state.arn;
      expect(policyOf(named(cloud, "clicks-firehose-policy")).Statement[1]).to.deep.equal({
        Sid: "WriteArchivePrefixes",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
        Resource: [`${bucket}/processed/*`, `${bucket}/failed/*`, `${bucket}/source/*`],
      });
    });

    it("encrypts the bucket with the customer key, and lets Firehose use it only through S3 for its prefixes of this bucket", () => {
      expect(named(cloud, "clicks-bucket-encryption").inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({
        sseAlgorithm: "aws:kms",
        kmsMasterKeyId: KEY_ARN,
      });
      const bucket = named(cloud, "clicks-bucket").state.arn;
      expect(policyOf(named(cloud, "clicks-firehose-policy")).Statement[4]).to.deep.equal({
        Sid: "EncryptArchiveObjects",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: KEY_ARN,
        Condition: {
          StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket, `${bucket}/processed/*`, `${bucket}/failed/*`, `${bucket}/source/*`] },
        },
      });
    });

    it("moves failed data to Glacier, then expires it, and logs bucket access", () => {
      expect(named(cloud, "clicks-bucket-lifecycle").inputs.rules[1]).to.deep.equal({
        id: "age-failed-data",
        status: "Enabled",
        filter: { prefix: "failed/" },
        expiration: { days: 365 },
        transitions: [{ days: 30, storageClass: "GLACIER" }],
      });
      expect(named(cloud, "clicks-bucket-access-log").inputs).to.include({ targetBucket: "acme-access-logs", targetPrefix: "archive/" });
    });

    it("passes the remove mode, columns, schema and mapping options through", () => {
      expect(named(cloud, "clicks-forward-function").inputs.environment.variables).to.include({ REMOVE_MODE: "skip", SEND_MAX_ATTEMPTS: "3" });
      expect(cloud.one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs.batchSize).to.equal(500);
      const variables = named(cloud, "clicks-transform-function").inputs.environment.variables;
      expect(JSON.parse(variables.COLUMNS)).to.deep.equal([{ name: "page", path: "page_id" }]);
      expect(cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs.name).to.equal("web-analytics");
    });
  });

  describe("argument validation", () => {
    before(() => new MockCloud().install());
    const build = (args: Partial<ConstructorParameters<typeof FirehoseArchive>[1]>) => () =>
      new FirehoseArchive("bad", { tableStreamArn: TABLE_STREAM_ARN, ...args });

    it("refuses a schema ajv cannot compile, at preview", () => {
      expect(build({ schema: { type: "no-such-type" } })).to.throw(/FirehoseArchive "bad": invalid arguments:\n {2}- schema is not a valid JSON Schema: /);
    });

    it("refuses column names SQL cannot use, names used twice, and empty paths", () => {
      expect(
        build({
          columns: [
            { name: "page id", path: "page_id" },
            { name: "dedup_key", path: "x" },
            { name: "ok", path: "a..b" },
          ],
        }),
      ).to.throw(/columns\[0\]\.name must be a letter[\s\S]*columns\[1\]\.name "dedup_key" is used twice[\s\S]*columns\[2\]\.path must be a dotted path/);
    });

    it("fails preview naming each column whose SQL type the schema does not keep its values within (Why: an integer past INT's range was accepted, then refused by MySQL)", () => {
      const schema = {
        type: "object",
        properties: {
          Hits: { type: "integer" },
          big: { type: "integer", minimum: 0, maximum: 1e12 },
          country: { type: "string", maxLength: 3 },
          price: { type: "number", minimum: 0, maximum: 100000 },
          when: { type: "number" },
          note: { type: "string", maxLength: 20_000 },
        },
      };
      const columns = ["Hits", "big", "country", "price", "when", "note", "absent"].map((path) => ({ name: path.toLowerCase(), path }));
      const columnTypes = { hits: "INT", big: "INT", country: "VARCHAR(2)", price: "DECIMAL(6,2)", when: "DATETIME(3)", note: "TEXT", absent: "BIGINT" };
      expect(build({ schema, columns, columnTypes })).to.throw(
        [
          'FirehoseArchive "bad": invalid arguments:',
          "  - column hits is INT: the schema must bound item.Hits with minimum and maximum within INT's range -2147483648..2147483647",
          "  - column big is INT: the schema lets item.big range over 0..1000000000000, outside INT's -2147483648..2147483647",
          "  - column country is VARCHAR(2): the schema must bound item.country with maxLength ≤ 2 (VARCHAR(2)), got 3",
          "  - column price is DECIMAL(6,2): the schema lets item.price range over 0..100000, outside DECIMAL(6,2)'s ±10000 (exclusive)",
          "  - column when is DATETIME(3): the schema must give item.when the type string, not number",
          "  - column note is TEXT: the schema lets item.note be 20000 characters, up to 80000 bytes; TEXT holds 65535 bytes (maxLength ≤ 16383, or MEDIUMTEXT)",
          "  - column absent is BIGINT: the schema must give item.absent the type integer",
        ].join("\n"),
      );
      expect(build({ columns, columnTypes: { nope: "INT", hits: "INT(11)" } })).to.throw(
        /columnTypes names "nope", which is not one of the columns[\s\S]*columnTypes: column hits: "INT\(11\)" is not a type the loader accepts/,
      );
      expect(build({ schema, columns, columnTypes: { hits: "TEXT", big: "BIGINT", country: "VARCHAR(3)", note: "MEDIUMTEXT" } })).not.to.throw();
    });

    it("refuses a schema too large for the transform's environment", () => {
      const schema = { type: "object", description: "x".repeat(4_000) };
      expect(build({ schema })).to.throw(/schema, columns and column types take \d+ bytes as JSON; the transform's environment holds at most 3500/);
    });

    it("names out-of-range buffering, lifecycle and mapping settings", () => {
      expect(
        build({ delivery: { bufferSizeMiB: 0, compression: "ZIP" as "GZIP" }, bucket: { failedDataGlacierAfterDays: 120 }, forward: { batchSize: 0 } }),
      ).to.throw(
        /delivery\.compression must be one of[\s\S]*delivery\.bufferSizeMiB must be an integer from 1 to 128, got 0[\s\S]*failedDataGlacierAfterDays must be before bucket\.failedDataExpireDays[\s\S]*forward\.batchSize must be an integer from 1 to 10000, got 0/,
      );
    });
  });
});
