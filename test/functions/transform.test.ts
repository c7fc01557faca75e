import type { DynamoDBRecord, FirehoseTransformationEvent } from "aws-lambda";
import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { forwardDecision } from "../../functions/forward/core";
import { csvField, csvLine } from "../../functions/transform/csv";
import { LOG_MESSAGES } from "../../functions/shared/telemetry-names";
import { createTransformer, FIXED_COLUMNS, type TransformReason } from "../../functions/transform/core";
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
  if (!result.ok) throw new Error(result.detail);
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
      const columns = [
        { name: "device", path: "device.platform" },
        { name: "missing", path: "no.such.path" },
        { name: "blank", path: "blank" },
        { name: "word", path: "word" },
      ];
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
      return result.detail;
    };

    it("names the schema violation, and the record's dedup key for the log line", () => {
      const item = clickItem(5, { Hits: "three" });
      delete (item.device as Record<string, unknown>).make;
      expect(failure(forwarded(streamRecord("INSERT", item, "506")))).to.equal(
        "schema: item/Hits must be integer, item/device must have required property 'make'",
      );
      expect(transform(forwarded(streamRecord("INSERT", item, "506")))).to.deep.include({
        ok: false,
        key: `${item.seqNumbershardIdHash}|${item.sequenceNumber}`,
      });
    });

    it("refuses text that is not JSON, and JSON that is not an archive record", () => {
      expect(failure("Hello World")).to.match(/^not JSON: /);
      expect(failure('{"Hello":"World"}')).to.equal('not an archive record: no "key"');
      expect(failure('{"key":"k","change":"UPSERT"}')).to.equal('not an archive record: "change" is "UPSERT"');
      expect(failure('{"key":"k","change":"INSERT","item":[1]}')).to.equal('not an archive record: "item" is not an object');
      expect(failure("[1,2]")).to.equal("not an archive record: not a JSON object");
    });

    it("archives a MODIFY as a row of its new image, like an INSERT", () => {
      const record = streamRecord("MODIFY", clickItem(42, { Hits: 9 }), "508");
      expect(row(forwarded(record))).to.include({ change: "MODIFY", stream_sequence: "508", page_id: "p-1042", hits: "9" });
    });

    it("writes a DynamoDB NULL as SQL NULL, not the text null, and binary as the base64 the stream carried", () => {
      const columns = [
        { name: "note", path: "note" },
        { name: "count", path: "count" },
        { name: "blob", path: "blob" },
        { name: "blobs", path: "blobs" },
      ];
      const record = streamRecord("INSERT", clickItem(9), "509");
      Object.assign(record.dynamodb!.NewImage!, { note: { NULL: true }, count: { NULL: true }, blob: { B: "AAEC/w==" }, blobs: { BS: ["AQ==", "Ag=="] } });
      const result = createTransformer({ type: "object" }, columns, { count: "INT" })(forwarded(record));
      expect(result.ok && result.line.split(",").slice(4).join(",")).to.equal('NULL,NULL,AAEC/w==,"[""AQ=="",""Ag==""]"\n');
    });

    it("names what is wrong with every part of a record that is not an archive record", () => {
      const record = (fields: Record<string, unknown>) =>
        JSON.stringify({ key: "k|1", change: "INSERT", changedAt: "2026-11-26T10:00:00.000Z", sequence: "500", item: {}, ...fields });
      const cases: [string, string][] = [
        ["null", "not an archive record: not a JSON object"],
        ['"k"', "not an archive record: not a JSON object"],
        [record({ key: "" }), 'not an archive record: no "key"'],
        [record({ key: 7 }), 'not an archive record: no "key"'],
        [record({ change: undefined }), 'not an archive record: "change" is undefined'],
        [record({ change: 1 }), 'not an archive record: "change" is 1'],
        [record({ item: null }), 'not an archive record: "item" is not an object'],
        [record({ item: "x" }), 'not an archive record: "item" is not an object'],
        [record({ change: "MODIFY", item: undefined }), 'not an archive record: "item" is not an object'],
        [record({ sequence: 500 }), 'not an archive record: "sequence" is 500, not a stream sequence number'],
        [record({ sequence: "x500" }), 'not an archive record: "sequence" is "x500", not a stream sequence number'],
        [record({ sequence: "500x" }), 'not an archive record: "sequence" is "500x", not a stream sequence number'],
        [record({ sequence: "1".repeat(41) }), `not an archive record: "sequence" is "${"1".repeat(41)}", not a stream sequence number`],
        [record({ changedAt: 5 }), 'not an archive record: "changedAt" is 5'],
        [record({ changedAt: "x".repeat(33) }), "column changed_at: the value is 33 characters; VARCHAR(32) holds 32"],
      ];
      for (const [text, reason] of cases) expect(failure(text), text).to.equal(reason);
      const accepted = createTransformer({ type: "object" }, [])(Buffer.from(record({ sequence: "1".repeat(40), changedAt: "" })));
      expect(accepted).to.deep.equal({ ok: true, line: `k|1,INSERT,NULL,${"1".repeat(40)}\n` });
      expect(createTransformer({ type: "object" }, [])(Buffer.from(record({ change: "REMOVE", item: null })))).to.deep.include({ ok: true });
    });

    it("refuses a column type the loader does not accept when it is built, naming the column", () => {
      expect(() => createTransformer({ type: "object" }, [{ name: "hits", path: "Hits" }], { hits: "FLOAT" })).to.throw(
        /^column hits: "FLOAT" is not a type the loader accepts/,
      );
    });

    it("takes a user's schema with keywords of its own, and reads a path through a value that is not an object as absent", () => {
      const columns = [
        { name: "deep", path: "page_id.length" },
        { name: "none", path: "nothing.x" },
        { name: "list", path: "list.0" },
      ];
      const own = createTransformer({ type: "object", "x-owner": "analytics" }, columns);
      const result = own(forwarded(streamRecord("INSERT", clickItem(7, { nothing: null, list: ["a"] }), "510")));
      expect(result.ok && result.line.split(",").slice(4).join(",")).to.equal("NULL,NULL,a\n");
    });

    it("writes a delete marker as a row with the key, the change, its time and sequence, and NULL values", () => {
      const fields = row(forwarded(streamRecord("REMOVE", clickItem(6), "507")));
      expect(fields).to.include({ change: "REMOVE", changed_at: "2025-11-26T10:00:00.000Z", stream_sequence: "507", page_id: "NULL", hits: "NULL" });
      expect(fields.dedup_key).to.match(/\|\d{56}$/);
    });
  });

  describe("values that will not fit their SQL column (Why: accepted, then the loader refused the whole object)", () => {
    const columns = [
      { name: "hits", path: "Hits" },
      { name: "note", path: "note" },
      { name: "price", path: "price" },
      { name: "ratio", path: "ratio" },
      { name: "flag", path: "flag" },
      { name: "day", path: "day" },
      { name: "at", path: "at" },
      { name: "doc", path: "doc" },
      { name: "code", path: "code" },
    ];
    const types = { hits: "INT", price: "DECIMAL(6,2)", ratio: "DOUBLE", flag: "BOOLEAN", day: "DATE", at: "DATETIME(3)", doc: "JSON", code: "VARCHAR(3)" };
    const typed = createTransformer({ type: "object" }, columns, types);
    const archived = (item: Record<string, unknown>) =>
      Buffer.from(
        `{"key":"k|1","change":"INSERT","changedAt":"2026-11-26T10:00:00.000Z","sequence":"500","item":${typeof item === "string" ? item : JSON.stringify(item)}}`,
      );
    const refusal = (item: Record<string, unknown> | string) => {
      const result = typed(archived(item as Record<string, unknown>));
      if (result.ok) throw new Error(`accepted: ${result.line}`);
      return result.detail;
    };

    it("refuses an integer past INT's range and a string past TEXT's 64 KiB, naming the column", () => {
      expect(refusal({ Hits: 2147483648 })).to.equal("column hits (INT): item.Hits 2147483648 is outside INT's range -2147483648..2147483647");
      expect(refusal({ note: "é".repeat(33_000) })).to.equal("column note (TEXT): item.note is 66000 bytes of UTF-8; TEXT holds 65535");
      expect(typed(archived({ Hits: -2147483648, note: "é".repeat(32_767) })).ok).to.equal(true);
    });

    it("refuses what its column would round or coerce: decimals past the scale, digits a double loses, a fraction in an integer, the wrong kind of value", () => {
      expect(refusal({ price: 1.005 })).to.equal("column price (DECIMAL(6,2)): item.price 1.005 has 3 decimals; DECIMAL(6,2) keeps 2");
      expect(refusal({ price: 10000 })).to.equal("column price (DECIMAL(6,2)): item.price 10000 has more integer digits than DECIMAL(6,2) holds");
      expect(refusal('{"ratio": 0.12345678901234567890}')).to.equal(
        "column ratio (DOUBLE): item.ratio 0.12345678901234567890 has more digits than DOUBLE holds",
      );
      expect(refusal({ Hits: 1.5 })).to.equal("column hits (INT): item.Hits 1.5 is not an integer; INT holds integers");
      expect(refusal({ Hits: "12" })).to.equal("column hits (INT): item.Hits is a string; INT holds numbers");
      expect(refusal({ flag: 1 })).to.equal("column flag (BOOLEAN): item.flag is a number; BOOLEAN holds true or false");
      expect(refusal({ day: "2026-02-30" })).to.match(/^column day \(DATE\): item\.day "2026-02-30" is not a date/);
      expect(refusal({ at: "2026-11-26T10:00:01.2501Z" })).to.equal(
        'column at (DATETIME(3)): item.at "2026-11-26T10:00:01.2501Z" has 4 fractional digits; DATETIME(3) keeps 3',
      );
      expect(refusal({ at: "2026-11-26T10:00:01+02:00" })).to.match(/is not a UTC time/);
      expect(refusal('{"doc": {"n": 12345678901234567890123}}')).to.equal(
        "column doc (JSON): item.doc 12345678901234567890123 has more digits than MySQL's JSON keeps (64-bit integers, doubles)",
      );
      expect(refusal({ code: "ABCD" })).to.equal("column code (VARCHAR(3)): item.code is 4 characters; VARCHAR(3) holds 3");
    });

    it("writes each value as its column holds it: booleans as 1/0, UTC times in MySQL's form, JSON as JSON, decimals plain, null distinct from absent in JSON", () => {
      const result = typed(
        archived(
          '{"Hits": 7, "price": 1.5E+3, "ratio": 0.1, "flag": true, "day": "2026-11-26", "at": "2026-11-26T10:00:01.25Z", "doc": {"s": "x", "n": null}, "code": "🚀ab"}' as unknown as Record<
            string,
            unknown
          >,
        ),
      );
      if (!result.ok) throw new Error(result.detail);
      expect(result.line).to.equal(
        'k|1,INSERT,2026-11-26T10:00:00.000Z,500,7,NULL,1500,0.1,1,2026-11-26,2026-11-26 10:00:01.25,"{""s"":""x"",""n"":null}",🚀ab\n',
      );
      const nulls = typed(archived('{"doc": null}' as unknown as Record<string, unknown>));
      expect(nulls.ok && nulls.line.split(",").slice(4)).to.deep.equal(["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "null", "NULL\n"]);
    });

    it("refuses a dedup key longer than its 191-character column, and a record without a stream sequence number", () => {
      const long = transform(Buffer.from(`{"key":"${"k".repeat(192)}","change":"REMOVE","sequence":"1","item":null}`));
      expect(long).to.deep.include({
        ok: false,
        reason: "does-not-fit-column",
        detail: "column dedup_key: the value is 192 characters; VARCHAR(191) holds 191",
      });
      expect(transform(Buffer.from('{"key":"k","change":"REMOVE","item":null}'))).to.deep.include({
        ok: false,
        reason: "not-an-archive-record",
        detail: 'not an archive record: "sequence" is undefined, not a stream sequence number',
      });
    });
  });

  describe("bytes that are not what they claim (Why: base64 with trailing garbage and non-UTF-8 text were accepted)", () => {
    it("answers ProcessingFailed for data with junk after or inside its base64, keeping the data as it came", () => {
      const good = forwarded(streamRecord("INSERT", clickItem(8), "509")).toString("base64");
      const event: FirehoseTransformationEvent = {
        invocationId: "i-2",
        deliveryStreamArn: "arn:aws:firehose:eu-west-1:999999999999:deliverystream/clicks-archive",
        region: "eu-west-1",
        records: [
          { recordId: "a", approximateArrivalTimestamp: 1, data: `${good}!!garbage` },
          { recordId: "b", approximateArrivalTimestamp: 2, data: `${good.slice(0, 8)} ${good.slice(8)}` },
        ],
      };
      const warnings: Record<string, unknown>[] = [];
      const result = transformBatch(event, transform, { info: () => undefined, warn: (message, extra) => warnings.push({ message, ...extra }) });
      expect(result.records).to.deep.equal([
        { recordId: "a", result: "ProcessingFailed", data: `${good}!!garbage` },
        { recordId: "b", result: "ProcessingFailed", data: `${good.slice(0, 8)} ${good.slice(8)}` },
      ]);
      expect(warnings.map((w) => [w.reason, w.detail])).to.deep.equal([
        ["not-base64", "the record's data is not base64"],
        ["not-base64", "the record's data is not base64"],
      ]);
    });

    it("refuses text that is not UTF-8 instead of replacing it with U+FFFD", () => {
      const bytes = Buffer.concat([
        Buffer.from('{"key":"k","change":"INSERT","sequence":"1","item":{"page_id":"p'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}}'),
      ]);
      expect(transform(bytes)).to.deep.equal({ ok: false, reason: "not-utf8", detail: "not UTF-8 text" });
    });

    it("refuses a record with a key given twice, whatever its numbers", () => {
      expect(transform(Buffer.from('{"key":"k","key":"j","change":"REMOVE","sequence":"1","item":null}'))).to.deep.equal({
        ok: false,
        reason: "duplicate-key",
        detail: 'duplicate key: the top-level object holds the key "key" twice',
      });
    });

    it("reads a column whose path names a JavaScript internal from the item's own fields only", () => {
      const internals = createTransformer({ type: "object" }, [
        { name: "c", path: "constructor" },
        { name: "p", path: "__proto__.x" },
        { name: "t", path: "toString" },
      ]);
      const absent = internals(Buffer.from('{"key":"k","change":"INSERT","sequence":"1","item":{}}'));
      expect(absent.ok && absent.line).to.equal("k,INSERT,NULL,1,NULL,NULL,NULL\n");
      const present = internals(Buffer.from('{"key":"k","change":"INSERT","sequence":"1","item":{"constructor":"c","__proto__":{"x":1},"toString":{"a":[]}}}'));
      expect(present.ok && present.line).to.equal('k,INSERT,NULL,1,c,1,"{""a"":[]}"\n');
    });
  });

  describe("typed reasons", () => {
    const columns = [{ name: "hits", path: "Hits" }];
    const typed = createTransformer({ type: "object", properties: { Hits: { type: "integer" } } }, columns, { hits: "INT" });
    const archive = (fields: Record<string, unknown>) =>
      Buffer.from(JSON.stringify({ key: "k|500", change: "INSERT", changedAt: "2026-11-26T10:00:00.000Z", sequence: "500", item: {}, ...fields }));
    /** One record per reason, as Firehose sends it: the record's data (base64 unless given as it is), the detail its log line carries, and the dedup key it names. */
    const examples: Record<TransformReason, { data: Buffer | string; detail: string | RegExp; dedupKey?: string }> = {
      "not-base64": { data: "eyJrZXkiOiJrIn0=!!", detail: "the record's data is not base64" },
      "not-utf8": {
        data: Buffer.concat([Buffer.from('{"key":"k|500","change":"INSERT","item":{"p":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]),
        detail: "not UTF-8 text",
      },
      "not-json": { data: Buffer.from("Hello World"), detail: /^not JSON: / },
      "duplicate-key": { data: Buffer.from('{"key":"k|500","key":"j|500"}'), detail: 'duplicate key: the top-level object holds the key "key" twice' },
      "not-an-archive-record": { data: archive({ change: "UPSERT" }), detail: 'not an archive record: "change" is "UPSERT"', dedupKey: "k|500" },
      "schema-violation": { data: archive({ item: { Hits: "three" } }), detail: "schema: item/Hits must be integer", dedupKey: "k|500" },
      "does-not-fit-column": {
        data: archive({ item: { Hits: 2147483648 } }),
        detail: "column hits (INT): item.Hits 2147483648 is outside INT's range -2147483648..2147483647",
        dedupKey: "k|500",
      },
    };

    it("refuses each record with its reason code and a detail naming the field or column, in the one line the failed-transformations alarm counts, keeping its data for Firehose's error prefix", () => {
      const reasons = Object.keys(examples) as TransformReason[];
      const event = fixture<FirehoseTransformationEvent>("firehose-direct-put.json");
      const good = { recordId: "good", approximateArrivalTimestamp: 1664029185290, data: archive({ item: { Hits: 7 } }).toString("base64") };
      event.records = [
        ...reasons.map((reason, i) => {
          const { data } = examples[reason];
          return { recordId: `r${i}`, approximateArrivalTimestamp: 1664029185290 + i, data: Buffer.isBuffer(data) ? data.toString("base64") : data };
        }),
        good,
      ];
      const lines: { level: string; message: string; [field: string]: unknown }[] = [];
      const result = transformBatch(event, typed, {
        info: (message, extra) => lines.push({ level: "info", message, ...extra }),
        warn: (message, extra) => lines.push({ level: "warn", message, ...extra }),
      });

      expect(result.records).to.deep.equal([
        ...event.records.slice(0, -1).map(({ recordId, data }) => ({ recordId, result: "ProcessingFailed", data })),
        { recordId: "good", result: "Ok", data: Buffer.from("k|500,INSERT,2026-11-26T10:00:00.000Z,500,7\n").toString("base64") },
      ]);
      const refused = lines.filter((line) => line.level === "warn");
      expect(refused.map((line) => line.reason)).to.deep.equal(reasons);
      for (const [i, line] of refused.entries()) {
        const { detail, dedupKey } = examples[reasons[i]];
        expect(line, reasons[i]).to.include({ message: LOG_MESSAGES.recordFailedProcessing, recordId: `r${i}`, dedupKey });
        if (typeof detail === "string") expect(line.detail, reasons[i]).to.equal(detail);
        else expect(line.detail, reasons[i]).to.match(detail);
      }
      expect(lines.filter((line) => line.level === "info")).to.deep.equal([
        { level: "info", message: "transform batch done", received: reasons.length + 1, ok: 1, failed: reasons.length },
      ]);
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
      expect(warnings[0].reason).to.equal("not-json");
      expect(String(warnings[0].detail)).to.match(/^not JSON/);
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
      expect(result.records.map((r) => [r.recordId, r.result])).to.deep.equal([
        ["a", "Ok"],
        ["b", "ProcessingFailed"],
      ]);
      expect(Buffer.from(result.records[0].data!, "base64").toString()).to.match(/^\d{2}_shardId-000000000000\|\d+,INSERT,/);
    });
  });
});
