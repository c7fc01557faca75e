import { expect } from "chai";
import { load } from "js-yaml";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "../support/markdown";
import { lintWorkflow } from "../support/workflow-lint";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const readLocal = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const CHECKOUT = "actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0";

/** A small workflow with one job, for the checks' own tests. */
const workflow = (job: string, permissions = "permissions: {}") =>
  `name: sample\non: push\n${permissions}\njobs:\n  build:\n    runs-on: ubuntu-latest\n${job}`;

describe("the workflow files (.github/workflows/)", function () {
  this.timeout(120_000);

  for (const file of files) {
    it(`${file}: actionlint finds nothing; actions pinned to commits; least permissions per job; no secret printed`, async () => {
      const problems = await lintWorkflow({ path: `.github/workflows/${file}`, text: readLocal(`.github/workflows/${file}`) }, readLocal);
      expect(problems).to.deep.equal([]);
    });
  }

  it("deploy.yml runs pulumi up on each stack in the documented order, each in its stack's GitHub environment", () => {
    const deploy = load(readLocal(".github/workflows/deploy.yml")) as { jobs: Record<string, { needs?: string; uses?: string; with?: { stack: string } }> };
    const called = load(readLocal(".github/workflows/deploy-stack.yml")) as {
      jobs: Record<string, { environment?: string; steps: { uses?: string; with?: Record<string, string> }[] }>;
    };
    // Follow the `needs` chain from the tests to the last run, and read each run's stack for both modes.
    const chain: string[] = [];
    for (let previous = "test"; ;) {
      const next = Object.entries(deploy.jobs).find(([, job]) => job.needs === previous);
      if (!next) break;
      chain.push(next[0]);
      previous = next[0];
    }
    const stackFor = (expression: string, mode: "pull" | "push") => /'(\w+)' \|\| '(\w+)'/.exec(expression)!.slice(1)[mode === "push" ? 0 : 1];
    expect(chain.map((job) => stackFor(deploy.jobs[job].with!.stack, "pull"))).to.deep.equal(["poc", "prod", "poc"]);
    expect(chain.map((job) => stackFor(deploy.jobs[job].with!.stack, "push"))).to.deep.equal(["prod", "poc", "prod"]);
    for (const job of chain) expect(deploy.jobs[job].uses).to.equal("./.github/workflows/deploy-stack.yml");
    const up = Object.values(called.jobs)[0];
    expect(up.environment).to.equal("${{ inputs.stack }}");
    expect(up.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))?.with?.command).to.equal("up");
    expect(up.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]).to.equal(
      "${{ secrets.AWS_ROLE_ARN }}",
    );
  });

  describe("the checks themselves", () => {
    const lint = (text: string) => lintWorkflow({ path: "sample.yml", text }, readLocal);

    it("pass a pinned, least-privilege workflow", async () => {
      expect(await lint(workflow(`    permissions:\n      contents: read\n    steps:\n      - uses: ${CHECKOUT}\n`))).to.deep.equal([]);
    });

    it("report what actionlint finds, such as an input the action does not have", async () => {
      const problems = await lint(
        workflow(`    permissions:\n      contents: read\n    steps:\n      - uses: ${CHECKOUT}\n        with:\n          fetch-deph: 1\n`),
      );
      expect(problems.join("\n")).to.match(/input "fetch-deph" is not defined in action "actions\/checkout@v4"/);
    });

    it("report an action pinned to a tag, or to a commit without its release", async () => {
      const tag = await lint(workflow(`    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@v4\n`));
      expect(tag.join("\n")).to.match(/"actions\/checkout@v4" is not pinned/);
      const bare = await lint(
        workflow(`    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262\n`),
      );
      expect(bare.join("\n")).to.match(/is not pinned to a full commit SHA with its release/);
    });

    it("report default permissions, a job without its own, and a job that asks for more than it uses", async () => {
      const defaults = await lint(
        workflow(`    permissions:\n      contents: read\n    steps:\n      - uses: ${CHECKOUT}\n`, "permissions:\n  contents: read"),
      );
      expect(defaults.join("\n")).to.match(/default permissions must be \{\}/);
      const none = await lint(workflow(`    steps:\n      - uses: ${CHECKOUT}\n`));
      expect(none.join("\n")).to.match(/job build does not say its permissions; it needs \{"contents":"read"\}/);
      const more = await lint(workflow(`    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: ${CHECKOUT}\n`));
      expect(more.join("\n")).to.match(/job build asks for .*id-token.*, but its steps need \[\["contents","read"\]\]/);
    });

    it("report a secret in a script's text, and a script that prints one", async () => {
      const inline = await lint(workflow(`    permissions: {}\n    steps:\n      - run: ./deploy --token "\${{ secrets.TOKEN }}"\n`));
      expect(inline.join("\n")).to.match(/a run script holds a secret in its text/);
      const printed = await lint(
        workflow(`    permissions: {}\n    steps:\n      - run: echo "token is $TOKEN"\n        env:\n          TOKEN: \${{ secrets.TOKEN }}\n`),
      );
      expect(printed.join("\n")).to.match(/a run script prints TOKEN, which holds a secret/);
    });
  });
});
