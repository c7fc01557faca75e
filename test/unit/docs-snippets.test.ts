import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { load } from "js-yaml";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { WEB_ANALYTICS_COLUMNS, WEB_ANALYTICS_SCHEMA } from "../../components";
import { declaredConfig } from "../../stacks/config";
import { COMPOSITIONS } from "../../stacks/select";
import { MockCloud, resolve } from "../harness/mock-cloud";
import { codeBlocks, PAGES, ROOT } from "../support/markdown";
import { configSetKeys, LANGUAGES, programSource, stackConfigBlock, tsPrograms, type StackConfigBlock } from "../support/snippets";
import { CLI_DEFAULTS, stackConfig, type Outputs } from "../support/stacks";

const blocks = PAGES.flatMap(codeBlocks);
const where = (b: { page: string; line: number }) => `${b.page}:${b.line}`;

/**
 * The compiler options of `pulumi new typescript`'s tsconfig.json, the program a user pastes a
 * snippet into (module resolution "node": a subpath such as `stream-replication/testing` must
 * resolve without the exports map).
 */
const USER_PROGRAM: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  forceConsistentCasingInFileNames: true,
  skipLibCheck: true,
  types: ["node"],
};

describe("the code blocks of the README and docs/ are true", function () {
  this.timeout(600_000);

  it("say their language, one of ts, yaml, sh, json or text", () => {
    const unknown = blocks.filter((b) => !(LANGUAGES as readonly string[]).includes(b.lang)).map((b) => `${where(b)}: "${b.lang}"`);
    expect(unknown).to.deep.equal([]);
  });

  describe("TypeScript: compiled as a user's program that installed the packed package, and realized under Pulumi's documented mocks", () => {
    const programs = tsPrograms(blocks);
    let dir: string;
    const files: string[] = [];

    before(() => {
      if (!existsSync(path.join(ROOT, "dist", "components", "index.d.ts")))
        throw new Error("the package is not built: run `npm run build` (npm test builds it first)");
      dir = mkdtempSync(path.join(tmpdir(), "docs-snippets-"));
      // The user's node_modules: this package as npm installs it (the tarball `npm pack` makes, so
      // only what package.json's "files" ships), and its dependencies beside it.
      const installed = path.join(dir, "node_modules", "stream-replication");
      mkdirSync(installed, { recursive: true });
      const [{ filename }] = JSON.parse(
        execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }),
      );
      execFileSync("tar", ["-xzf", path.join(dir, filename), "-C", installed, "--strip-components=1"]);
      for (const entry of readdirSync(path.join(ROOT, "node_modules")).filter((e) => !e.startsWith(".")))
        symlinkSync(path.join(ROOT, "node_modules", entry), path.join(dir, "node_modules", entry));
      programs.forEach((program, i) => {
        const file = path.join(dir, `program-${i}.ts`);
        writeFileSync(file, programSource(program).text);
        files.push(file);
      });
    });

    after(() => rmSync(dir, { recursive: true, force: true }));

    it("every page's TypeScript starts a program with its imports", () => {
      expect(programs.length).to.be.greaterThan(0);
      for (const program of programs) expect(program.blocks[0].text, `${where(program.blocks[0])} continues nothing`).to.match(/^import\s/m);
    });

    it("project only attributes the clickstream's items have (the archive's default columns' fields)", () => {
      const fields = new Set([...WEB_ANALYTICS_COLUMNS.map((c) => c.path.split(".")[0]), ...Object.keys(WEB_ANALYTICS_SCHEMA.properties)]);
      for (const program of programs) {
        for (const [, attribute] of programSource(program).text.matchAll(/attribute:\s*"([^"]+)"/g))
          expect(fields, `${where(program.blocks[0])}: ${attribute}`).to.include(attribute);
      }
    });

    it("compile with no error against the built package's declarations", () => {
      const compiled = ts.createProgram(files, USER_PROGRAM);
      const errors = ts.getPreEmitDiagnostics(compiled).map((d) => {
        const index = d.file ? files.indexOf(d.file.fileName) : -1;
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        const origin = index >= 0 ? programSource(programs[index]).origin(line) : (d.file?.fileName ?? "");
        return `${origin}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
      expect(errors).to.deep.equal([]);
    });

    programs.forEach((program, i) => {
      it(`${where(program.blocks[0])}: realizes under the documented mocks with no error and no promise left active`, () => {
        const js = ts.transpileModule(programSource(program).text, { compilerOptions: USER_PROGRAM }).outputText;
        const file = path.join(dir, `program-${i}.cjs`);
        writeFileSync(file, js);
        const runner = path.join(ROOT, "test", "support", "snippet-program.ts");
        const run = spawnSync(process.execPath, ["-r", require.resolve("tsx/cjs"), runner, file], { cwd: dir, encoding: "utf8" });
        const report = run.stdout.split("\n").find((line) => line.startsWith("{"));
        expect(report, `the program ended without a report: ${run.stderr}`).to.be.a("string");
        const result = JSON.parse(report!) as { leaks: number; failures: string[] };
        expect(result.failures.join("\n\n"), "errors the program reported").to.equal("");
        expect(result.leaks, "promises Pulumi counts as still active").to.equal(0);
      });
    });
  });

  describe("YAML: parsed; stack config checked by the stacks' own config reader, deployed under mocks", () => {
    const yamlBlocks = blocks.filter((b) => b.lang === "yaml");
    const declared = declaredConfig();

    it("parse", () => {
      for (const block of yamlBlocks) expect(() => load(block.text), where(block)).to.not.throw();
    });

    const stackBlocks = yamlBlocks.map(stackConfigBlock).filter((b): b is StackConfigBlock => b !== undefined);

    it("name only config keys Pulumi.yaml declares (or a provider's, such as aws:region)", () => {
      for (const { block, config } of stackBlocks) {
        for (const key of Object.keys(config)) if (!key.includes(":")) expect(declared, `${where(block)}: ${key}`).to.have.property(key);
      }
    });

    for (const fragment of stackBlocks.filter((b) => !b.whole)) {
      it(`${where(fragment.block)}: added to Pulumi.${fragment.stack}.yaml, the stack deploys`, async () => {
        const stack = fragment.stack as "prod" | "poc";
        const side = stack === "prod" ? "source" : "consumer";
        const config = { ...stackConfig(stack), ...fragment.config };
        const peer = stack === "prod" ? config.consumerStack : config.sourceStack;
        const accountId = side === "source" ? config.sourceAccountId : config.consumerAccountId;
        await deploy({ stack, side, config, accountId, stackOutputs: { [peer]: {} } });
      });
    }

    const pages = [...new Set(stackBlocks.filter((b) => b.whole).map((b) => b.block.page))];
    for (const page of pages) {
      it(`${page}: its stack files wire a running pipeline in the documented order`, async () => {
        const files = stackBlocks.filter((b) => b.whole && b.block.page === page);
        const source = files.find((f) => f.config.composition === "source");
        const consumer = files.find((f) => f.config.composition === "consumer");
        expect(source, "a stack file with composition: source").to.not.equal(undefined);
        expect(consumer, "a stack file with composition: consumer").to.not.equal(undefined);
        const sides = { source: source!, consumer: consumer! };
        const order: ("source" | "consumer")[] =
          sides.consumer.config.accessMode === "push" ? ["source", "consumer", "source"] : ["consumer", "source", "consumer"];
        const outputs: Record<string, Outputs> = {};
        for (const side of order) {
          const { config, stack } = sides[side];
          const other = side === "source" ? "consumer" : "source";
          const stackOutputs: Record<string, Outputs> = { [side === "source" ? config.consumerStack : config.sourceStack]: outputs[other] ?? {} };
          if (outputs[side]) stackOutputs[`organization/stream-replication/${stack}`] = outputs[side];
          outputs[side] = await deploy({ stack, side, config, accountId: side === "source" ? config.sourceAccountId : config.consumerAccountId, stackOutputs });
        }
        expect(outputs[order[2]].nextStep).to.match(/^Wired: /);
      });
    }
  });

  describe("shell", () => {
    const shellBlocks = blocks.filter((b) => b.lang === "sh");

    it("parse as bash scripts, with each <placeholder> as one word", () => {
      for (const block of shellBlocks) {
        const script = block.text.replace(/<[^<>\n]+>/g, "PLACEHOLDER");
        expect(() => execFileSync("bash", ["-n"], { input: script, stdio: ["pipe", "pipe", "pipe"] }), where(block)).to.not.throw();
      }
    });

    it("set only config keys Pulumi.yaml declares (or a provider's)", () => {
      const declared = declaredConfig();
      for (const block of shellBlocks) {
        for (const key of configSetKeys(block.text))
          if (!key.includes(":")) expect(declared, `${where(block)}: pulumi config set ${key}`).to.have.property(key);
      }
    });
  });

  describe("JSON", () => {
    it("parses", () => {
      for (const block of blocks.filter((b) => b.lang === "json")) expect(() => JSON.parse(block.text), where(block)).to.not.throw();
    });
  });
});

/** One `pulumi up` of a stack under mocks, with the config the CLI would hand it; answers its outputs, and fails on any error the program reports. */
async function deploy(run: {
  stack: string;
  side: "source" | "consumer";
  config: Record<string, string>;
  accountId: string;
  stackOutputs: Record<string, Outputs>;
}): Promise<Outputs> {
  const cloud = new MockCloud({ stack: run.stack, accountId: run.accountId, region: run.config["aws:region"], stackOutputs: run.stackOutputs });
  await cloud.install({ ...CLI_DEFAULTS, ...run.config });
  const exported = await COMPOSITIONS[run.side](new pulumi.Config());
  await cloud.settle();
  const outputs: Outputs = {};
  for (const [name, value] of Object.entries(exported)) outputs[name] = await resolve(pulumi.output(value));
  return outputs;
}
