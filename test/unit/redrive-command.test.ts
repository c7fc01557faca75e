import { FirehoseClient } from "@aws-sdk/client-firehose";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components/internal/web-analytics";
import { redriveCommand, sdkClients, type RedriveIo } from "../../tools/redrive-command";
import { runEntry } from "../support/command-line";

/** Runs the command in this process with clients that reach nothing; answers its exit code and what it printed. */
async function run(argv: string[], clients?: RedriveIo["clients"]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await redriveCommand(argv, { out: (line) => out.push(line), err: (line) => err.push(line), clients });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("the re-drive command", function () {
  this.timeout(30_000);
  const required = ["--bucket", "clicks-archive", "--delivery-stream", "clicks-archive-stream"];
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "redrive-files-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names every missing argument at once and points to --help", async () => {
    expect(await run([])).to.deep.include({ code: 2, err: "--bucket is required; --delivery-stream is required; see npm run redrive -- --help" });
    expect(await run(["--bucket", "b"])).to.deep.include({ code: 2, err: "--delivery-stream is required; see npm run redrive -- --help" });
  });

  it("says that --schema and --columns come together, naming the one missing", async () => {
    expect((await run([...required, "--schema", "schema.json"])).err).to.equal(
      "--schema needs --columns too (the transform checks a record with both); see npm run redrive -- --help",
    );
    expect((await run([...required, "--columns", "columns.json"])).err).to.equal(
      "--columns needs --schema too (the transform checks a record with both); see npm run redrive -- --help",
    );
  });

  it("takes --column-types only with --schema and --columns, and names a file that holds no object of types", async () => {
    expect((await run([...required, "--column-types", "types.json"])).err).to.equal(
      "--column-types needs --schema and --columns (it refines their check); see npm run redrive -- --help",
    );
    const schema = file("schema-for-types.json", JSON.stringify({ type: "object" }));
    const columns = file("columns-for-types.json", JSON.stringify(WEB_ANALYTICS_COLUMNS));
    const list = file("types-list.json", JSON.stringify(["INT"]));
    expect(await run([...required, "--schema", schema, "--columns", columns, "--column-types", list])).to.deep.include({
      code: 2,
      err: `--column-types ${list} must hold a JSON object of SQL types by column, as the archive's columnTypes; see npm run redrive -- --help`,
    });
  });

  it("names an unknown option", async () => {
    expect(await run([...required, "--delete"])).to.deep.include({
      code: 2,
      err: "unknown option --delete (did you mean --delete-sent?); see npm run redrive -- --help",
    });
  });

  it("names the file when a schema is not JSON, cannot be read, or is not a schema", async () => {
    const columns = file("columns.json", JSON.stringify(WEB_ANALYTICS_COLUMNS));
    const notJson = file("schema.yaml", "type: object\n");
    expect((await run([...required, "--schema", notJson, "--columns", columns])).err).to.match(
      new RegExp(`^--schema ${notJson} is not JSON: .*; see npm run redrive -- --help$`),
    );
    const missing = path.join(dir, "nowhere.json");
    expect((await run([...required, "--schema", missing, "--columns", columns])).err).to.match(new RegExp(`^--schema ${missing} cannot be read: ENOENT`));
    const notSchema = file("not-a-schema.json", JSON.stringify({ type: "no-such-type" }));
    expect((await run([...required, "--schema", notSchema, "--columns", columns])).err).to.match(
      new RegExp(`^--schema ${notSchema} and --columns ${columns} do not make a check: `),
    );
  });

  it("gives --region and --profile to the clients, once the profile is found in the config file", async () => {
    const s3 = mockClient(S3Client);
    const saved = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = file("config", "[profile analytics]\nregion = eu-central-1\n");
    try {
      s3.on(ListObjectsV2Command).resolves({ Contents: [] });
      let given: unknown;
      const result = await run(
        [
          ...required,
          "--region",
          "eu-central-1",
          "--profile",
          "analytics",
          "--schema",
          file("s.json", JSON.stringify(WEB_ANALYTICS_SCHEMA)),
          "--columns",
          file("c.json", JSON.stringify(WEB_ANALYTICS_COLUMNS)),
        ],
        (config) => {
          given = config;
          return {
            s3: new S3Client({ region: config.region, credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
            firehose: new FirehoseClient({ region: config.region }),
          };
        },
      );
      expect(given).to.deep.equal({ region: "eu-central-1", profile: "analytics" });
      expect(result).to.deep.include({ code: 0 });
      expect(result.out).to.include("re-drove 0 of 0 records from 0 objects under s3://clicks-archive/failed/processing-failed/; 0 still fail");
    } finally {
      s3.restore();
      if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = saved;
    }
  });

  it("turns the SDK's retries off for Firehose, which sendToFirehose retries itself, and leaves them on for S3", async () => {
    const { s3, firehose } = sdkClients({ region: "eu-west-1" });
    expect(await firehose.config.maxAttempts()).to.equal(1);
    expect(await s3.config.maxAttempts()).to.equal(3);
  });

  it("answers --help at once: no AWS call, no child process, exit 0", () => {
    const result = runEntry("tools/redrive-cli.ts", ["--help"], { forbidSideEffects: true });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run redrive -- --bucket <name> --delivery-stream <name> \[options\]\n/);
  });
});
