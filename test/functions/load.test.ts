import { createHash } from "node:crypto";
import type { S3Event } from "aws-lambda";
import { expect } from "chai";
import { decodeS3Key, s3EventObjects } from "../../functions/load/s3-event";
import { migrationStatements } from "../../functions/load/schema";
import {
  foreignEncodingChecks,
  loadStatement,
  manifestForgetForRebuild,
  manifestInsert,
  manifestUpdate,
  objectId,
  refuseLine,
  rejectsClear,
  rejectsInsert,
  schemaStatements,
  SESSION_STATEMENTS,
  stagedLines,
  stagingStatements,
  upsertStatement,
  type LoadTarget,
} from "../../functions/load/sql";
import { hourOfKey, requiredColumns, schemaVersionOfKey } from "../../functions/shared/archive-schema";
import { fixture } from "../support/kinesis";

const TARGET: LoadTarget = {
  database: "clickstream",
  table: "web_analytics",
  manifestTable: "loaded_objects",
  rejectsTable: "rejected_rows",
  columns: ["dedup_key", "change", "stream_sequence", "hits"],
  columnTypes: { hits: "INT" },
};

describe("loader function", () => {
  it("decodes the fixture's URL-encoded key", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    expect(s3EventObjects(event, "").created).to.deep.equal([
      { bucket: "sourcebucket", key: "Happy Face.jpg", etag: "d41d8cd98f00b204e9800998ecf8427e", size: 1024 },
    ]);
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

  it("loads the objects created under its prefix, and only those, from an event with several records", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    const at = (key: string, eventName = "ObjectCreated:Put") => ({
      ...event.Records[0],
      eventName,
      s3: { ...event.Records[0].s3, object: { ...event.Records[0].s3.object, key } },
    });
    event.Records = [
      at("processed/2026/a.csv"),
      at("processed-old/b.csv"),
      at("raw/processed/c.csv"),
      at("processed/2026/d.csv", "ObjectCreated:CompleteMultipartUpload"),
    ];
    const { created, ignored } = s3EventObjects(event, "processed/");
    expect(created.map((o) => o.key)).to.deep.equal(["processed/2026/a.csv", "processed/2026/d.csv"]);
    expect(ignored).to.deep.equal(["s3://sourcebucket/processed-old/b.csv: outside processed/", "s3://sourcebucket/raw/processed/c.csv: outside processed/"]);
  });

  it("names every record it cannot act on at once, each by index and what it is", () => {
    const s3 = (bucket: unknown, key: unknown) => ({
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: bucket }, object: { key } },
    });
    const records = [
      null,
      { body: "{}" },
      s3("archive", undefined),
      s3(undefined, "processed/a.csv"),
      s3("archive", "processed/%E0%A4%A.csv"),
      s3("archive", "processed/ok.csv"),
    ];
    expect(() => s3EventObjects({ Records: records }, "processed/")).to.throw(
      "not an S3 event the loader can act on: record 0 is from no event source (null), not aws:s3; record 1 is from no event source (an object with body), not aws:s3; " +
        "record 2 has no s3.bucket.name and s3.object.key; record 3 has no s3.bucket.name and s3.object.key; " +
        'record 4 has a key that is not URL-encoded: "processed/%E0%A4%A.csv"',
    );
  });

  it("describes what it got in a few words: arrays by length, objects by their first six keys", () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const cases: [unknown, string][] = [
      [[1, 2], "an array of 2"],
      [keys(6), "an object with k0, k1, k2, k3, k4, k5"],
      [keys(7), "an object with k0, k1, k2, k3, k4, k5, …"],
      ["s3", '"s3"'],
      [undefined, "undefined"],
    ];
    for (const [event, shape] of cases) expect(() => s3EventObjects(event, ""), shape).to.throw(`not an S3 event: got ${shape}, with no Records list`);
  });

  it("takes an object's ETag as empty when the event has none, so the manifest still identifies it", () => {
    const event = fixture<S3Event>("s3-object-created-encoded-key.json");
    delete (event.Records[0].s3.object as { eTag?: string }).eTag;
    expect(s3EventObjects(event, "").created[0]).to.deep.include({ key: "Happy Face.jpg", etag: "" });
  });

  it("ignores S3's test event, sent when the notification is set up", () => {
    expect(s3EventObjects({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "archive" }, "processed/")).to.deep.equal({
      created: [],
      ignored: ["s3:TestEvent, sent when the bucket notification was set up"],
    });
  });

  it("refuses, naming what it got, an event without S3 records or of another shape (Why: such events were reported loaded)", () => {
    const sqs = { Records: [{ eventSource: "aws:sqs", body: "{}" }] };
    const cases: [unknown, string][] = [
      [{}, "not an S3 event: got an empty object, with no Records list"],
      [{ Records: [] }, "an S3 event with no records: nothing says which object to load"],
      [sqs, 'not an S3 event the loader can act on: record 0 is from "aws:sqs", not aws:s3'],
      [
        { Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: {} }] },
        "not an S3 event the loader can act on: record 0 has no s3.bucket.name and s3.object.key",
      ],
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
    expect(() => schemaStatements({ ...TARGET, columnTypes: { hits: "INT); DROP TABLE x; --" } })).to.throw(
      /column type "INT\); DROP TABLE x; --" for hits is not one the loader accepts/,
    );
  });

  it("upserts only where the staged change is newer, leaving out changes the rows hold already, assigning the sequence last, in the order of the dedup key", () => {
    const rows = "`clickstream`.`web_analytics`";
    const newer = `LPAD(s.stream_sequence, 40, '0') > COALESCE(LPAD(${rows}.\`stream_sequence\`, 40, '0'), '')`;
    expect(upsertStatement(TARGET)).to.equal(
      `INSERT INTO ${rows} (\`dedup_key\`, \`change\`, \`stream_sequence\`, \`hits\`) SELECT s.\`dedup_key\`, s.\`change\`, s.\`stream_sequence\`, s.\`hits\` FROM \`clickstream\`.\`load_staging\` s ` +
        `LEFT JOIN ${rows} r ON r.\`dedup_key\` = s.\`dedup_key\` ` +
        "WHERE s.line BETWEEN ? AND ? AND s.refused IS NULL AND COALESCE(r.stream_sequence <> s.stream_sequence, TRUE) ORDER BY s.`dedup_key`, s.line ON DUPLICATE KEY UPDATE " +
        `${rows}.\`change\` = IF(${newer}, s.\`change\`, ${rows}.\`change\`), ${rows}.\`hits\` = IF(${newer}, s.\`hits\`, ${rows}.\`hits\`), ` +
        `${rows}.\`stream_sequence\` = IF(${newer}, s.\`stream_sequence\`, ${rows}.\`stream_sequence\`)`,
    );
  });

  describe("schema versions", () => {
    const V2: LoadTarget = {
      ...TARGET,
      columns: [...TARGET.columns, "referrer", "campaign"],
      columnTypes: { hits: "INT", referrer: "VARCHAR(200)" },
      versionColumns: [4, 5, 6],
    };

    it("reads an object's schema version and hour from its key; a key without a version is version 1", () => {
      expect(schemaVersionOfKey("processed/2026/11/26/10/clicks-1.csv", "processed/")).to.equal(1);
      expect(schemaVersionOfKey("processed/v12/2026/11/26/10/clicks-1.csv", "processed/")).to.equal(12);
      expect(schemaVersionOfKey("processed/2026/11/26/10/v3/odd.csv", "processed/")).to.equal(1);
      expect(hourOfKey("processed/v2/2026/11/26/10/clicks-1.csv", "processed/")).to.equal("2026-11-26T10");
      expect(hourOfKey("processed/2026/11/26/09/clicks-1.csv", "processed/")).to.equal("2026-11-26T09");
      expect(hourOfKey("processed/elsewhere/clicks-1.csv", "processed/")).to.equal(undefined);
    });

    it("requires the columns of the version before an object's own, as a deployment may leave such lines in it", () => {
      expect([1, 2, 3].map((version) => requiredColumns(V2.versionColumns!, version))).to.deep.equal([4, 4, 5]);
    });

    it("loads the columns later versions added through user variables, so an older line gets NULL there and no warning", () => {
      expect(loadStatement(V2, { kind: "local" }, "rows", 4)).to.match(
        /\(`dedup_key`, `change`, `stream_sequence`, `hits`, @optional_0, @optional_1\) SET `referrer` = @optional_0, `campaign` = @optional_1$/,
      );
      expect(loadStatement(V2, { kind: "local" }, "rows")).to.match(/`hits`, `referrer`, `campaign`\)$/);
    });

    it("migrates by adding missing columns at the end and widening VARCHARs in place, and does nothing to tables that are up to date", () => {
      const table = (name: string, dataType: string, maxLength: number | null = null) => ({ table: "web_analytics", column: name, dataType, maxLength });
      const v1Table = [
        table("dedup_key", "varchar", 191),
        table("change", "varchar", 8),
        table("stream_sequence", "varchar", 64),
        table("hits", "int"),
        table("referrer", "varchar", 100),
      ];
      const manifest = { table: "loaded_objects", column: "rebuild_run", dataType: "varchar", maxLength: 64 };
      expect(migrationStatements(V2, [...v1Table, manifest])).to.deep.equal([
        "ALTER TABLE `clickstream`.`web_analytics` ADD COLUMN `campaign` TEXT NULL",
        "ALTER TABLE `clickstream`.`web_analytics` MODIFY COLUMN `referrer` VARCHAR(200) NULL, ALGORITHM=INPLACE, LOCK=NONE",
      ]);
      const current = [...v1Table.slice(0, 4), table("referrer", "varchar", 200), table("campaign", "text", 65535), manifest];
      expect(migrationStatements(V2, current)).to.deep.equal([]);
      // A column widened by hand stays wider; a manifest from before rebuilds gets its column.
      expect(migrationStatements(V2, [...current.slice(0, 4), table("referrer", "varchar", 500), table("campaign", "mediumtext")])).to.deep.equal([
        "ALTER TABLE `clickstream`.`loaded_objects` ADD COLUMN rebuild_run VARCHAR(64) NULL",
      ]);
    });
  });

  it("takes a rebuild's run name and whether it repairs from the event, and refuses a run that is not a plain name", () => {
    const event = (run: unknown) => ({
      Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "processed/a.csv" } } }],
      rebuild: { run },
    });
    expect(s3EventObjects(event("rebuild-2026-11-26T10:00:00Z"), "processed/").rebuildRun).to.equal("rebuild-2026-11-26T10:00:00Z");
    expect(() => s3EventObjects(event("x'; DROP TABLE t"), "processed/")).to.throw(
      /rebuild\.run must be 1 to 64 letters, digits or "_\.:-", got "x'; DROP TABLE t"/,
    );
    expect(() => s3EventObjects(event(undefined), "processed/")).to.throw(/rebuild\.run must be/);
    const repairing = (repair: unknown) => ({ ...event("r1"), rebuild: { run: "r1", repair } });
    expect(s3EventObjects(repairing(true), "processed/")).to.include({ rebuildRun: "r1", repair: true });
    expect(s3EventObjects(repairing(false), "processed/")).to.not.have.property("repair");
    expect(() => s3EventObjects(repairing("yes"), "processed/")).to.throw('a rebuild event\'s rebuild.repair must be true or false, got "yes"');
  });
});

