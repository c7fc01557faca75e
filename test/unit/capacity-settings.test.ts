import { expect } from "chai";
import { AuroraLoader } from "../../components/aurora-loader";
import { DedupTable } from "../../components/dedup-table";
import { FirehoseArchive } from "../../components/firehose-archive";
import { StreamProjection } from "../../components/stream-projection";
import { pipelineSettings, withSetting, type SettingsInput } from "../../capacity/settings";
import { archiveRecordBytes, itemBytes } from "../../capacity/sizes";
import { archiveRecords } from "../../bench/archive-records";
import { decodeRecord } from "../../functions/ingest/core";
import { itemSizeBytes } from "../../functions/ingest/item-size";
import { clickstreamBatches } from "../../local/clickstream";
import { MockCloud } from "../harness/mock-cloud";

const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/web-analytics";
const TABLE_STREAM_ARN = "arn:aws:dynamodb:eu-west-1:999999999999:table/clicks-table-0c1d2e3/stream/2026-01-01T00:00:00.000";

describe("capacity settings", () => {
  describe("read as the components apply them, when the config says nothing", () => {
    const cloud = new MockCloud();
    const settings = pipelineSettings({ region: "eu-west-1", projections: [{ name: "by-user", projection: { kind: "index", hashKey: "useremail" } }] });

    before(async () => {
      await cloud.install();
      new DedupTable("clicks", { pull: { streamArn: STREAM_ARN } });
      new DedupTable("provisioned", { table: { billingMode: "PROVISIONED", capacity: { read: 5, write: 20 } } });
      new FirehoseArchive("clicks", { tableStreamArn: TABLE_STREAM_ARN });
      new StreamProjection("by-user", { tableStreamArn: TABLE_STREAM_ARN, projection: { kind: "index", hashKey: "useremail" } });
      new AuroraLoader("clicks", { archiveBucketName: "archive", archiveBucketArn: "arn:aws:s3:::archive", columns: ["dedup_key"] });
      await cloud.settle();
    });

    const memory = (name: string) => cloud.named(`${name}-function`).inputs.memorySize;
    /** A stream function's mapping and memory, as the component emitted them. */
    const emitted = (name: string) => {
      const { batchSize, parallelizationFactor, maximumBatchingWindowInSeconds } = cloud.named(`${name}-mapping`).inputs;
      return { batchSize, parallelizationFactor, maximumBatchingWindowInSeconds, memorySize: memory(name) };
    };

    it("the ingest function: its mapping, memory and write concurrency", () => {
      const writeConcurrency = Number(cloud.named("clicks-ingest-function").inputs.environment.variables.WRITE_CONCURRENCY);
      expect(settings.ingest).to.deep.equal({ ...emitted("clicks-ingest"), writeConcurrency });
    });

    it("the forward function, the transform and the delivery stream's buffering", () => {
      expect(settings.forward).to.deep.equal(emitted("clicks-forward"));
      expect(settings.transform.memorySize).to.equal(memory("clicks-transform"));
      const s3 = cloud.one("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs.extendedS3Configuration;
      expect(settings.delivery).to.deep.equal({ bufferSizeMiB: s3.bufferingSize, bufferIntervalSeconds: s3.bufferingInterval });
    });

    it("a projection's mapping and memory", () => {
      expect(settings.projections[0].mapping).to.deep.equal(emitted("by-user-project"));
    });

    it("the table's billing, a provisioned table's autoscaling range and target, and when its items expire", () => {
      expect(settings.table.billingMode).to.equal(cloud.named("clicks-table").inputs.billingMode);
      const provisioned = pipelineSettings({ region: "eu-west-1", table: { billingMode: "PROVISIONED", capacity: { read: 5, write: 20 } } }).table;
      const target = cloud.named("provisioned-write-scaling").inputs;
      const policy = cloud.named("provisioned-write-scaling-policy").inputs.targetTrackingScalingPolicyConfiguration;
      expect(provisioned).to.deep.equal({
        billingMode: "PROVISIONED",
        writeUnits: target.minCapacity,
        maxWriteUnits: target.maxCapacity,
        targetUtilization: policy.targetValue,
        expireAfterDays: settings.table.expireAfterDays,
      });
      expect(settings.table.expireAfterDays! * 86_400).to.equal(
        Number(cloud.named("clicks-ingest-function").inputs.environment.variables.EXPIRE_AFTER_SECONDS),
      );
    });

    it("the cluster's capacity range and the load function's memory", () => {
      const scaling = cloud.named("clicks-cluster").inputs.serverlessv2ScalingConfiguration;
      expect(settings.aurora).to.include({ minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity, loaderMemorySize: memory("clicks-load") });
    });
  });

  describe("from the config", () => {
    it("takes every setting the config gives, and no Aurora when it is turned off", () => {
      const settings = pipelineSettings({
        region: "us-east-1",
        accessMode: "push",
        stream: { shardCount: 8 },
        fanOut: true,
        ingest: { batchSize: 500, parallelizationFactor: 2, maximumBatchingWindowInSeconds: 1, memorySize: 1024, writeConcurrency: 8 },
        table: { billingMode: "PROVISIONED", capacity: { read: 10, write: 200, maxWrite: 5_000 } },
        archive: {
          forward: { batchSize: 400, parallelizationFactor: 3 },
          delivery: { bufferSizeMiB: 64, bufferIntervalSeconds: 60 },
          transform: { memorySize: 512 },
        },
        projections: [{ name: "hits", projection: { kind: "aggregate", groupBy: ["page_id"] }, project: { parallelizationFactor: 4 } }],
        aurora: { enabled: false, database: { maxCapacity: 16 } },
      });
      expect(settings).to.deep.equal({
        region: "us-east-1",
        accessMode: "push",
        stream: { shardCount: 8, fanOut: true, retentionHours: 24 },
        ingest: { batchSize: 500, parallelizationFactor: 2, maximumBatchingWindowInSeconds: 1, memorySize: 1024, writeConcurrency: 8 },
        // A day's retention, a day's record age and a day to spare: the push function's items expire after 3 days.
        table: { billingMode: "PROVISIONED", writeUnits: 200, maxWriteUnits: 5_000, targetUtilization: 70, expireAfterDays: 3 },
        forward: { batchSize: 400, parallelizationFactor: 3, maximumBatchingWindowInSeconds: 0, memorySize: 256 },
        delivery: { bufferSizeMiB: 64, bufferIntervalSeconds: 60 },
        transform: { memorySize: 512 },
        projections: [
          { name: "hits", kind: "aggregate", mapping: { batchSize: 100, parallelizationFactor: 4, maximumBatchingWindowInSeconds: 0, memorySize: 256 } },
        ],
        aurora: undefined,
      });
    });

    it("takes when the dedup table's items expire from the source stream's retention, or the source's push function; never, when they do not", () => {
      const days = (input: Partial<SettingsInput>) => pipelineSettings({ region: "eu-west-1", ...input }).table.expireAfterDays;
      expect(days({})).to.equal(3);
      expect(days({ stream: { retentionHours: 48 } })).to.equal(4);
      expect(days({ streamRetentionHours: 168 })).to.equal(9);
      expect(days({ table: { expireAfterDays: 30 } })).to.equal(30);
      expect(days({ table: { expireItems: false } })).to.equal(undefined);
      expect(days({ accessMode: "push", itemExpireAfterDays: 12 })).to.equal(12);
      expect(days({ accessMode: "push", itemExpireAfterDays: 12, table: { expireItems: false } })).to.equal(undefined);
    });

    it("raises a suggested setting, never lowers one, and refuses a setting it does not know", () => {
      const base = pipelineSettings({ region: "eu-west-1", ingest: { parallelizationFactor: 4 } });
      expect(withSetting(base, "ingest.parallelizationFactor", 2).ingest.parallelizationFactor).to.equal(4);
      expect(withSetting(base, "ingest.parallelizationFactor", 6).ingest.parallelizationFactor).to.equal(6);
      expect(withSetting(base, "stream.shardCount", 3).stream.shardCount).to.equal(3);
      expect(withSetting(base, "fanOutConsumerName", 1).stream.fanOut).to.equal(true);
      expect(base.ingest.parallelizationFactor).to.equal(4);
      expect(() => withSetting(base, "table.name" as never, 1)).to.throw(/no such setting: table.name/);
    });
    it("raises the loader's default reservation with a larger cluster, as AuroraLoader would, and keeps a given one", () => {
      const byDefault = pipelineSettings({ region: "eu-west-1" });
      expect(byDefault.aurora!.loaders).to.equal(67);
      expect(withSetting(byDefault, "aurora.database.maxCapacity", 8).aurora!.loaders).to.equal(100);
      const given = pipelineSettings({ region: "eu-west-1", aurora: { load: { maximumConcurrency: 5 } } });
      expect(withSetting(given, "aurora.database.maxCapacity", 8).aurora!.loaders).to.equal(5);
      const raised = withSetting(byDefault, "aurora.load.maximumConcurrency", 90);
      expect(withSetting(raised, "aurora.database.maxCapacity", 8).aurora!.loaders).to.equal(90);
    });
  });

  describe("event sizes through the pipeline", () => {
    const [event] = clickstreamBatches({ records: 500, batchSize: 500, seed: 3 });
    const archived = archiveRecords(500);

    it("takes an item as at least as large as the ingest function makes it", () => {
      for (const record of event.Records) {
        const outcome = decodeRecord(record);
        if (!outcome.ok) throw new Error(outcome.detail);
        const eventBytes = Buffer.from(record.kinesis.data, "base64").byteLength;
        expect(itemBytes(eventBytes)).to.be.at.least(itemSizeBytes(outcome.item));
      }
    });

    it("takes an archive record as at least as large as the forward function makes it, and not a fifth larger", () => {
      const [sameEvents] = clickstreamBatches({ records: 500, batchSize: 500, seed: 7 });
      for (const [i, record] of sameEvents.Records.entries()) {
        const estimate = archiveRecordBytes(Buffer.from(record.kinesis.data, "base64").byteLength);
        expect(estimate).to.be.at.least(archived[i].byteLength);
        expect(estimate).to.be.below(archived[i].byteLength * 1.2);
      }
    });
  });
});
