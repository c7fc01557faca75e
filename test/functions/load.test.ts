import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { decodeS3Key, s3EventObjects } from "../../functions/load/s3-event";
import { loadStatement, schemaStatements, upsertStatement, type LoadTarget } from "../../functions/load/sql";
import { fixture } from "../support/kinesis";

const TARGET: LoadTarget = { database: "clickstream", table: "web_analytics", manifestTable: "loaded_objects", rejectsTable: "rejected_rows", columns: ["dedup_key", "change", "stream_sequence", "hits"], columnTypes: { hits: "INT" } };

describe("loader function", () => {
  it("decodes the fixture's URL-encoded key", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    expect(s3EventObjects(event, "").created).to.deep.equal([{ bucket: "sourcebucket", key: "Happy Face.jpg", etag: "d41d8cd98f00b204e9800998ecf8427e", size: 1024 }]);
  });

  it("decodes spaces sent as +, unicode, quotes and SQL fragments back to the object's real key", () => {
    expect(decodeS3Key("processed/a+b%2Bc.csv")).to.equal("processed/a b+c.csv");
    expect(decodeS3Key("processed/Zo%C3%AB%27s+%22v2%22%3B+DROP+TABLE+t%3B--.csv")).to.equal(`processed/Zoë's "v2"; DROP TABLE t;--.csv`);
  });

  it("keeps only created objects under the prefix, and says why it ignores the others", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    expect(s3EventObjects(event, "processed/")).to.deep.equal({ created: [], ignored: ["s3://sourcebucket/Happy Face.jpg: outside processed/"] });
    event.Records[0].eventName = "ObjectRemoved:Delete";
    expect(s3EventObjects(event, "")).to.deep.equal({ created: [], ignored: ["s3://sourcebucket/Happy Face.jpg: ObjectRemoved:Delete, not a created object"] });
    expect(s3EventObjects({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "archive" }, "processed/").created).to.deep.equal([]);
  });

  it("refuses, naming what it got, an event without S3 records or of another shape (Why: such events were reported loaded)", () => {
    const sqs = { Records: [{ eventSource: "aws:sqs", body: "{}" }] };
    const cases: [unknown, string][] = [
      [{}, "not an S3 event: got an empty object, with no Records list"],
      [{ Records: [] }, "an S3 event with no records: nothing says which object to load"],
      [sqs, 'not an S3 event the loader can act on: record 0 is from "aws:sqs", not aws:s3'],
      [{ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: {} }] }, "not an S3 event the loader can act on: record 0 has no s3.bucket.name and s3.object.key"],
      [{ detail: { bucket: { name: "b" } }, source: "aws.s3" }, "not an S3 event: got an object with detail, source, with no Records list"],
      [null, "not an S3 event: got null, with no Records list"],
    ];
    for (const [event, message] of cases) expect(() => s3EventObjects(event, "processed/"), JSON.stringify(event)).to.throw(message);
  });

  it("escapes the object's address in LOAD DATA FROM S3, so a crafted key stays a string", () => {
    const sql = loadStatement(TARGET, { kind: "s3", bucket: "archive", key: "processed/x'; DROP TABLE web_analytics; -- \\" }, "staging");
    expect(sql).to.equal(
      "LOAD DATA FROM S3 FILE 's3://archive/processed/x\\'; DROP TABLE web_analytics; -- \\\\' IGNORE INTO TABLE `clickstream`.`load_staging` " +
        "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n' (`dedup_key`, `change`, `stream_sequence`, `hits`)",
    );
  });

  it("streams LOCAL loads, naming no file from the event", () => {
    expect(loadStatement(TARGET, { kind: "local" }, "rows")).to.match(/^LOAD DATA LOCAL INFILE 'archive-object' INTO TABLE `clickstream`\.`web_analytics` /);
  });

  it("creates the table keyed by the dedup key, typed as configured, and refuses a type that could carry SQL", () => {
    const [, table] = schemaStatements(TARGET);
    expect(table).to.equal(
      "CREATE TABLE IF NOT EXISTS `clickstream`.`web_analytics` (`dedup_key` VARCHAR(191) NOT NULL, `change` VARCHAR(8) NULL, `stream_sequence` VARCHAR(64) NULL, `hits` INT NULL, PRIMARY KEY (`dedup_key`)) ENGINE=InnoDB",
    );
    expect(() => schemaStatements({ ...TARGET, columnTypes: { hits: "INT); DROP TABLE x; --" } })).to.throw(/column type "INT\); DROP TABLE x; --" for hits is not one the loader accepts/);
  });

  it("upserts only where the staged change is newer, assigning the sequence last, in file order", () => {
    const rows = "`clickstream`.`web_analytics`";
    const newer = `LPAD(s.stream_sequence, 40, '0') > COALESCE(LPAD(${rows}.\`stream_sequence\`, 40, '0'), '')`;
    expect(upsertStatement(TARGET)).to.equal(
      `INSERT INTO ${rows} (\`dedup_key\`, \`change\`, \`stream_sequence\`, \`hits\`) SELECT s.\`dedup_key\`, s.\`change\`, s.\`stream_sequence\`, s.\`hits\` FROM \`clickstream\`.\`load_staging\` s ` +
        "WHERE s.line BETWEEN ? AND ? AND s.refused IS NULL ORDER BY s.line ON DUPLICATE KEY UPDATE " +
        `${rows}.\`change\` = IF(${newer}, s.\`change\`, ${rows}.\`change\`), ${rows}.\`hits\` = IF(${newer}, s.\`hits\`, ${rows}.\`hits\`), ` +
        `${rows}.\`stream_sequence\` = IF(${newer}, s.\`stream_sequence\`, ${rows}.\`stream_sequence\`)`,
    );
  });
});