describe("loader SQL", () => {
  const db = "`clickstream`";
  const staging = `${db}.\`load_staging\``;

  it("makes every session READ COMMITTED, strict and able to read every warning a load raises", () => {
    expect(SESSION_STATEMENTS).to.deep.equal([
      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
      "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
      "SET SESSION max_error_count = 65535",
    ]);
  });

  it("creates the database in binary utf8mb4, so keys that differ only in case or accents stay apart", () => {
    expect(schemaStatements(TARGET)[0]).to.equal("CREATE DATABASE IF NOT EXISTS `clickstream` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  });

  it("creates the manifest keyed by the object's identity and the rejects keyed by object and line", () => {
    const [, , manifest, rejects] = schemaStatements(TARGET);
    expect(manifest).to.equal(
      "CREATE TABLE IF NOT EXISTS `clickstream`.`loaded_objects` (object_id CHAR(64) NOT NULL PRIMARY KEY, bucket VARCHAR(63) NOT NULL, " +
        "object_key VARCHAR(1024) NOT NULL, etag VARCHAR(64) NOT NULL, row_count BIGINT NULL, loaded_at DATETIME(3) NOT NULL, rebuild_run VARCHAR(64) NULL) ENGINE=InnoDB",
    );
    expect(rejects).to.equal(
      "CREATE TABLE IF NOT EXISTS `clickstream`.`rejected_rows` (object_id CHAR(64) NOT NULL, line BIGINT NOT NULL, bucket VARCHAR(63) NOT NULL, " +
        "object_key VARCHAR(1024) NOT NULL, dedup_key TEXT NULL, stream_sequence TEXT NULL, fields LONGTEXT NOT NULL, error TEXT NOT NULL, " +
        "rejected_at DATETIME(3) NOT NULL, PRIMARY KEY (object_id, line)) ENGINE=InnoDB",
    );
  });

  it("types unconfigured columns as TEXT, and never lets a configured type override a fixed column's", () => {
    const [, untyped] = schemaStatements({ ...TARGET, columns: ["dedup_key", "note"], columnTypes: undefined });
    expect(untyped).to.equal(
      "CREATE TABLE IF NOT EXISTS `clickstream`.`web_analytics` (`dedup_key` VARCHAR(191) NOT NULL, `note` TEXT NULL, PRIMARY KEY (`dedup_key`)) ENGINE=InnoDB",
    );
    const [, table] = schemaStatements({ ...TARGET, columns: ["dedup_key", "change", "note"], columnTypes: { change: "JSON" } });
    expect(table).to.equal(
      "CREATE TABLE IF NOT EXISTS `clickstream`.`web_analytics` (`dedup_key` VARCHAR(191) NOT NULL, `change` VARCHAR(8) NULL, `note` TEXT NULL, PRIMARY KEY (`dedup_key`)) ENGINE=InnoDB",
    );
  });

  it("accepts every type the loader documents, in any case, and refuses text around one (the pattern's anchors)", () => {
    for (const type of ["varchar(20)", "DECIMAL(10,2)", "DATETIME(3)", "mediumtext", "JSON"]) {
      expect(schemaStatements({ ...TARGET, columnTypes: { hits: type } })[1]).to.contain(`\`hits\` ${type} NULL`);
    }
    for (const type of ["INT NOT NULL", "x INT", "INT, y INT", "DECIMAL(70,2)", "VARCHAR(0)"]) {
      expect(() => schemaStatements({ ...TARGET, columnTypes: { hits: type } }), type).to.throw(`column type "${type}" for hits is not one the loader accepts`);
    }
  });

  it("stages each object in a fresh temporary table: every field as text, lines numbered in file order", () => {
    expect(stagingStatements(TARGET)).to.deep.equal([
      `DROP TEMPORARY TABLE IF EXISTS ${staging}`,
      `CREATE TEMPORARY TABLE ${staging} (line BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, refused TEXT NULL, ` +
        "`dedup_key` LONGTEXT NULL, `change` LONGTEXT NULL, `stream_sequence` LONGTEXT NULL, `hits` LONGTEXT NULL) ENGINE=InnoDB",
    ]);
    expect(loadStatement(TARGET, { kind: "local" }, "staging")).to.match(
      /^LOAD DATA LOCAL INFILE 'archive-object' IGNORE INTO TABLE `clickstream`\.`load_staging` /,
    );
    expect(stagedLines(TARGET)).to.equal(`SELECT COUNT(*) AS lines_ FROM ${staging}`);
    expect(refuseLine(TARGET)).to.equal(`UPDATE ${staging} SET refused = ? WHERE line = ?`);
  });

  it("refuses, in S3 mode, a byte order mark on the first line and a carriage return in the last field", () => {
    expect(foreignEncodingChecks(TARGET)).to.deep.equal([
      `UPDATE ${staging} SET refused = 'the first field starts with a UTF-8 byte order mark: remove it from the object' ` +
        "WHERE line = 1 AND LEFT(`dedup_key`, 1) = _utf8mb4 0xEFBBBF",
      `UPDATE ${staging} SET refused = 'the last field holds a carriage return, as CRLF line ends leave it: load the object with loadMode local, which reads CRLF exactly' ` +
        "WHERE refused IS NULL AND LOCATE('\\r', `hits`) > 0",
    ]);
  });

  it("claims an object in the manifest at most once, and records its row count after the load", () => {
    expect(manifestInsert(TARGET)).to.equal(
      "INSERT IGNORE INTO `clickstream`.`loaded_objects` (object_id, bucket, object_key, etag, row_count, loaded_at, rebuild_run) VALUES (?, ?, ?, ?, NULL, UTC_TIMESTAMP(3), ?)",
    );
    expect(manifestUpdate(TARGET)).to.equal("UPDATE `clickstream`.`loaded_objects` SET row_count = ? WHERE object_id = ?");
    expect(manifestForgetForRebuild(TARGET)).to.equal("DELETE FROM `clickstream`.`loaded_objects` WHERE object_id = ? AND NOT (rebuild_run <=> ?)");
  });

  it("re-records an object's refused lines with every field by name, its key, sequence and the database's reason", () => {
    expect(rejectsClear(TARGET)).to.equal("DELETE FROM `clickstream`.`rejected_rows` WHERE object_id = ?");
    expect(rejectsInsert(TARGET)).to.equal(
      "INSERT INTO `clickstream`.`rejected_rows` (object_id, line, bucket, object_key, dedup_key, stream_sequence, fields, error, rejected_at) " +
        "SELECT ?, line, ?, ?, `dedup_key`, stream_sequence, JSON_OBJECT('dedup_key', `dedup_key`, 'change', `change`, 'stream_sequence', `stream_sequence`, 'hits', `hits`), " +
        `refused, UTC_TIMESTAMP(3) FROM ${staging} WHERE refused IS NOT NULL`,
    );
  });

  it("identifies an object by bucket, key and ETag, so a new version of a key loads again", () => {
    const id = objectId("archive", "processed/a.csv", "etag-1");
    expect(id).to.equal(createHash("sha256").update("archive\nprocessed/a.csv\netag-1").digest("hex"));
    expect(objectId("archive", "processed/a.csv", "etag-2")).to.not.equal(id);
  });
});
