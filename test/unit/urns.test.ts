import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SCORES_BY_USER, SHARED_TABLE, stackConfig, up } from "../support/stacks";

/**
 * The URNs both stacks register, recorded from main before the restructuring issues (15, 16).
 * A URN that changes makes `pulumi up` replace the resource (and, for data-bearing ones, lose the
 * data), so a refactor must keep every URN here or alias the old one. Regenerate the record only for
 * a change that means to replace resources: `UPDATE_URNS=1 npx mocha test/unit/urns.test.ts`.
 */
const RECORD = join(__dirname, "..", "fixtures", "urns", "stacks.json");

async function scenarios(): Promise<Record<string, string[]>> {
  const urns = (run: Awaited<ReturnType<typeof up>>) => run.cloud.resources.map((r) => r.urn).sort();
  const pullPoc1 = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, {});
  const pullProd = await up("source", { ...stackConfig("prod"), ...SHARED_TABLE, fanOutConsumerName: "poc-ingest" }, pullPoc1.outputs);
  const pullPoc2 = await up("consumer", { ...stackConfig("poc"), ...SCORES_BY_USER }, pullProd.outputs);
  const push = { accessMode: "push" };
  const pushProd1 = await up("source", { ...stackConfig("prod"), ...push }, {});
  const pushPoc = await up("consumer", { ...stackConfig("poc"), ...push, writerExternalId: "poc-writer-7f3a" }, pushProd1.outputs);
  const pushProd2 = await up("source", { ...stackConfig("prod"), ...push }, pushPoc.outputs);
  return {
    "pull prod": urns(pullProd),
    "pull poc": urns(pullPoc2),
    "push prod": urns(pushProd2),
    "push poc": urns(pushPoc),
  };
}

describe("resource identity (URNs) of both stacks", function () {
  this.timeout(120_000);
  let now: Record<string, string[]>;

  before(async () => {
    now = await scenarios();
    if (process.env.UPDATE_URNS === "1") writeFileSync(RECORD, `${JSON.stringify(now, null, 2)}\n`);
  });

  for (const scenario of ["pull prod", "pull poc", "push prod", "push poc"]) {
    it(`${scenario}: registers exactly the recorded URNs, so an update replaces nothing`, () => {
      const recorded = (JSON.parse(readFileSync(RECORD, "utf8")) as Record<string, string[]>)[scenario];
      const missing = recorded.filter((urn) => !now[scenario].includes(urn));
      const added = now[scenario].filter((urn) => !recorded.includes(urn));
      expect({ missing, added }, `URNs changed in ${scenario}`).to.deep.equal({ missing: [], added: [] });
    });
  }
});
