import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { AuroraLoader } from "../../components/aurora-loader";
import { CrossAccountStreamSource } from "../../components/cross-account-stream-source";
import { DedupTable } from "../../components/dedup-table";
import { FirehoseArchive } from "../../components/firehose-archive";
import { StreamProjection } from "../../components/stream-projection";
import { ALL_BUT_EXPIRIES } from "../../functions/shared/table-stream";
import { MockCloud, policyOf, resolve } from "../harness/mock-cloud";
import { stackConfig, up } from "../support/stacks";
import { takesTags } from "../support/tags";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const TABLE_STREAM = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks/stream/2026-01-01T00:00:00.000";
const OTHER_TABLE_STREAM = "arn:aws:dynamodb:eu-west-1:999999999999:table/other/stream/2026-02-01T00:00:00.000";
const READER = "arn:aws:iam::999999999999:role/scores-by-user-project-role";
const BUCKET = {
  archiveBucketName: "archive",
  archiveBucketArn: "arn:aws:s3:::archive",
  columns: ["dedup_key", "change", "changed_at", "stream_sequence", "page_id"],
};
const INDEX = { kind: "index" as const, hashKey: "useremail" };

/** The error an output's value fails with, once the mocks resolve it. */
const failureOf = (output: pulumi.Output<unknown>): Promise<string> =>
  (output as unknown as { promise(): Promise<unknown> }).promise().then(
    () => "no error",
    (error: Error) => error.message,
  );

/**
 * What a deployed stack goes through after weeks on a real account: changes that would lose
 * records without replacing anything, AWS's own upgrades, records a mapping gives up on.
 */
