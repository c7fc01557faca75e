import { expect } from "chai";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { PLANTED_CHANGES_VARIABLE, type PlantedChange } from "../../local/runtime/planted-changes";

const ROOT = path.join(__dirname, "..", "..");

/** `npm start -- --chaos …` as a user runs it, with bugs planted into the functions' bundles as the local runtime loads them. */
function chaosRun(args: string[], planted: PlantedChange[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(planted.length > 0 && { [PLANTED_CHANGES_VARIABLE]: JSON.stringify(planted) }) };
    const child = spawn(process.execPath, ["--require", "tsx/cjs", "local/start.ts", "--chaos", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Bugs the verdict must notice, each planted into the minified bundle of one function (the text
 * must occur there exactly once, or the run refuses to start).
 */
const PLANTED: Record<string, { changes: PlantedChange[]; noticed: string; args?: string[] }> = {
  // The ingest write has no condition to remove (BatchWriteItem takes none): dedup is the item's
  // key, derived from the record alone. Planted: a record a function instance writes again (a
  // redelivered batch) no longer lands on its first write's item.
  "the dedup write no longer deduplicates a redelivered record": {
    changes: [
      {
        find: "return`${t.slice(-3,-1)}_${e}`",
        replace: 'return`${t.slice(-3,-1)}_${e}${(globalThis.seen??=new Set()).has(t)?"-again":(globalThis.seen.add(t),"")}`',
      },
    ],
    noticed: "rows in MySQL match no valid event",
  },
  // The ledger's check that its entry is older than the batch's changes, in both guesses the aggregate's write makes.
  "the projection ledger's check skipped": {
    changes: [
      {
        find: 'ConditionExpression:"#seq < :first AND #counted = :counted"',
        replace: 'ConditionExpression:"attribute_exists(#seq) OR (#seq < :first AND #counted = :counted)"',
      },
      {
        find: '"attribute_not_exists(#id) OR (#seq < :first AND #counted = :counted)"',
        replace: '"attribute_not_exists(#id) OR attribute_exists(#id) OR (#seq < :first AND #counted = :counted)"',
      },
    ],
    noticed: "projection hits-per-page: ",
  },
  // A repairing rebuild (unplanted: it runs in the chaos process) would put the stale rows right before the verdict: none here.
  "the loader's newest-wins comparison reversed": {
    changes: [{ find: "LPAD(s.stream_sequence, 40, '0') > COALESCE", replace: "LPAD(s.stream_sequence, 40, '0') < COALESCE" }],
    args: ["--no-rebuild"],
    noticed: "rows in MySQL do not hold their item's newest values",
  },
};

// Each run starts the engines and realizes both stacks: minutes on a shared machine.
describe("npm start -- --chaos (e2e: the local engines, faults injected by the local runtime)", function () {
  this.timeout(900_000);
  const events = ["--events", "1500", "--duplicate-share", "0.3"];

  it("ends exact under every kind of fault, and says which faults it injected", async () => {
    const { status, stdout, stderr } = await chaosRun(["--seed", "11", ...events]);
    expect(status, `${stdout}\n${stderr}`).to.equal(0);
    expect(stdout).to.include("Chaos run, seed 11: faults injected, by kind").and.include("Verdict: exact.");
    for (const kind of [
      "ingest killed",
      "forward killed",
      "transform killed",
      "load killed",
      "projection hits-per-page killed",
      "DynamoDB Local paused",
      "kinesalite paused",
      "the S3 engine paused",
      "MariaDB restarted",
      "BatchWriteItem throttled",
      "TransactWriteItems throttled",
      "item changed in place",
      "rebuild started mid-run \\(repairing MySQL from the archive\\)",
      "backfill started mid-run \\(projection hits-per-page, from the dedup table\\)",
      "backfill started mid-run \\(projection hits-per-page, from the dedup table and the archive\\)",
    ]) {
      expect(stdout, kind).to.match(new RegExp(`\\n  ${kind}.* (\\d+)\\n`));
    }
  });

  for (const [bug, { changes, noticed, args = [] }] of Object.entries(PLANTED)) {
    it(`fails with the seed that replays the run when ${bug}`, async () => {
      const { status, stdout, stderr } = await chaosRun(["--seed", "12", ...events, ...args], changes);
      expect(status, `${stdout}\n${stderr}`).to.equal(1);
      expect(stderr).to.include("Verdict: FAILED, seed 12").and.include("Replay it: npm start -- --chaos --seed 12 --events 1500").and.include(noticed);
    });
  }
});
