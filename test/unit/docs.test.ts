import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { anchors, headings, links, PAGES, ROOT } from "../support/markdown";

/** Pages a tool writes (`npm run docs:scaling`); their own test checks them. */
const GENERATED = ["docs/scaling.md"];

describe("README and docs/", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

  it("keeps the README to a few screens: what it is, the commands, the data path, one snippet per component, links", () => {
    expect(readme.split("\n").length).to.be.below(200);
    for (const component of ["CrossAccountStreamSource", "DedupTable", "PushIngest", "FirehoseArchive", "StreamProjection", "AuroraLoader"]) {
      expect(readme, component).to.match(new RegExp("```ts\\n[^`]*new " + component + "\\("));
    }
    for (const command of ["npm start", "npm test"]) expect(readme).to.include(command);
  });

  for (const page of PAGES.filter((p) => p !== "README.md" && !GENERATED.includes(p))) {
    it(`${page} opens with a table of contents listing every section`, () => {
      const text = readFileSync(path.join(ROOT, page), "utf8");
      const contents = /## Contents\n\n((?:\s*- \[.*\]\(#.*\)\n)+)/.exec(text);
      expect(contents, "a `## Contents` list").to.not.equal(null);
      const listed = [...contents![1].matchAll(/\[(.*)\]\(#(.*)\)/g)].map((m) => ({ text: m[1], anchor: m[2] }));
      const sections = headings(page).filter((h) => h.depth >= 2 && h.depth <= 4 && h.text !== "Contents");
      expect(listed).to.deep.equal(sections.map(({ text, anchor }) => ({ text, anchor })));
    });
  }

  for (const page of PAGES) {
    it(`${page}: every link into the repository resolves, anchors included (GitHub's heading anchors), and names no source design by number`, () => {
      const broken: string[] = [];
      for (const link of links(page)) {
        if (/^[a-z]+:/.test(link)) continue;
        const [target, anchor] = link.split("#") as [string, string | undefined];
        const file = target ? path.join(path.dirname(page), decodeURIComponent(target)) : page;
        if (!existsSync(path.join(ROOT, file))) broken.push(`${link}: no file ${file}`);
        else if (anchor !== undefined && !(file.endsWith(".md") && statSync(path.join(ROOT, file)).isFile() && anchors(file).has(anchor)))
          broken.push(`${link}: no heading #${anchor} in ${file}`);
      }
      expect(broken, page).to.deep.equal([]);
      expect(readFileSync(path.join(ROOT, page), "utf8")).to.not.match(/\bseeds?\s+00\d/i);
    });
  }

  it("names only npm scripts package.json has, wherever a page or a command's help says `npm run`", () => {
    const scripts = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);
    const sources = [
      ...PAGES,
      ...readdirSync(path.join(ROOT, "tools")).map((f) => `tools/${f}`),
      ...readdirSync(path.join(ROOT, "local"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `local/${f}`),
    ];
    for (const source of sources) {
      for (const [, script] of readFileSync(path.join(ROOT, source), "utf8").matchAll(/npm run ([\w:-]+)/g)) {
        expect(scripts, `${source} says \`npm run ${script}\``).to.include(script);
      }
    }
  });

  it("names only files the repository has, wherever a comment, a page or a config names one by its path", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => f && !/^(docs\/api|test\/fixtures)\/|lock\.json$|^schema\.json$/.test(f));
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
