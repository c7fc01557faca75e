import { load } from "js-yaml";
import * as path from "node:path";
import { ROOT, type CodeBlock } from "./markdown";

/** The languages a page's code blocks may say; `text` is output or a picture, which nothing runs. */
export const LANGUAGES = ["ts", "yaml", "sh", "json", "text"] as const;

/**
 * A page's TypeScript blocks as the programs a reader would write: a block with imports of its own
 * starts a program, a block without continues the one above it (it uses the names declared there).
 */
export interface SnippetProgram {
  page: string;
  /** The blocks, in page order. */
  blocks: CodeBlock[];
}

const IMPORTS = /^import\s/m;

export function tsPrograms(blocks: CodeBlock[]): SnippetProgram[] {
  const programs: SnippetProgram[] = [];
  for (const block of blocks.filter((b) => b.lang === "ts")) {
    const current = programs.at(-1);
    if (IMPORTS.test(block.text) || !current || current.page !== block.page) programs.push({ page: block.page, blocks: [block] });
    else current.blocks.push(block);
  }
  return programs;
}

/**
 * A program that opens with `// <folder>/<file>.ts` is a file of this repository (code a contributor
 * writes, on docs/development.md): its relative imports resolve from that folder.
 */
const REPOSITORY_FILE = /^\/\/ ([\w-]+)\/\S+\.ts$/;

/** A program's source, and where each of its lines comes from (`page:line`). */
export function programSource(program: SnippetProgram): { text: string; origin: (line: number) => string } {
  const folder = REPOSITORY_FILE.exec(program.blocks[0].text.split("\n")[0])?.[1];
  const origins: string[] = [];
  const lines: string[] = [];
  for (const block of program.blocks) {
    block.text
      .replace(/\n$/, "")
      .split("\n")
      .forEach((line, i) => {
        lines.push(
          folder ? line.replace(/(from ")(\.\.?\/[^"]+)"/, (_, from: string, relative: string) => `${from}${path.join(ROOT, folder, relative)}"`) : line,
        );
        // The block's first line of code is the line after its opening fence.
        origins.push(`${block.page}:${block.line + 1 + i}`);
      });
  }
  return { text: lines.join("\n") + "\n", origin: (line) => origins[line] ?? `${program.page} (after its last block)` };
}

/** A YAML block that is stack config names its stack file on its first line: `# Pulumi.<stack>.yaml`. */
export interface StackConfigBlock {
  block: CodeBlock;
  stack: string;
  /** A whole stack file (`config:` at the top), or keys to add to the committed `Pulumi.<stack>.yaml`. */
  whole: boolean;
  /** Its keys without the project's namespace, values as `pulumi config` hands them to the program (objects as JSON). */
  config: Record<string, string>;
}

export function stackConfigBlock(block: CodeBlock): StackConfigBlock | undefined {
  const named = /^#\s*Pulumi\.([\w-]+)\.yaml\b/.exec(block.text);
  if (!named) return undefined;
  const parsed = load(block.text) as Record<string, unknown>;
  const whole = "config" in parsed;
  const entries = Object.entries((whole ? parsed.config : parsed) as Record<string, unknown>);
  return {
    block,
    stack: named[1],
    whole,
    config: Object.fromEntries(
      entries.map(([key, value]) => [key.replace(/^stream-replication:/, ""), typeof value === "object" ? JSON.stringify(value) : String(value)]),
    ),
  };
}

const VALUE_FLAGS = new Set(["-s", "--stack", "--config-file", "--type", "-C", "--cwd"]);

/** The keys a shell block gives `pulumi config set` (the part before a `--path`'s first dot, without the project's namespace). */
export function configSetKeys(script: string): string[] {
  return [...script.matchAll(/pulumi config set ([^\n]*)/g)].map(([, rest]) => {
    const words = rest.split(/\s+/);
    let i = 0;
    while (words[i]?.startsWith("-")) i += VALUE_FLAGS.has(words[i]) ? 2 : 1;
    return (words[i] ?? "")
      .replace(/^'|'$/g, "")
      .replace(/^stream-replication:/, "")
      .split(".")[0];
  });
}
