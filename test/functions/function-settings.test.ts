import { expect } from "chai";
import * as fc from "fast-check";
import { dbSetupEnvironment, readDbSetupEnvironment } from "../../functions/db-setup/environment";
import { forwardEnvironment, readForwardEnvironment } from "../../functions/forward/environment";
import { ingestEnvironment, readIngestEnvironment } from "../../functions/ingest/environment";
import { loadEnvironment, readLoadEnvironment } from "../../functions/load/environment";
import { projectEnvironment, readProjectEnvironment } from "../../functions/project/environment";
import { connectionOptions, type DatabaseEnvironment } from "../../functions/shared/db-auth";
import { positiveIntEnv, requiredEnv } from "../../functions/shared/env";
import { lazy } from "../../functions/shared/lazy";
import { readTransformEnvironment, transformEnvironment } from "../../functions/transform/environment";
import { propertySettings } from "../support/property";

const name = fc.stringMatching(/^[A-Za-z0-9_.:/-]{1,40}$/);
const count = fc.integer({ min: 1, max: 10_000 });
const database: fc.Arbitrary<DatabaseEnvironment> = fc.record({
  host: name,
  port: fc.integer({ min: 1, max: 65_535 }).map(String),
  tls: fc.boolean(),
  auth: fc.oneof(
    fc.constant({ kind: "iam" as const }),
    name.map((secretArn) => ({ kind: "secret" as const, secretArn })),
  ),
});

/**
 * Each function reads every setting from the environment its component writes, with no default of
 * its own: what the component's settings model resolved is what the function runs with.
 */
