import { expect } from "chai";
import * as fc from "fast-check";
import { hourOfKey, schemaVersionOfKey, versionSegment } from "../../functions/shared/archive-schema";
import { propertySettings } from "../support/property";

const two = (n: number) => String(n).padStart(2, "0");

describe("archive schema versions in object keys (functions/shared/archive-schema.ts)", () => {
  it("writes version 1 under the bare prefix, as before versions existed, and version n under v<n>/", () => {
    expect(versionSegment(1)).to.equal("");
    expect(versionSegment(2)).to.equal("v2/");
    expect(versionSegment(17)).to.equal("v17/");
  });

  it("reads back the version and the hour of every key Firehose writes for a version", () => {
    const prefix = fc.constantFrom("processed/", "archive/processed/", "");
    const hour = fc.record({
      year: fc.integer({ min: 1000, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
    });
    fc.assert(
      fc.property(prefix, fc.integer({ min: 1, max: 999_999 }), hour, (p, version, h) => {
        const key = `${p}${versionSegment(version)}${h.year}/${two(h.month)}/${two(h.day)}/${two(h.hour)}/clicks-1-2026-11-26-10-00-00-abc.csv`;
        expect(schemaVersionOfKey(key, p), key).to.equal(version);
        expect(hourOfKey(key, p), key).to.equal(`${h.year}-${two(h.month)}-${two(h.day)}T${two(h.hour)}`);
      }),
      propertySettings(300),
    );
  });

  it("gives no hour for a key of another shape: folders before the date, a short date, a version with no date", () => {
    expect(hourOfKey("processed/elsewhere/2026/11/26/10/clicks-1.csv", "processed/")).to.equal(undefined);
    expect(hourOfKey("processed/v2/elsewhere/2026/11/26/10/clicks-1.csv", "processed/")).to.equal(undefined);
    expect(hourOfKey("processed/2026/11/26/clicks-1.csv", "processed/")).to.equal(undefined);
    expect(hourOfKey("processed/v2/clicks-1.csv", "processed/")).to.equal(undefined);
  });
});
