import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { expect } from "chai";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import { keepCommands, keptTools, type KeptTool } from "../../local/keep";
import { runClickstream } from "../../local/run";
import { startLocalPipeline, type LocalPipeline } from "../../local/runtime/pipeline";
import { backfillCommand } from "../../tools/backfill-command";
import { rebuildCommand } from "../../tools/rebuild-command";

/** Runs one of the commands `npm start -- --keep` prints, in this process, with its environment. */
async function runKept(command: typeof rebuildCommand, tool: KeptTool) {
  const saved = Object.fromEntries(Object.keys(tool.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, tool.env);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await command(tool.args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("npm start -- --keep: rebuild and backfill on the running pipeline", function () {
  this.timeout(300_000);
  let pipeline: LocalPipeline;

  before(async () => {
    pipeline = await startLocalPipeline({ accessMode: "pull" });
    await runClickstream(pipeline, { events: 1_000, rate: 4_000, malformedShare: 0, duplicateShare: 0.1, seed: 7 });
  });
  after(async () => pipeline?.stop());

  it("prints the rebuild and backfill commands with the pipeline's own names and endpoints", () => {
    const lines = keepCommands(pipeline);
    expect(lines.find((l) => l.includes("npm run rebuild --")))
      .to.include(`--bucket ${pipeline.outputs.poc.archiveBucketName} `)
      .and.include("--load-mode streamed");
    expect(lines.find((l) => l.includes("npm run backfill --"))).to.include(`--table ${pipeline.outputs.poc.tableName} `);
  });

  it("rebuilds the MySQL table the run filled, after it is dropped, to exactly its rows", async () => {
    const db = pipeline.database;
    const admin = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.name });
    try {
      const rows = async () => (await admin.query<RowDataPacket[]>(`SELECT * FROM ?? ORDER BY dedup_key`, [db.table]))[0];
      const before = await rows();
      expect(before.length).to.be.greaterThan(500);
      await admin.query("DROP TABLE ??", [db.table]);
      const { code, out, err } = await runKept(rebuildCommand, keptTools(pipeline).rebuild);
      expect(err, err.join("\n")).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(out.at(-1)).to.match(/; done$/);
      expect(await rows()).to.deep.equal(before);
    } finally {
      await admin.end();
    }
  });

  it("backfills the hits-per-page projection, which saw the whole stream live, without counting anything twice", async () => {
    const { table } = pipeline.stages.projections["hits-per-page"];
    const aggregate = async () =>
      (await pipeline.clients.dynamodb.send(new ScanCommand({ TableName: table })))
        .Items!.map((i) => unmarshall(i))
        .sort((a, b) => String(a.group).localeCompare(String(b.group)));
    const before = await aggregate();
    const { code, out, err } = await runKept(backfillCommand, keptTools(pipeline).backfill);
    expect(err, err.join("\n")).to.deep.equal([]);
    expect(code).to.equal(0);
    expect(out.at(-1)).to.match(/^backfill: [\d,]+ items read, 0 projected, [\d,]+ already counted, 0 skipped, 0 parked; done$/);
    expect(await aggregate()).to.deep.equal(before);
  });
});
