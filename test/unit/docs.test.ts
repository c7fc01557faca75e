import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const DOCS = path.join(ROOT, "docs");
/** Pages a tool writes (`npm run docs:scaling`); their own test checks them. */
const GENERATED = ["scaling.md"];
const pages = readdirSync(DOCS).filter((f) => f.endsWith(".md"));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");

function headings(markdown: string): { depth: number; text: string }[] {
  let fenced = false;
  const found: { depth: number; text: string }[] = [];
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const match = !fenced && /^(#{2,4}) (.+)$/.exec(line);
    if (match && match[2] !== "Contents") found.push({ depth: match[1].length, text: match[2] });
  }
  return found;
}

describe("README and docs/", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

  it("keeps the README to a few screens: what it is, the commands, the data path, one snippet per component, links", () => {
    expect(readme.split("\n").length).to.be.below(200);
    for (const component of ["CrossAccountStreamSource", "DedupTable", "PushIngest", "FirehoseArchive", "StreamProjection", "AuroraLoader"]) {
      expect(readme, component).to.match(new RegExp("```ts\\n[^`]*new " + component + "\\("));
    }
    for (const command of ["npm start", "npm test"]) expect(readme).to.include(command);
  });

  for (const page of pages.filter((p) => !GENERATED.includes(p))) {
    it(`docs/${page} opens with a table of contents listing every section`, () => {
      const text = readFileSync(path.join(DOCS, page), "utf8");
      const contents = /## Contents\n\n((?:\s*- \[.*\]\(#.*\)\n)+)/.exec(text);
      expect(contents, "a `## Contents` list").to.not.equal(null);
      const listed = [...contents![1].matchAll(/\[(.*)\]\(#(.*)\)/g)].map((m) => ({ text: m[1], anchor: m[2] }));
      expect(listed).to.deep.equal(headings(text).map((h) => ({ text: h.text, anchor: anchor(h.text) })));
    });
  }

  for (const page of ["README.md", ...pages.map((p) => `docs/${p}`)]) {
    it(`${page}: every link into the repository resolves, and names no source design by number`, () => {
      const text = readFileSync(path.join(ROOT, page), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(path.join(ROOT, path.dirname(page), target)), `${page} links to ${target}`).to.equal(true);
      }
      expect(text).to.not.match(/\bseeds?\s+00\d/i);
    });
  }

  it("names only npm scripts package.json has, wherever a page or a command's help says `npm run`", () => {
    const scripts = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);
    const sources = ["README.md", ...pages.map((p) => `docs/${p}`), ...readdirSync(path.join(ROOT, "tools")).map((f) => `tools/${f}`), ...readdirSync(path.join(ROOT, "local")).filter((f) => f.endsWith(".ts")).map((f) => `local/${f}`)];
    for (const source of sources) {
      for (const [, script] of readFileSync(path.join(ROOT, source), "utf8").matchAll(/npm run ([\w:-]+)/g)) {
        expect(scripts, `${source} says \`npm run ${script}\``).to.include(script);
      }
    }
  });

  it("names only files the repository has, wherever a comment, a page or a config names one by its path", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter((f) => f && !/^(docs\/api|test\/fixtures)\/|lock\.json$|^schema\.json$/.test(f));
    const folders = "components|functions|stacks|local|tools|capacity|bench|test|engines|mocks|policy|docs|mutation|examples";
    const missing: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const [named] of text.matchAll(new RegExp(`\\b(?:${folders})/[\\w./-]+\\.(?:ts|md|json|ya?ml|mjs|cjs|sh)\\b`, "g"))) {
        // Written by builds and tools, not kept in the repository.
        if (/^(dist|reports)\/|\.d\.ts$|\/package\.json$|mutation\.json$/.test(named)) continue;
        if (!existsSync(path.join(ROOT, named))) missing.push(`${file} names ${named}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
