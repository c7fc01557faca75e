import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { createdObjects, decodeS3Key } from "../../functions/load/event";
import { loadStatement, schemaStatements, type LoadTarget } from "../../functions/load/sql";
import { fixture } from "../support/kinesis";

const TARGET: LoadTarget = { database: "clickstream", table: "web_analytics", manifestTable: "loaded_objects", columns: ["dedup_key", "change", "hits"], columnTypes: { hits: "INT" } };

describe("loader function", () => {
  it("decodes the fixture's URL-encoded key", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    expect(createdObjects(event, "")).to.deep.equal([{ bucket: "sourcebucket", key: "Happy Face.jpg", etag: "d41d8cd98f00b204e9800998ecf8427e", size: 1024 }]);
  });

  it("decodes spaces sent as +, unicode, quotes and SQL fragments back to the object's real key", () => {
    expect(decodeS3Key("processed/a+b%2Bc.csv")).to.equal("processed/a b+c.csv");
    expect(decodeS3Key("processed/Zo%C3%AB%27s+%22v2%22%3B+DROP+TABLE+t%3B--.csv")).to.equal(`processed/Zoë's "v2"; DROP TABLE t;--.csv`);
  });

  it("keeps only created objects under the prefix", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    expect(createdObjects(event, "processed/")).to.deep.equal([]);
    event.Records[0].eventName = "ObjectRemoved:Delete";
    expect(createdObjects(event, "")).to.deep.equal([]);
  });

  it("escapes the object's address in LOAD DATA FROM S3, so a crafted key stays a string", () => {
    const sql = loadStatement(TARGET, { kind: "s3", bucket: "archive", key: "processed/x'; DROP TABLE web_analytics; -- \\" });
    expect(sql).to.equal(
      "LOAD DATA FROM S3 FILE 's3://archive/processed/x\\'; DROP TABLE web_analytics; -- \\\\' REPLACE INTO TABLE `clickstream`.`web_analytics` " +
        "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n' (`dedup_key`, `change`, `hits`)",
    );
  });

  it("streams LOCAL loads, naming no file from the event", () => {
    expect(loadStatement(TARGET, { kind: "local" })).to.match(/^LOAD DATA LOCAL INFILE 'archive-object' REPLACE INTO TABLE `clickstream`\.`web_analytics` /);
  });

  it("creates the table keyed by the dedup key, typed as configured, and refuses a type that could carry SQL", () => {
    const [, table] = schemaStatements(TARGET);
    expect(table).to.equal("CREATE TABLE IF NOT EXISTS `clickstream`.`web_analytics` (`dedup_key` VARCHAR(191) NOT NULL, `change` VARCHAR(8) NULL, `hits` INT NULL, PRIMARY KEY (`dedup_key`)) ENGINE=InnoDB");
    expect(() => schemaStatements({ ...TARGET, columnTypes: { hits: "INT); DROP TABLE x; --" } })).to.throw(/column type "INT\); DROP TABLE x; --" for hits is not one the loader accepts/);
  });
});
