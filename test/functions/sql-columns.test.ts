import { expect } from "chai";
import * as fc from "fast-check";
import { LosslessNumber } from "lossless-json";
import { parseSqlType, sqlField, Unfit, type SqlType } from "../../functions/shared/sql-columns";
import { propertySettings } from "../support/property";

const type = (text: string): SqlType => {
  const parsed = parseSqlType(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};
/** The reason a value does not fit, or undefined when it fits. */
const why = (value: unknown, column: string): string | undefined => {
  const field = sqlField(value, type(column));
  return field instanceof Unfit ? field.why : undefined;
};
/** The CSV text of a value that fits (undefined for SQL NULL); fails the test when it does not fit. */
const text = (value: unknown, column: string): string | undefined => {
  const field = sqlField(value, type(column));
  if (field instanceof Unfit) throw new Error(`${String(value)} in ${column}: ${field.why}`);
  return field;
};
const n = (digits: string) => new LosslessNumber(digits);
const two = (k: number) => String(k).padStart(2, "0");
const daysIn = (year: number, month: number) =>
  [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

describe("SQL column types and values (functions/shared/sql-columns.ts)", () => {
  describe("parseSqlType", () => {
    it("gives each accepted type its meaning: integer ranges, sizes, kinds, in any letter case", () => {
      expect(parseSqlType("TINYINT")).to.deep.equal({ kind: "integer", name: "TINYINT", min: -128n, max: 127n });
      expect(parseSqlType("smallint")).to.deep.equal({ kind: "integer", name: "SMALLINT", min: -32768n, max: 32767n });
      expect(parseSqlType("INT")).to.deep.equal({ kind: "integer", name: "INT", min: -2147483648n, max: 2147483647n });
      expect(parseSqlType("BigInt")).to.deep.equal({ kind: "integer", name: "BIGINT", min: -9223372036854775808n, max: 9223372036854775807n });
      expect(parseSqlType("DECIMAL(20,10)")).to.deep.equal({ kind: "decimal", name: "DECIMAL(20,10)", precision: 20, scale: 10 });
      expect(parseSqlType("varchar(191)")).to.deep.equal({ kind: "varchar", name: "VARCHAR(191)", maxChars: 191 });
      expect(parseSqlType("DATETIME")).to.deep.equal({ kind: "datetime", name: "DATETIME", fsp: 0 });
      expect(parseSqlType("DATETIME(6)")).to.deep.equal({ kind: "datetime", name: "DATETIME(6)", fsp: 6 });
      expect(parseSqlType("TEXT")).to.deep.equal({ kind: "text", name: "TEXT", maxBytes: 65_535 });
      expect(parseSqlType("MEDIUMTEXT")).to.deep.equal({ kind: "text", name: "MEDIUMTEXT", maxBytes: 16_777_215 });
      expect(parseSqlType("DOUBLE")).to.deep.equal({ kind: "double", name: "DOUBLE" });
      expect(parseSqlType("BOOLEAN")).to.deep.equal({ kind: "boolean", name: "BOOLEAN" });
      expect(parseSqlType("DATE")).to.deep.equal({ kind: "date", name: "DATE" });
      expect(parseSqlType("json")).to.deep.equal({ kind: "json", name: "JSON" });
    });

    it("takes sizes only within MySQL's limits, saying which", () => {
      for (const ok of ["DECIMAL(1,0)", "DECIMAL(65,30)", "DECIMAL(10,10)", "VARCHAR(1)", "VARCHAR(16383)", "DATETIME(0)"])
        expect(parseSqlType(ok), ok).to.be.an("object");
      for (const bad of ["DECIMAL(0,0)", "DECIMAL(66,0)", "DECIMAL(65,31)", "DECIMAL(10,11)"])
        expect(parseSqlType(bad), bad).to.equal(`"${bad}": DECIMAL(p,s) needs 1 ≤ p ≤ 65 and s ≤ 30, s ≤ p`);
      for (const bad of ["VARCHAR(0)", "VARCHAR(16384)"]) expect(parseSqlType(bad), bad).to.equal(`"${bad}": VARCHAR(n) of utf8mb4 needs 1 ≤ n ≤ 16383`);
      expect(parseSqlType("DATETIME(7)")).to.equal(`"DATETIME(7)": DATETIME(fsp) needs fsp ≤ 6`);
    });

    it("refuses anything but a plain type, so no SQL rides along into CREATE TABLE", () => {
      for (const bad of ["INT; DROP TABLE clicks", " INT", "INT UNSIGNED", "VARCHAR(10) NOT NULL", "DECIMAL(10,2", "DATETIME()", "FLOAT", ""]) {
        expect(parseSqlType(bad), bad)
          .to.be.a("string")
          .and.match(/is not a type the loader accepts/);
      }
    });
  });

  describe("sqlField", () => {
    it("writes SQL NULL for an absent value and for null, except in a JSON column, where null is JSON's", () => {
      for (const column of ["TEXT", "INT", "BOOLEAN", "DATE"]) {
        expect(sqlField(undefined, type(column)), column).to.equal(undefined);
        expect(sqlField(null, type(column)), column).to.equal(undefined);
      }
      expect(sqlField(undefined, type("JSON"))).to.equal(undefined);
      expect(text(null, "JSON")).to.equal("null");
    });

    it("writes text columns as text: numbers with their own digits, booleans as words, nested values as JSON", () => {
      expect(text("héllo", "TEXT")).to.equal("héllo");
      expect(text(n("1.50"), "TEXT")).to.equal("1.50");
      expect(text(42, "TEXT")).to.equal("42");
      expect(text(true, "VARCHAR(8)")).to.equal("true");
      expect(text({ a: [n("1.0"), null] }, "TEXT")).to.equal('{"a":[1.0,null]}');
    });

    it("holds text up to the column's size, counting UTF-8 bytes for TEXT and characters for VARCHAR", () => {
      expect(why("a".repeat(65_535), "TEXT")).to.equal(undefined);
      expect(why("a".repeat(65_536), "TEXT")).to.equal("is 65536 bytes of UTF-8; TEXT holds 65535");
      expect(why("é".repeat(32_767), "TEXT"), "65,534 bytes").to.equal(undefined);
      expect(why("é".repeat(32_768), "TEXT")).to.equal("is 65536 bytes of UTF-8; TEXT holds 65535");
      expect(text("😀😀", "VARCHAR(2)"), "two characters, four UTF-16 units").to.equal("😀😀");
      expect(why("abc", "VARCHAR(3)")).to.equal(undefined);
      expect(why("abcd", "VARCHAR(3)")).to.equal("is 4 characters; VARCHAR(3) holds 3");
      expect(why("😀😀😀", "VARCHAR(2)")).to.equal("is 3 characters; VARCHAR(2) holds 2");
    });

    it("writes booleans as 1 and 0 and refuses anything else, saying what it is", () => {
      expect(text(true, "BOOLEAN")).to.equal("1");
      expect(text(false, "BOOLEAN")).to.equal("0");
      expect(why(1, "BOOLEAN")).to.equal("is a number; BOOLEAN holds true or false");
      expect(why(n("0"), "BOOLEAN")).to.equal("is a number; BOOLEAN holds true or false");
      expect(why("true", "BOOLEAN")).to.equal("is a string; BOOLEAN holds true or false");
      expect(why([true], "BOOLEAN")).to.equal("is an array; BOOLEAN holds true or false");
      expect(why({ value: true }, "BOOLEAN")).to.equal("is an object; BOOLEAN holds true or false");
      expect(why("12", "INT")).to.equal("is a string; INT holds numbers");
      expect(why(true, "DOUBLE")).to.equal("is a boolean; DOUBLE holds numbers");
    });

    it("takes integers to each type's exact ends, as numbers and as numbers beyond a double's precision", () => {
      const ends: [string, bigint, bigint][] = [
        ["TINYINT", -128n, 127n],
        ["SMALLINT", -32768n, 32767n],
        ["INT", -2147483648n, 2147483647n],
        ["BIGINT", -9223372036854775808n, 9223372036854775807n],
      ];
      for (const [column, min, max] of ends) {
        for (const value of [min, max, 0n]) {
          expect(text(n(String(value)), column), `${value} in ${column}`).to.equal(String(value));
          if (Number.isSafeInteger(Number(value))) expect(text(Number(value), column), `${value} in ${column}`).to.equal(String(value));
        }
        for (const value of [min - 1n, max + 1n]) {
          expect(why(n(String(value)), column), `${value} in ${column}`).to.equal(`${value} is outside ${column}'s range ${min}..${max}`);
          if (Number.isSafeInteger(Number(value)))
            expect(why(Number(value), column), `${value} in ${column}`).to.equal(`${value} is outside ${column}'s range ${min}..${max}`);
        }
      }
      expect(text(n("1.0E+2"), "INT")).to.equal("100");
      expect(why(n("1.5"), "INT")).to.equal("1.5 is not an integer; INT holds integers");
      expect(why(n("1E+125"), "BIGINT")).to.equal("1E+125 is outside BIGINT's range -9223372036854775808..9223372036854775807");
      expect(why(n("12345678901234567890123456789012345678901234567890"), "BIGINT")).to.equal(
        "1234567890123456789012345678901234567… is outside BIGINT's range -9223372036854775808..9223372036854775807",
      );
    });

    it("takes a decimal with up to its scale in decimals and its precision less scale in integer digits", () => {
      expect(text(n("12345678.9"), "DECIMAL(10,2)")).to.equal("12345678.9");
      expect(text(n("-0.25"), "DECIMAL(10,2)")).to.equal("-0.25");
      expect(text(n("1.5E+3"), "DECIMAL(10,2)")).to.equal("1500");
      expect(why(n("1.255"), "DECIMAL(10,2)")).to.equal("1.255 has 3 decimals; DECIMAL(10,2) keeps 2");
      expect(why(n("123456789"), "DECIMAL(10,2)")).to.equal("123456789 has more integer digits than DECIMAL(10,2) holds");
    });

    it("takes a double only when it holds the number as written", () => {
      expect(text(n("0.1"), "DOUBLE")).to.equal("0.1");
      expect(text(n("-1.5E+300"), "DOUBLE")).to.equal("-1.5E+300");
      expect(text(2.5, "DOUBLE")).to.equal("2.5");
      expect(why(n("0.12345678901234567890"), "DOUBLE")).to.equal("0.12345678901234567890 has more digits than DOUBLE holds");
    });

    it("takes into JSON every 64-bit integer and every number a double holds, at any depth, refusing the rest", () => {
      for (const ok of ["18446744073709551615", "12345678901234567890", "-9223372036854775808", "1E+20", "0.5", "-3"])
        expect(why(n(ok), "JSON"), ok).to.equal(undefined);
      for (const bad of ["18446744073709551616", "18446744073709551617", "-9223372036854775809", "0.12345678901234567890", "123456789012345678901"]) {
        expect(why(n(bad), "JSON"), bad).to.equal(`${bad} has more digits than MySQL's JSON keeps (64-bit integers, doubles)`);
      }
      expect(text({ a: [n("1.0"), n("18446744073709551615"), "x", true, null] }, "JSON")).to.equal('{"a":[1.0,18446744073709551615,"x",true,null]}');
      expect(why({ a: n("1"), b: [n("2"), n("0.12345678901234567890")] }, "JSON")).to.equal(
        "0.12345678901234567890 has more digits than MySQL's JSON keeps (64-bit integers, doubles)",
      );
    });

    it("takes dates from 1000-01-01 to 9999-12-31 that exist, and refuses others and non-strings", () => {
      for (const ok of ["1000-01-01", "9999-12-31", "2024-02-29", "2026-01-31", "2026-12-01", "2026-04-30"]) expect(text(ok, "DATE"), ok).to.equal(ok);
      for (const bad of [
        "0999-12-31",
        "2023-02-29",
        "2026-04-31",
        "2026-00-10",
        "2026-13-01",
        "2026-01-00",
        "x2026-01-01",
        "2026-01-01x",
        "2026-1-01",
        "2026-01-01 10:00:00",
      ]) {
        expect(why(bad, "DATE"), bad).to.equal(`"${bad}" is not a date YYYY-MM-DD from 1000-01-01 to 9999-12-31`);
      }
      expect(why(20260101, "DATE")).to.equal("is a number; DATE holds a date as text");
      expect(why(n("20260101"), "DATETIME")).to.equal("is a number; DATETIME holds a date and time as text");
      const long = `${"9".repeat(38)}-x`;
      expect(why(long, "DATE"), "40 characters are shown whole").to.equal(`"${long}" is not a date YYYY-MM-DD from 1000-01-01 to 9999-12-31`);
      expect(why(`${long}y`, "DATE"), "longer text is cut").to.equal(`"${"9".repeat(37)}…" is not a date YYYY-MM-DD from 1000-01-01 to 9999-12-31`);
    });

    it("takes a date and time in either accepted form exactly when every part is in range, written as MySQL reads it", () => {
      const bad = `is not a UTC time "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" or "YYYY-MM-DD HH:MM:SS[.ffffff]"`;
      const parts = fc.record({
        year: fc.oneof(fc.integer({ min: 998, max: 1001 }), fc.integer({ min: 1000, max: 9999 })),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 24 }),
        minute: fc.integer({ min: 0, max: 60 }),
        second: fc.integer({ min: 0, max: 60 }),
        fraction: fc.stringMatching(/^\d{0,7}$/),
        form: fc.constantFrom("T", " "),
        fsp: fc.integer({ min: 0, max: 6 }),
      });
      fc.assert(
        fc.property(parts, (p) => {
          const date = `${String(p.year).padStart(4, "0")}-${two(p.month)}-${two(p.day)}`;
          const time = `${two(p.hour)}:${two(p.minute)}:${two(p.second)}${p.fraction ? `.${p.fraction}` : ""}`;
          const value = p.form === "T" ? `${date}T${time}Z` : `${date} ${time}`;
          const column = p.fsp === 0 ? "DATETIME" : `DATETIME(${p.fsp})`;
          const valid =
            p.year >= 1000 &&
            p.month >= 1 &&
            p.month <= 12 &&
            p.day >= 1 &&
            p.day <= daysIn(p.year, p.month) &&
            p.hour <= 23 &&
            p.minute <= 59 &&
            p.second <= 59 &&
            p.fraction.length <= 6;
          const field = sqlField(value, type(column));
          if (!valid) expect(field, value).to.deep.equal(new Unfit(`"${value}" ${bad}`));
          else if (p.fraction.length > p.fsp)
            expect(field, value).to.deep.equal(new Unfit(`"${value}" has ${p.fraction.length} fractional digits; ${column} keeps ${p.fsp}`));
          else expect(field, value).to.equal(`${date} ${time}`);
        }),
        propertySettings(2000),
      );
      for (const junk of [
        "2026-11-26T10:00:05",
        "2026-11-26 10:00:05Z",
        "x2026-11-26 10:00:05",
        "2026-11-26 10:00:05x",
        "2026-11-26 1:00:05",
        "2026-11-26 10:0:05",
        "2026-11-26 10:00:5",
        "2026-11-26 10:00:05.",
        "2026-11-26",
      ]) {
        expect(why(junk, "DATETIME(6)"), junk).to.equal(`"${junk}" ${bad}`);
      }
      expect(text("2026-11-26 10:00:05", "DATETIME")).to.equal("2026-11-26 10:00:05");
      expect(text("2026-11-26T10:00:05.123Z", "DATETIME(3)")).to.equal("2026-11-26 10:00:05.123");
    });
  });
});