describe("function settings", () => {
  describe("the environment each component writes, read back by its function", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each function's own pair of types
    const roundTrips = (what: string, settings: fc.Arbitrary<any>, write: (s: any) => Record<string, string>, read: (env: Record<string, string>) => unknown) =>
      it(`${what}: reads back exactly what was written, and fails naming any key left out`, () => {
        fc.assert(
          fc.property(settings, (given) => {
            const env = write(given);
            expect(JSON.parse(JSON.stringify(read(env)))).to.deep.equal(JSON.parse(JSON.stringify(given)));
            // The keys whose absence means something: pull mode (no writer role), one schema version.
            const optional = ["POWERTOOLS_SERVICE_NAME", "WRITER_ROLE_ARN", "SCHEMA_VERSIONS"];
            for (const key of Object.keys(env).filter((k) => !optional.includes(k))) {
              const { [key]: _left, ...without } = env;
              expect(() => read(without), key).to.throw(new RegExp(`environment variable ${key} `));
            }
          }),
          propertySettings(100),
        );
      });

    roundTrips(
      "ingest",
      fc.record(
        {
          tableName: name,
          deadLetterBucket: name,
          writeConcurrency: count,
          writeMaxAttempts: count,
          writer: fc.option(fc.record({ roleArn: name, externalId: name }), { nil: undefined }),
        },
        { requiredKeys: ["tableName", "deadLetterBucket", "writeConcurrency", "writeMaxAttempts"] },
      ),
      ingestEnvironment,
      readIngestEnvironment,
    );
    roundTrips(
      "forward",
      fc.record({
        deliveryStreamName: name,
        deadLetterBucket: name,
        keyAttributes: fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/), { minLength: 1, maxLength: 3 }),
        removeMode: fc.constantFrom("marker" as const, "skip" as const),
        sendMaxAttempts: count,
      }),
      forwardEnvironment,
      readForwardEnvironment,
    );
    roundTrips(
      "transform",
      fc.record({
        schema: fc.constant({ type: "object" }),
        columns: fc.array(fc.record({ name, path: name })),
        columnTypes: fc.dictionary(name, fc.constantFrom("INT", "TEXT")),
      }),
      transformEnvironment,
      readTransformEnvironment,
    );
    roundTrips(
      "project",
      fc.oneof(
        fc.record({ spec: fc.constant({ kind: "index" as const, hashKey: "useremail" }), targetTable: name, deadLetterBucket: name }),
        fc.record({
          spec: fc.constant({ kind: "aggregate" as const, groupBy: ["page_id"] }),
          targetTable: name,
          deadLetterBucket: name,
          ledger: fc.record({ table: name, ttlDays: count, countedEntriesExpire: fc.boolean() }),
        }),
      ),
      projectEnvironment,
      readProjectEnvironment,
    );
    roundTrips(
      "load",
      fc.record({
        database,
        user: name,
        target: fc.record({
          database: name,
          table: name,
          manifestTable: name,
          rejectsTable: name,
          columns: fc.array(name, { minLength: 1 }),
          columnTypes: fc.dictionary(name, fc.constant("INT")),
        }),
        mode: fc.constantFrom("s3" as const, "streamed" as const),
        processedPrefix: name,
      }),
      loadEnvironment,
      readLoadEnvironment,
    );
    roundTrips("db-setup", fc.record({ database, masterSecretArn: name }), dbSetupEnvironment, readDbSetupEnvironment);

    it("load: carries each schema version's column count only once there are several, and reads it back", () => {
      const base = {
        database: { host: "h", port: "3306", tls: true, auth: { kind: "iam" as const } },
        user: "u",
        mode: "s3" as const,
        processedPrefix: "processed/",
      };
      const target = { database: "d", table: "t", manifestTable: "m", rejectsTable: "r", columns: ["a", "b", "c"], columnTypes: {} };
      expect(loadEnvironment({ ...base, target: { ...target, versionColumns: [3] } })).to.not.have.property("SCHEMA_VERSIONS");
      expect(readLoadEnvironment(loadEnvironment({ ...base, target: { ...target, versionColumns: [2, 3] } })).target.versionColumns).to.deep.equal([2, 3]);
    });

    it("refuses a malformed setting, naming the key and what it must be", () => {
      const env = ingestEnvironment({ tableName: "t", deadLetterBucket: "b", writeConcurrency: 4, writeMaxAttempts: 8 });
      for (const raw of ["0", "-3", "2.5", "ten", " "])
        expect(() => readIngestEnvironment({ ...env, WRITE_CONCURRENCY: raw }), raw).to.throw(
          `environment variable WRITE_CONCURRENCY must be a positive integer, got "${raw}"`,
        );
      const forward = forwardEnvironment({ deliveryStreamName: "d", deadLetterBucket: "b", keyAttributes: ["k"], removeMode: "marker", sendMaxAttempts: 6 });
      expect(() => readForwardEnvironment({ ...forward, REMOVE_MODE: "drop" })).to.throw(
        'environment variable REMOVE_MODE must be "marker" or "skip", got "drop"',
      );
      expect(() => readTransformEnvironment({ ...transformEnvironment({ schema: {}, columns: [], columnTypes: {} }), COLUMNS: "[" })).to.throw(
        /environment variable COLUMNS must be JSON/,
      );
    });
  });

  describe("environment", () => {
    it("reads a required key, and fails naming a missing or empty one", () => {
      expect(requiredEnv({ TABLE_NAME: "clicks" }, "TABLE_NAME")).to.equal("clicks");
      for (const env of [{}, { TABLE_NAME: "" }]) {
        expect(() => requiredEnv(env, "TABLE_NAME")).to.throw("environment variable TABLE_NAME is not set; the component that deploys this function sets it");
      }
    });

    it("reads a positive integer and nothing else, with no default", () => {
      expect(positiveIntEnv({ N: "25" }, "N")).to.equal(25);
      expect(() => positiveIntEnv({}, "N")).to.throw("environment variable N is not set");
    });

    it("reaches the database over TLS with the RDS authorities, or without when told", () => {
      const endpoint = { host: "cluster.example", port: "3306", auth: { kind: "iam" as const } };
      expect(connectionOptions({ ...endpoint, tls: true })).to.deep.equal({ host: "cluster.example", port: 3306, connectTimeout: 30_000, ssl: "Amazon RDS" });
      expect(connectionOptions({ ...endpoint, tls: false }).ssl).to.equal(undefined);
    });
  });

  it("lazy builds its value at the first call only, and keeps it, undefined included", () => {
    let builds = 0;
    const value = lazy(() => ({ built: ++builds }));
    expect(builds).to.equal(0);
    expect(value()).to.deep.equal({ built: 1 });
    expect(value()).to.equal(value());
    expect(builds).to.equal(1);
    let nothing = 0;
    const empty = lazy(() => void nothing++);
    empty();
    empty();
    expect(nothing).to.equal(1);
  });
});
