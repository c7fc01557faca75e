import type { DynamoDBRecord, FirehoseTransformationEvent } from "aws-lambda";
import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/web-analytics";
import { forwardDecision } from "../../functions/forward/core";
import { csvField, csvLine } from "../../functions/transform/csv";
import { createTransformer, FIXED_COLUMNS } from "../../functions/transform/core";
import { transformBatch } from "../../functions/transform/transform-batch";
import { clickItem, DEDUP_KEYS, streamRecord } from "../support/dynamodb-stream";
import { fixture } from "../support/kinesis";

const transform = createTransformer(WEB_ANALYTICS_SCHEMA, WEB_ANALYTICS_COLUMNS);
const HEADER = [...FIXED_COLUMNS, ...WEB_ANALYTICS_COLUMNS.map((c) => c.name)];
const silent = { info: () => undefined, warn: () => undefined };

/** What the forward function sends for a stream record. */
function forwarded(record: DynamoDBRecord): Buffer {
  const decision = forwardDecision(record, { keyAttributes: DEDUP_KEYS, removeMode: "marker" });
  if (decision.kind !== "send") throw new Error(`not sent: ${decision.kind}`);
  return decision.data;
}

/** The row a transform produced, read back by an independent CSV parser, as named columns. */
function row(data: Buffer): Record<string, string> {
  const result = transform(data);
  if (!result.ok) throw new Error(result.reason);
  const rows = parseCsv(result.line, { columns: HEADER, relax_column_count: false }) as Record<string, string>[];
  expect(rows).to.have.length(1);
  return rows[0];
}

