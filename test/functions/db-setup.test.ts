import { expect } from "chai";
import { loaderUserStatements, LOADER_PRIVILEGES, parseSpec } from "../../functions/db-setup/core";
import { loaderCredentials, readDatabaseEnvironment } from "../../functions/shared/db-auth";

describe("the loader's own database user", () => {
  describe("setup statements", () => {
    const spec = { user: "clickstream_loader", database: "clickstream", loadFromS3: true };

    it("creates the user for IAM authentication, with only the loader's privileges on its own database, and the S3 load role as a default role", () => {
      expect(loaderUserStatements(spec, { kind: "iam" })).to.deep.equal([
        "CREATE USER IF NOT EXISTS 'clickstream_loader'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'",
        "ALTER USER 'clickstream_loader'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'",
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, CREATE TEMPORARY TABLES ON `clickstream`.* TO 'clickstream_loader'@'%'",
        "GRANT AWS_LOAD_S3_ACCESS TO 'clickstream_loader'@'%'",
        "SET DEFAULT ROLE AWS_LOAD_S3_ACCESS TO 'clickstream_loader'@'%'",
      ]);
    });

    it("grants nothing beyond its database: no global privilege, no administration, no FILE", () => {
      const grants = loaderUserStatements(spec, { kind: "iam" }).filter((s) => s.startsWith("GRANT ") && s.includes(" ON "));
      expect(grants).to.have.length(1);
      expect(grants[0]).to.include("ON `clickstream`.*");
      expect(LOADER_PRIVILEGES).to.not.include.members(["ALL", "FILE", "SUPER", "GRANT OPTION", "DROP"]);
    });

    it("uses an escaped password where the engine has no IAM authentication, and leaves out the S3 role for LOCAL loads", () => {
      const statements = loaderUserStatements({ ...spec, loadFromS3: false }, { kind: "password", password: "it's \\ secret" });
      expect(statements[0]).to.equal("CREATE USER IF NOT EXISTS 'clickstream_loader'@'%' IDENTIFIED BY 'it\\'s \\\\ secret'");
      expect(statements.join("\n")).to.not.include("AWS_LOAD_S3_ACCESS");
      expect(statements).to.have.length(3);
    });

    it("refuses names that are not plain identifiers, so nothing from the event reaches SQL unchecked", () => {
      expect(() => loaderUserStatements({ ...spec, user: "x'@'%' IDENTIFIED BY 'y" }, { kind: "iam" })).to.throw(/user must be a letter or "_"/);
      expect(() => loaderUserStatements({ ...spec, database: "a`b" }, { kind: "iam" })).to.throw(/database must be/);
    });

    it("takes database names of up to 64 characters and user names of up to 32, as MySQL does", () => {
      expect(() => loaderUserStatements({ ...spec, database: `d${"x".repeat(63)}` }, { kind: "iam" })).to.not.throw();
      expect(() => loaderUserStatements({ ...spec, database: `d${"x".repeat(64)}` }, { kind: "iam" })).to.throw(
        /database must be a letter or "_" then up to 63/,
      );
      expect(() => loaderUserStatements({ ...spec, user: `u${"x".repeat(31)}` }, { kind: "iam" })).to.not.throw();
      expect(() => loaderUserStatements({ ...spec, user: `u${"x".repeat(32)}` }, { kind: "iam" })).to.throw(/user must be a letter or "_" then up to 31/);
      expect(() => loaderUserStatements({ ...spec, user: "_loader_1", database: "_click_2" }, { kind: "iam" })).to.not.throw();
      expect(() => loaderUserStatements({ ...spec, user: "1loader" }, { kind: "iam" })).to.throw(/user must be/);
      expect(() => loaderUserStatements({ ...spec, database: "9clicks" }, { kind: "iam" })).to.throw(/database must be/);
    });

    it("takes its spec from the invocation's input, and says what it needs when the input is wrong", () => {
      expect(parseSpec({ user: "u", database: "d", loadFromS3: false })).to.deep.equal({ user: "u", database: "d", loadFromS3: false });
      const good = { user: "u", database: "d", loadFromS3: true };
      for (const event of [
        null,
        "setup",
        { database: "d", loadFromS3: true },
        { ...good, user: 1 },
        { ...good, database: undefined },
        { ...good, loadFromS3: "true" },
      ]) {
        expect(() => parseSpec(event), JSON.stringify(event)).to.throw(
          `the setup event must be {"user": string, "database": string, "loadFromS3": boolean}, got ${JSON.stringify(event)}`,
        );
      }
    });
  });

  describe("how the loader signs in", () => {
    const endpoint = { host: "cluster.example", port: 3306 };
    const sources = {
      token: async (host: string, port: number, user: string) => `token-for-${user}@${host}:${port}`,
      secret: async (arn: string) => (arn === "arn:local" ? { password: "local-password" } : undefined),
    };

    it("on Aurora, with an IAM token as a clear-text password over TLS, and no secret read at all", async () => {
      const auth = readDatabaseEnvironment({ DB_HOST: "cluster.example", DB_PORT: "3306", DB_TLS: "on", LOADER_AUTH: "iam" }).auth;
      expect(auth).to.deep.equal({ kind: "iam" });
      expect(await loaderCredentials(auth, "clickstream_loader", endpoint, { ...sources, secret: async () => expect.fail("no secret") })).to.deep.equal({
        user: "clickstream_loader",
        password: "token-for-clickstream_loader@cluster.example:3306",
        enableCleartextPlugin: true,
      });
    });

    it("on an engine without IAM, with the password from the local secret", async () => {
      const auth = readDatabaseEnvironment({
        DB_HOST: "127.0.0.1",
        DB_PORT: "3306",
        DB_TLS: "off",
        LOADER_AUTH: "secret",
        LOADER_SECRET_ARN: "arn:local",
      }).auth;
      expect(await loaderCredentials(auth, "clickstream_loader", endpoint, sources)).to.deep.equal({ user: "clickstream_loader", password: "local-password" });
      await loaderCredentials({ kind: "secret", secretArn: "arn:empty" }, "u", endpoint, sources).then(
        () => expect.fail("signed in without a password"),
        (error: Error) => expect(error.message).to.equal("secret arn:empty holds no password"),
      );
    });

    it("refuses an unknown way of signing in", () => {
      expect(() => readDatabaseEnvironment({ DB_HOST: "h", DB_PORT: "3306", DB_TLS: "on", LOADER_AUTH: "master" })).to.throw(
        /LOADER_AUTH must be "iam" or "secret", got "master"/,
      );
    });
  });
});