describe("day 2 on a real account", () => {
  describe("changes to a deployed stack that would lose records, refused at preview unless acknowledged", () => {
    before(() => new MockCloud().install());

    it("a new view type of the table's stream, naming what it loses and the runbook, acknowledged only with the mappings' move it brings about (Why: acknowledged alone, the update failed after the stream was cycled)", () => {
      const deployed = { streamViewType: "NEW_IMAGE", sourceStreamArn: STREAM_ARN };
      const change = (ack?: string[]) => () =>
        new DedupTable("clicks", {
          pull: { streamArn: STREAM_ARN },
          table: { streamViewType: "NEW_AND_OLD_IMAGES" },
          lastDeployment: deployed,
          liveChangesAcknowledged: ack,
        });
      expect(change()).to.throw(
        /table\.streamViewType changes from "NEW_IMAGE" to "NEW_AND_OLD_IMAGES" on a deployed stack: DynamoDB disables the table's stream and creates a new one[\s\S]*docs\/change-over-time\.md#changing-the-tables-stream[\s\S]*liveChangesAcknowledged: \["table\.streamViewType","tableStreamArn"\]/,
      );
      expect(change(["table.streamViewType"])).to.throw(/table\.streamViewType changes/);
      expect(change(["table.streamViewType", "tableStreamArn"])).to.not.throw();
      expect(() => new DedupTable("clicks", { pull: { streamArn: STREAM_ARN }, lastDeployment: deployed })).to.not.throw();
    });

    it("the ingest moved to another stream, whether the stream is known at preview or only from another resource", async () => {
      const deployed = { streamViewType: "NEW_IMAGE", sourceStreamArn: STREAM_ARN };
      const other = "arn:aws:kinesis:eu-west-1:111111111111:stream/other";
      expect(() => new DedupTable("clicks", { pull: { streamArn: other }, lastDeployment: deployed })).to.throw(
        /pull\.streamArn changes from [\s\S]*the old stream's records it has not read yet never reach the table/,
      );
      const later = new DedupTable("later", { pull: { streamArn: pulumi.output(other) }, lastDeployment: deployed });
      expect(await failureOf(later.deployment)).to.match(/DedupTable "later": invalid arguments:[\s\S]*pull\.streamArn changes from/);
      const same = new DedupTable("same", { pull: { streamArn: pulumi.output(STREAM_ARN) }, lastDeployment: deployed });
      expect(await resolve(same.deployment)).to.deep.equal(deployed);
    });

    it("the archive's and a projection's mapping moved to another table stream", async () => {
      const lastDeployment = { tableStreamArn: TABLE_STREAM };
      expect(() => new FirehoseArchive("clicks", { tableStreamArn: OTHER_TABLE_STREAM, lastDeployment })).to.throw(
        /tableStreamArn changes from [\s\S]*never archived or projected/,
      );
      const archive = new FirehoseArchive("later", { tableStreamArn: pulumi.output(OTHER_TABLE_STREAM), lastDeployment });
      expect(await failureOf(archive.deployment)).to.match(/FirehoseArchive "later"[\s\S]*tableStreamArn changes from/);
      expect(() => new StreamProjection("by-user", { projection: INDEX, tableStreamArn: OTHER_TABLE_STREAM, lastDeployment })).to.throw(
        /tableStreamArn changes from/,
      );
      expect(
        () =>
          new StreamProjection("acked", { projection: INDEX, tableStreamArn: OTHER_TABLE_STREAM, lastDeployment, liveChangesAcknowledged: ["tableStreamArn"] }),
      ).to.not.throw();
    });

    it("source-record backup turned off on the same delivery stream, which Firehose cannot do; a new delivery stream may start without it", async () => {
      const lastDeployment = { tableStreamArn: TABLE_STREAM, backupSourceRecords: true, deliveryStreamName: "clicks-delivery" };
      const refused =
        /delivery\.backupSourceRecords changes from true to false on the same delivery stream: Firehose cannot turn source-record backup off once it is on[\s\S]*docs\/change-over-time\.md#turning-source-record-backup-off/;
      expect(() => new FirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM, lastDeployment })).to.throw(refused);
      expect(() => new FirehoseArchive("named", { tableStreamArn: TABLE_STREAM, delivery: { name: "clicks-delivery" }, lastDeployment })).to.throw(refused);
      expect(() => new FirehoseArchive("moved", { tableStreamArn: TABLE_STREAM, delivery: { name: "clicks-delivery-2" }, lastDeployment })).to.not.throw();
      const kept = new FirehoseArchive("kept", {
        tableStreamArn: TABLE_STREAM,
        delivery: { name: "clicks-delivery", backupSourceRecords: true },
        lastDeployment,
      });
      expect(await resolve(kept.deployment)).to.deep.equal(lastDeployment);
      const off = new FirehoseArchive("off", { tableStreamArn: TABLE_STREAM, delivery: { name: "off-delivery" } });
      expect(await resolve(off.deployment)).to.deep.equal({ tableStreamArn: TABLE_STREAM, backupSourceRecords: false, deliveryStreamName: "off-delivery" });
    });

    it("a new view type of the source's shared table stream", () => {
      expect(
        () =>
          new CrossAccountStreamSource("source", {
            sharedTable: { hashKey: "id", streamViewType: "NEW_IMAGE" },
            lastDeployment: { sharedTableStreamViewType: "NEW_AND_OLD_IMAGES" },
          }),
      ).to.throw(/sharedTable\.streamViewType changes from "NEW_AND_OLD_IMAGES" to "NEW_IMAGE"/);
    });
  });

  describe("AWS's upgrades of Aurora", () => {
    const cloud = new MockCloud();
    let loader: AuroraLoader;

    before(async () => {
      await cloud.install();
      loader = new AuroraLoader("clicks", BUCKET);
      await cloud.settle();
    });

    it("sets the version once, on the cluster, with automatic minor upgrades off on the cluster and its instance", () => {
      expect(cloud.named("clicks-cluster").inputs).to.include({ engineVersion: "8.0.mysql_aurora.3.08.2", autoMinorVersionUpgrade: false });
      expect(cloud.named("clicks-instance").inputs).to.include({ autoMinorVersionUpgrade: false }).and.not.have.property("engineVersion");
    });

    it("reports the version the cluster runs, for the next deployment to compare", async () => {
      expect(await resolve(loader.deployment)).to.deep.equal({ engineVersion: "8.0.mysql_aurora.3.08.2" });
    });

    it("meets a version AWS raised with the version to set, instead of planning a downgrade", () => {
      const deployed = (engineVersion: string) => () => new AuroraLoader("upgraded", { ...BUCKET, lastDeployment: { engineVersion } });
      expect(deployed("8.0.mysql_aurora.3.09.0")).to.throw(
        /database\.engineVersion is "8\.0\.mysql_aurora\.3\.08\.2", but the cluster runs "8\.0\.mysql_aurora\.3\.09\.0"[\s\S]*Set database\.engineVersion to "8\.0\.mysql_aurora\.3\.09\.0"/,
      );
      expect(deployed("8.0.mysql_aurora.3.08.2")).to.not.throw();
      // Configured ahead of the running version: a deliberate upgrade.
      expect(deployed("8.0.mysql_aurora.3.07.1")).to.not.throw();
    });

    it("refuses overrides that would step around those checks", () => {
      for (const key of ["engineVersion", "serverlessv2ScalingConfiguration", "enableHttpEndpoint", "masterUserSecretKmsKeyId", "autoMinorVersionUpgrade"]) {
        expect(() => new AuroraLoader("bad", { ...BUCKET, overrides: { cluster: { [key]: "x" } } }), key).to.throw(
          new RegExp(`overrides\\.cluster\\.${key} cannot be overridden`),
        );
      }
    });

    it("exports the audit log of connections, DDL and DCL (not the rows' queries) and the error log, to log groups made first with retention and their own key", () => {
      const parameters = cloud.named("clicks-cluster-parameters").inputs.parameters;
      expect(parameters).to.deep.include.members([
        { name: "server_audit_logging", value: "1", applyMethod: "immediate" },
        { name: "server_audit_events", value: "CONNECT,QUERY_DDL,QUERY_DCL", applyMethod: "immediate" },
      ]);
      expect(cloud.named("clicks-cluster").inputs.enabledCloudwatchLogsExports).to.deep.equal(["audit", "error"]);
      const cluster = cloud.named("clicks-cluster").state.clusterIdentifier;
      const key = cloud.named("clicks-logs-key");
      for (const type of ["audit", "error"]) {
        const group = cloud.named(`clicks-cluster-${type}-logs`);
        expect(group.inputs).to.include({ name: `/aws/rds/cluster/${cluster}/${type}`, retentionInDays: 30, kmsKeyId: key.state.arn });
        expect(cloud.named("clicks-instance").dependencies).to.include(group.urn);
      }
      const logs = policyOf(key).Statement.find((s) => s.Sid === "CloudWatchLogsEncryptsClusterLogs")!;
      expect(logs.Principal).to.deep.equal({ Service: "logs.eu-west-1.amazonaws.com" });
      expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.equal(
        `arn:aws:logs:eu-west-1:999999999999:log-group:/aws/rds/cluster/${cluster}/*`,
      );
    });

    it("lets the failed-events queue refuse any request not made over TLS", () => {
      expect(policyOf(cloud.named("clicks-failed-events-policy")).Statement).to.deep.equal([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: [cloud.named("clicks-failed-events").state.arn],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });
  });

  describe("records a mapping gives up on", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new DedupTable("clicks", { pull: { streamArn: STREAM_ARN } });
      new FirehoseArchive("archive", { tableStreamArn: TABLE_STREAM });
      new StreamProjection("by-user", { tableStreamArn: TABLE_STREAM, projection: INDEX });
      await cloud.settle();
    });

    for (const fn of ["clicks-ingest", "archive-forward", "by-user-project"]) {
      it(`${fn}: its mapping publishes its event counts, and alarms on records sent to its dead-letter bucket or dropped`, () => {
        const mapping = cloud.named(`${fn}-mapping`);
        expect(mapping.inputs.metricsConfig).to.deep.equal({ metrics: ["EventCount"] });
        for (const [alarm, metricName] of [
          ["on-failure", "OnFailureDestinationDeliveredEventCount"],
          ["dropped", "DroppedEventCount"],
        ]) {
          expect(cloud.named(`${fn}-${alarm}-alarm`).inputs).to.deep.include({
            namespace: "AWS/Lambda",
            metricName,
            dimensions: { EventSourceMappingUUID: mapping.state.uuid },
            statistic: "Sum",
            threshold: 1,
          });
        }
      });
    }

    it("filters the table's TTL expiries out on the table stream mappings, not on the Kinesis one", () => {
      const patterns = (name: string) => cloud.named(name).inputs.filterCriteria?.filters.map((f: { pattern: string }) => JSON.parse(f.pattern));
      expect(patterns("archive-forward-mapping")).to.deep.equal(ALL_BUT_EXPIRIES);
      expect(patterns("by-user-project-mapping")).to.deep.equal(ALL_BUT_EXPIRIES);
      expect(patterns("clicks-ingest-mapping")).to.equal(undefined);
    });
  });

  describe("the source account's stream", () => {
    const cloud = new MockCloud();

    before(async () => {
      await cloud.install();
      new CrossAccountStreamSource("source", { sharedTable: { hashKey: "id" }, sharedTableReaderRoleArns: [READER] });
      await cloud.settle();
    });

    it("refuses a shard count Kinesis cannot reach by default from the deployed one in one change (at most double or half) unless acknowledged, and reports the count for the next deployment", () => {
      const change = (from: number, to: number) => () =>
        new CrossAccountStreamSource(`resharded-${from}-${to}`, { stream: { shardCount: to }, lastDeployment: { shardCount: from } });
      expect(change(2, 5)).to.throw(
        /stream\.shardCount changes from 2 to 5, but by default Kinesis changes a stream's shards at most to double or half at a time: deploy a count from 1 to 4 first.*liveChangesAcknowledged: \["stream\.shardCount"\]/,
      );
      expect(
        () =>
          new CrossAccountStreamSource("raised", {
            stream: { shardCount: 5 },
            lastDeployment: { shardCount: 2 },
            liveChangesAcknowledged: ["stream.shardCount"],
          }),
        "an account whose limit AWS raised",
      ).to.not.throw();
      expect(change(10, 4)).to.throw(/stream\.shardCount changes from 10 to 4, .*deploy a count from 5 to 20 first/);
      for (const [from, to] of [
        [2, 4],
        [10, 5],
        [3, 2],
      ])
        expect(change(from, to), `${from} to ${to}`).to.not.throw();
      expect(change(2, 4)().deployment).to.deep.equal({ shardCount: 4 });
      expect(new CrossAccountStreamSource("on-demand", {}).deployment).to.deep.equal({});
    });

    it("alarms when producers are throttled", () => {
      for (const [alarm, metricName] of [
        ["write-throttled", "WriteProvisionedThroughputExceeded"],
        ["put-records-throttled", "PutRecords.ThrottledRecords"],
      ]) {
        expect(cloud.named(`source-${alarm}-alarm`).inputs).to.deep.include({ namespace: "AWS/Kinesis", metricName, statistic: "Sum", threshold: 1 });
      }
    });

    it("lets the shared table's readers decrypt that table's data only", () => {
      const readers = policyOf(cloud.named("source-key-policy")).Statement.find((s) => s.Sid === "ReadersDecryptSharedTableStream")!;
      expect(readers.Condition.StringEquals["kms:EncryptionContext:aws:dynamodb:tableName"]).to.equal(cloud.named("source-shared-table").state.name);
    });
  });

  describe("the stacks' own resources and their components'", () => {
    it("all carry the stack's tags: project, stack, owner and data classification", async () => {
      const config = { owner: "data-platform" };
      const poc = await up("consumer", { ...stackConfig("poc"), ...config }, {});
      const prod = await up("source", { ...stackConfig("prod"), ...config }, poc.outputs);
      for (const [stack, run] of [
        ["poc", poc],
        ["prod", prod],
      ] as const) {
        const untagged = run.cloud.resources.filter(
          (r) =>
            takesTags(r.type) &&
            !(
              r.inputs.tags?.stack === stack &&
              r.inputs.tags?.project === "stream-replication" &&
              r.inputs.tags?.owner === "data-platform" &&
              r.inputs.tags?.["data-classification"] === "personal"
            ),
        );
        expect(
          untagged.map((r) => `${r.type} ${r.name}`),
          stack,
        ).to.deep.equal([]);
        expect(run.cloud.resources.filter((r) => takesTags(r.type)).length, stack).to.be.greaterThan(5);
      }
    });

    it("keep the alarm topic to this account's alarms, and to TLS", async () => {
      const poc = await up("consumer", stackConfig("poc"), {});
      const statements = policyOf(poc.cloud.named("alerts-policy")).Statement;
      expect(statements.map((s) => s.Sid)).to.deep.equal(["AccountManagesTopic", "CloudWatchAlarmsPublish", "DenyInsecureTransport"]);
      expect(statements[2]).to.deep.include({ Effect: "Deny", Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    });
  });
});
