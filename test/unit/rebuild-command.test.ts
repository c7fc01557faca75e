import { expect } from "chai";
import { createServer } from "node:net";
import { rebuildCommand } from "../../tools/rebuild-command";
import { runEntry } from "../support/command-line";

const HELP = "see npm run rebuild -- --help";
const REQUIRED = ["--bucket", "clicks-archive", "--database-url", "mysql://loader@127.0.0.1:3306/analytics"];

/** The command in this process: its exit status and what it printed. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await rebuildCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** A loopback port nothing listens on: one just given up by a server. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe("npm run rebuild's command line", function () {
  this.timeout(30_000);

  it("answers --help at once: no database, no AWS call, no child process, exit 0", () => {
    const result = runEntry("tools/rebuild-cli.ts", ["--help"], { forbidSideEffects: true });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^npm run rebuild -- --bucket <name> --database-url <url> \[options\]\n/);
    expect(result.stdout)
      .to.include("  --from <YYYY-MM-DDTHH>")
      .and.include("  --profile <name>")
      .and.match(/\nExit status: 0 when every object loaded; 1 /);
  });

  it("refuses an hour the calendar does not have, and a range that ends before it starts", async () => {
    expect(await run([...REQUIRED, "--from", "2024-13-01T00"])).to.deep.include({
      code: 2,
      err: [`--from takes an hour of the calendar as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "2024-13-01T00"; ${HELP}`],
    });
    expect((await run([...REQUIRED, "--from", "2026-11-26T10", "--to", "2026-11-26T09"])).err).to.deep.equal([
      `--from 2026-11-26T10 is after --to 2026-11-26T09; ${HELP}`,
    ]);
  });

  it("calls a negative batch out of range, and names every problem in one line", async () => {
    expect((await run([...REQUIRED, "--batch", "-3"])).err).to.deep.equal([`--batch takes a whole number from 1 to 1,000, got "-3"; ${HELP}`]);
    expect(await run(["--database-url", "postgres://x", "--load-mode", "fast", "--table", "web-analytics"])).to.deep.include({
      code: 2,
      err: [
        `--bucket is required; --database-url must be mysql://user[:password]@host[:port]/database, got "postgres://x"; --table takes 1 to 64 letters, digits or "_", got "web-analytics"; --load-mode takes s3 or streamed, got "fast"; ${HELP}`,
      ],
    });
  });

  it("does not offer to resume a run that never started: a database it cannot reach is told in one line, exit 1", async () => {
    const port = await closedPort();
    const result = runEntry(
      "tools/rebuild-cli.ts",
      ["--bucket", "clicks-archive", "--database-url", `mysql://loader@127.0.0.1:${port}/analytics`, "--run", "r1"],
      {
        env: { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" },
      },
    );
    expect(result.status, result.stderr).to.equal(1);
    expect(result.stderr).to.equal(`rebuild r1 could not start: connect ECONNREFUSED 127.0.0.1:${port}; nothing was loaded\n`);
  });
});