describe("transform function", () => {
  describe("a valid record", () => {
    it("becomes one CSV line in the documented column order, starting with the dedup key", () => {
      const item = clickItem(42);
      const fields = row(forwarded(streamRecord("INSERT", item, "500")));
      expect(fields).to.deep.equal({
        dedup_key: `${item.seqNumbershardIdHash}|${item.sequenceNumber}`,
        change: "INSERT",
        changed_at: "2025-11-26T10:00:00.000Z",
        stream_sequence: "500",
        page_id: "p-1042",
        hits: "3",
        event: "page view",
        user_email: "ana.silva42@example.com",
        device_make: "Apple",
        platform: "iOS",
        platform_version: "17.4.1",
        country: "NL",
        session_id: "s-42",
        session_start: "2026-11-26T10:00:00.000Z",
        session_stop: "2026-11-26T10:04:10.000Z",
        client_timestamp: "2026-11-26T10:00:01.250Z",
        arrived_at: "1764000000.123",
      });
    });

    it("stamps the row with the event's own times, so a replay gives the identical line", async () => {
      const data = forwarded(streamRecord("INSERT", clickItem(1), "501"));
      const first = transform(data);
      await new Promise((done) => setTimeout(done, 5));
      expect(transform(data)).to.deep.equal(first);
    });

    it("keeps every digit of numbers JavaScript cannot hold", () => {
      const record = streamRecord("INSERT", clickItem(2), "503");
      record.dynamodb!.NewImage!.approximateArrivalTimestamp = { N: "98765432109876543210.123456" };
      expect(row(forwarded(record)).arrived_at).to.equal("98765432109876543210.123456");
    });

    it("writes nested values a column points at as JSON, absent values as NULL, and empty strings quoted", () => {
      const columns = [{ name: "device", path: "device.platform" }, { name: "missing", path: "no.such.path" }, { name: "blank", path: "blank" }, { name: "word", path: "word" }];
      const result = createTransformer({ type: "object" }, columns)(forwarded(streamRecord("INSERT", clickItem(3, { blank: " ", word: "NULL" }), "504")));
      expect(result.ok && result.line.split(",").slice(4).join(",")).to.equal('"{""name"":""iOS"",""version"":""17.4.1""}",NULL, ,"NULL"\n');
    });

    it("keeps the text of numbers JSON.parse would print differently", () => {
      for (const text of ["0.0000001", "1E+125", "-1e-18", "12345678901234567890"]) {
        const record = streamRecord("INSERT", clickItem(4), "505");
        record.dynamodb!.NewImage!.approximateArrivalTimestamp = { N: text };
        expect(row(forwarded(record)).arrived_at, text).to.equal(text);
      }
    });
  });

  describe("hostile field values", () => {
    const hostile = [
      "comma, inside",
      'a "quoted" word',
      "line one\nline two",
      "carriage\r\nreturn",
      '",\n"',
      "Zoë — 東京 🚀",
      "  leading and trailing  ",
      "back\\slash and \\N",
      "",
      "=1+1",
    ];

    it("round-trip through an independent CSV parser unchanged", () => {
      for (const value of hostile) {
        const fields = row(forwarded(streamRecord("INSERT", clickItem(9, { useremail: value, page_id: `p-${value}` }), "505")));
        expect(fields.user_email, JSON.stringify(value)).to.equal(value);
        expect(fields.page_id).to.equal(`p-${value}`);
      }
    });

    it("are quoted only when they must be", () => {
      expect(csvField("plain")).to.equal("plain");
      expect(csvField("Zoë")).to.equal("Zoë");
      expect(csvField('say "hi"')).to.equal('"say ""hi"""');
      expect(csvLine(["a", "b,c", "", undefined, "NULL"])).to.equal('a,"b,c","",NULL,"NULL"\n');
    });
  });

  describe("records that cannot be archived", () => {
    const failure = (data: Buffer | string) => {
      const result = transform(Buffer.isBuffer(data) ? data : Buffer.from(data));
      if (result.ok) throw new Error("accepted");
      return result.reason;
    };

    it("names the schema violation, and the record's dedup key for the log line", () => {
      const item = clickItem(5, { Hits: "three" });
      delete (item.device as Record<string, unknown>).make;
      expect(failure(forwarded(streamRecord("INSERT", item, "506")))).to.equal("schema: item/Hits must be integer, item/device must have required property 'make'");
      expect(transform(forwarded(streamRecord("INSERT", item, "506")))).to.deep.include({ ok: false, key: `${item.seqNumbershardIdHash}|${item.sequenceNumber}` });
    });

    it("refuses text that is not JSON, and JSON that is not an archive record", () => {
      expect(failure("Hello World")).to.match(/^not JSON: /);
      expect(failure('{"Hello":"World"}')).to.equal('not an archive record: no "key"');
      expect(failure('{"key":"k","change":"UPSERT"}')).to.equal('not an archive record: "change" is "UPSERT"');
      expect(failure('{"key":"k","change":"INSERT","item":[1]}')).to.equal('not an archive record: "item" is not an object');
      expect(failure("[1,2]")).to.equal("not an archive record: not a JSON object");
    });

    it("writes a delete marker as a row with the key, the change, its time and sequence, and NULL values", () => {
      const fields = row(forwarded(streamRecord("REMOVE", clickItem(6), "507")));
      expect(fields).to.include({ change: "REMOVE", changed_at: "2025-11-26T10:00:00.000Z", stream_sequence: "507", page_id: "NULL", hits: "NULL" });
      expect(fields.dedup_key).to.match(/\|\d{56}$/);
    });
  });

  describe("Firehose's invocation", () => {
    it("answers the direct-put fixture record by record: the non-JSON `Hello World` and the non-archive record come back ProcessingFailed with their data", () => {
      const event = fixture<FirehoseTransformationEvent>("firehose-direct-put.json");
      const warnings: Record<string, unknown>[] = [];
      const result = transformBatch(event, transform, { info: () => undefined, warn: (message, extra) => warnings.push({ message, ...extra }) });
      expect(result.records).to.deep.equal([
        { recordId: "record1", result: "ProcessingFailed", data: "SGVsbG8gV29ybGQ=" },
        { recordId: "record2", result: "ProcessingFailed", data: "eyJIZWxsbyI6IldvcmxkIn0=" },
      ]);
      expect(warnings.map((w) => w.recordId)).to.deep.equal(["record1", "record2"]);
      expect(String(warnings[0].reason)).to.match(/^not JSON/);
    });

    it("answers the Kinesis-source fixture without throwing", () => {
      const result = transformBatch(fixture<FirehoseTransformationEvent>("firehose-from-kinesis.json"), transform, silent);
      expect(result.records.map((r) => r.result)).to.deep.equal(["ProcessingFailed", "ProcessingFailed"]);
    });

    it("returns Ok records base64-encoded, in the order received, next to failed ones", () => {
      const good = forwarded(streamRecord("INSERT", clickItem(7), "508")).toString("base64");
      const event: FirehoseTransformationEvent = {
        invocationId: "i-1",
        deliveryStreamArn: "arn:aws:firehose:eu-west-1:999999999999:deliverystream/clicks-archive",
        region: "eu-west-1",
        records: [
          { recordId: "a", approximateArrivalTimestamp: 1, data: good },
          { recordId: "b", approximateArrivalTimestamp: 2, data: Buffer.from("nope").toString("base64") },
        ],
      };
      const result = transformBatch(event, transform, silent);
      expect(result.records.map((r) => [r.recordId, r.result])).to.deep.equal([["a", "Ok"], ["b", "ProcessingFailed"]]);
      expect(Buffer.from(result.records[0].data!, "base64").toString()).to.match(/^\d{2}_shardId-000000000000\|\d+,INSERT,/);
    });
  });
});
