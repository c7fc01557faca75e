import { expect } from "chai";
import { databaseEndpoint } from "../../functions/shared/db-auth";
import { positiveIntEnv, requiredEnv } from "../../functions/shared/env";
import { lazy } from "../../functions/shared/lazy";

describe("function settings", () => {
  describe("environment", () => {
    it("reads a required key, and fails naming a missing or empty one", () => {
      expect(requiredEnv({ TABLE_NAME: "clicks" }, "TABLE_NAME")).to.equal("clicks");
      for (const env of [{}, { TABLE_NAME: "" }]) {
        expect(() => requiredEnv(env, "TABLE_NAME")).to.throw("environment variable TABLE_NAME is not set; the component that deploys this function sets it");
      }
    });

    it("reads a positive integer, takes the default when unset or empty, and refuses anything else", () => {
      expect(positiveIntEnv({ N: "1" }, "N", 7)).to.equal(1);
      expect(positiveIntEnv({ N: "25" }, "N", 7)).to.equal(25);
      expect(positiveIntEnv({}, "N", 7)).to.equal(7);
      expect(positiveIntEnv({ N: "" }, "N", 7)).to.equal(7);
      for (const raw of ["0", "-3", "2.5", "ten", " "]) {
        expect(() => positiveIntEnv({ N: raw }, "N", 7), raw).to.throw(`environment variable N must be a positive integer, got "${raw}"`);
      }
    });

    it("reaches the database over TLS with the RDS authorities on port 3306 unless told otherwise", () => {
      expect(databaseEndpoint({ DB_HOST: "cluster.example" })).to.deep.equal({ host: "cluster.example", port: 3306, connectTimeout: 30_000, ssl: "Amazon RDS" });
      expect(databaseEndpoint({ DB_HOST: "127.0.0.1", DB_PORT: "33060", CONNECT_TIMEOUT_MS: "500", DB_TLS: "off" })).to.deep.equal({
        host: "127.0.0.1",
        port: 33060,
        connectTimeout: 500,
        ssl: undefined,
      });
      expect(databaseEndpoint({ DB_HOST: "h", DB_TLS: "on" }).ssl).to.equal("Amazon RDS");
      expect(() => databaseEndpoint({})).to.throw(/DB_HOST is not set/);
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
