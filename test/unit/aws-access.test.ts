import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runEntry } from "../support/command-line";

/**
 * Every command that talks to AWS checks the profile, region and credentials before any work, in
 * the same words, and never passes on the SDK's ("Region is missing", "Could not load credentials
 * from any providers"). Each runs in a child process with an empty HOME, the SDK resolving as it
 * would for a user, and with child processes and network connections forbidden: the check comes
 * before any connection.
 */
const COMMANDS = {
  redrive: { entry: "tools/redrive-cli.ts", argv: ["--bucket", "clicks-archive", "--delivery-stream", "clicks-archive-stream"] },
  rebuild: { entry: "tools/rebuild-cli.ts", argv: ["--bucket", "clicks-archive", "--database-url", "mysql://loader@127.0.0.1:3306/analytics", "--run", "r1"] },
  backfill: {
    entry: "tools/backfill-cli.ts",
    argv: [
      "--table",
      "clicks-dedup",
      "--projection",
      '{"kind":"index","hashKey":"useremail"}',
      "--target-table",
      "clicks-by-user",
      "--dead-letter-bucket",
      "clicks-dead-letters",
    ],
  },
};

describe("AWS access, checked first and told the same way by redrive, rebuild and backfill", function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  const credentials = "/nowhere/credentials";
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "aws-config-"));
    config = path.join(dir, "config");
    writeFileSync(config, "[profile dev]\nregion = eu-central-1\n\n[sso-session corp]\nsso_region = eu-west-1\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, { entry, argv }] of Object.entries(COMMANDS)) {
    describe(`npm run ${name}`, () => {
      const help = `see npm run ${name} -- --help`;
      const run = (extra: string[], env: Record<string, string> = {}) => runEntry(entry, [...argv, ...extra], { env, forbidSideEffects: true });
      const refused = (result: ReturnType<typeof run>) => {
        expect(result.stdout, "nothing on stdout").to.equal("");
        expect(result.status, result.stderr).to.equal(2);
        expect(result.stderr.split("\n").filter(Boolean), "one line").to.have.length(1);
        expect(result.stderr).to.not.match(/Region is missing|Could not load credentials from any providers/);
        return result.stderr.trim();
      };

      it("without a region, says how to give one", () => {
        expect(refused(run([]))).to.equal(
          `no AWS region: pass --region <region> or set AWS_REGION (a profile with a region, by --profile or AWS_PROFILE, also does); ${help}`,
        );
      });

      it("with a profile the files do not have, says so (not that the region is missing), naming the profiles they have", () => {
        expect(refused(run(["--profile", "analytics"], { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials }))).to.equal(
          `no AWS profile "analytics" (named by --profile) in ${config} or ${credentials}: the profiles there: dev; ${help}`,
        );
        expect(refused(run([], { AWS_PROFILE: "analytics", AWS_REGION: "eu-west-1" }))).to.equal(
          `no AWS profile "analytics" (named by AWS_PROFILE) in ~/.aws/config or ~/.aws/credentials: there are none (aws configure --profile analytics makes one); ${help}`,
        );
      });

      it("without credentials, says how to give them", () => {
        expect(refused(run(["--region", "eu-west-1"]))).to.equal(
          `no AWS credentials: pass --profile <name> or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; ${help}`,
        );
      });

      it("with a profile that has a region but no credentials, names the profile", () => {
        expect(refused(run(["--profile", "dev"], { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials }))).to.equal(
          `no AWS credentials from profile "dev" (named by --profile): it has no keys, role, SSO session or credential_process; check ${config}, or run aws sso login --profile dev if it signs in with IAM Identity Center; ${help}`,
        );
      });

      it("refuses a region that is not a region's code", () => {
        expect(refused(run(["--region", "Ireland"]))).to.equal(`--region takes a region's code, such as eu-west-1, got "Ireland"; ${help}`);
      });
    });
  }
});
