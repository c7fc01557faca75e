import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

/** The README and every page of docs/ (not the generated API reference), as paths from the repository's root. */
export const PAGES = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/** One fenced code block: its language (the info string's first word), its text and the line it starts on (1-based). */
export interface CodeBlock {
  page: string;
  lang: string;
  text: string;
  line: number;
}

type Token = MarkdownIt.Token;

const markdown = new MarkdownIt({ html: true });
const parsed = new Map<string, Token[]>();

function tokens(page: string): Token[] {
  if (!parsed.has(page)) parsed.set(page, markdown.parse(readFileSync(path.join(ROOT, page), "utf8"), {}));
  return parsed.get(page)!;
}

export function codeBlocks(page: string): CodeBlock[] {
  return tokens(page)
    .filter((t) => t.type === "fence")
    .map((t) => ({ page, lang: t.info.trim().split(/\s+/)[0] ?? "", text: t.content, line: t.map![0] + 1 }));
}

/** Every link target of a page, as written (`other.md#anchor`, `#anchor`, `https://…`). */
export function links(page: string): string[] {
  const found: string[] = [];
  const walk = (list: Token[]) => {
    for (const token of list) {
      const href = token.type === "link_open" ? token.attrGet("href") : undefined;
      if (href) found.push(href);
      if (token.children) walk(token.children);
    }
  };
  walk(tokens(page));
  return found;
}

/** A heading's text as GitHub renders it (inline code and link text kept, markup dropped). */
const headingText = (inline: Token): string =>
  inline
    .children!.filter((c) => c.type === "text" || c.type === "code_inline")
    .map((c) => (c.type === "code_inline" ? c.markup + c.content + c.markup : c.content))
    .join("");

/**
 * A page's headings with the anchors GitHub gives them, by its own slug rules (github-slugger: lower
 * case, punctuation dropped, spaces as hyphens, `-1`, `-2` on repeats).
 */
export function headings(page: string): { depth: number; text: string; anchor: string }[] {
  const slugger = new GithubSlugger();
  const list = tokens(page);
  return list.flatMap((token, i) => {
    if (token.type !== "heading_open") return [];
    const text = headingText(list[i + 1]);
    return [{ depth: Number(token.tag.slice(1)), text, anchor: slugger.slug(text) }];
  });
}

/** The anchors a link into the page may name: its headings'. */
export const anchors = (page: string): Set<string> => new Set(headings(page).map((h) => h.anchor));
