import { closest, distance } from "fastest-levenshtein";
import { parseArgs } from "node:util";

/**
 * A command line the command cannot run with, or an environment it cannot run in (no AWS region,
 * say): nothing was done, exit status 2. The message names the flag; the runner adds where the help is.
 */
export class UsageError extends Error {}

type Given = string | boolean | string[] | undefined;

/** One option of a command: how it is written, what the help says of it, how its text becomes a value. */
export interface Option<T> {
  /** The value's placeholder in the help, as `n` in `--batch <n>`; none for a switch. */
  readonly placeholder?: string;
  readonly help: string;
  readonly required?: boolean;
  /** Repeatable: each occurrence adds a value. */
  readonly multiple?: boolean;
  /** The default as the help states it. */
  readonly shownDefault?: string;
  /** The value from what the command line gave (undefined when the flag is absent); a UsageError naming the flag when it is wrong. */
  read(given: Given, flag: string): T;
}

export type Options = Record<string, Option<unknown>>;
export type Values<O extends Options> = { -readonly [K in keyof O]: O[K] extends Option<infer T> ? T : never };
export type Parsed<O extends Options> = Values<O> & { operands: string[] };

/** A command: its name as run, what it does, its options, and what its exit statuses mean. */
export interface Command<O extends Options> {
  /** As run, such as `npm run rebuild`; its help is `<name> -- --help`. */
  readonly name: string;
  /** What follows `<name> --` in the help's first line; by default the required options, then `[options]`. */
  readonly synopsis?: string;
  /** What it does: paragraphs, wrapped to the help's width. */
  readonly about: string;
  readonly options: O;
  /** Words after the options, such as bench's sections; refused when absent. */
  readonly operands?: { placeholder: string; help: string; choices?: readonly string[] };
  /** Problems between options, such as a range's start after its end; each option read so far is given, one with a problem is undefined. */
  readonly check?: (values: Partial<Values<O>>) => string[];
  /** What exit status 0 and 1 mean for this command, as "when every object loaded". */
  readonly exit: { done: string; failed: string };
  /** It talks to AWS: its region, profile and credentials are checked before any work (tools/aws-access.ts). */
  readonly aws?: boolean;
  /** Whose options it hands on unread, such as "Stryker's": its help says so, and promises no exit status 2. */
  readonly passesOn?: string;
}

/** Help's width; the descriptions wrap within it. */
const WIDTH = 100;

export const helpPointer = (command: Pick<Command<Options>, "name">) => `${command.name} -- --help`;

const format = (value: unknown) => (typeof value === "number" ? value.toLocaleString("en") : String(value));

interface Valued<T> {
  help: string;
  /** The placeholder in the help (default: "value"). */
  value?: string;
  required?: boolean;
  default?: T;
  /** The default as the help states it, when it is not the literal default (a computed one). */
  shownDefault?: string;
}

/** The value's type: without undefined when the option is required or has a default. */
type Got<T, S> = S extends { required: true } ? T : S extends { default: T } ? T : T | undefined;

/** An option taking a value that `read` checks and converts (it throws a UsageError naming the flag). */
function valued<T>(spec: Valued<T>, read: (raw: string, flag: string) => T): Option<T | undefined> {
  return {
    placeholder: spec.value ?? "value",
    help: spec.help,
    required: spec.required,
    shownDefault: spec.shownDefault ?? (spec.default === undefined ? undefined : format(spec.default)),
    read: (given, flag) => {
      if (given === undefined) {
        if (spec.required) throw new UsageError(`${flag} is required`);
        return spec.default;
      }
      return read(given as string, flag);
    },
  };
}

/** Text, not blank; `pattern` and `says` (what it must be, in words) restrict it. */
export function text<const S extends Valued<string> & { pattern?: RegExp; says?: string }>(spec: S): Option<Got<string, S>> {
  return valued(spec, (raw, flag) => {
    if (raw.trim() === "") throw new UsageError(`${flag} needs a value`);
    if (spec.pattern && !spec.pattern.test(raw)) throw new UsageError(`${flag} takes ${spec.says ?? `text matching ${spec.pattern}`}, got "${raw}"`);
    return raw;
  }) as Option<Got<string, S>>;
}

/** Text converted by `convert`, which returns the value or the problem in words ("must be …"). */
export function converted<T, const S extends Valued<T>>(spec: S, convert: (raw: string) => T | { problem: string }): Option<Got<T, S>> {
  return valued(spec, (raw, flag) => {
    if (raw.trim() === "") throw new UsageError(`${flag} needs a value`);
    const value = convert(raw);
    if (value && typeof value === "object" && "problem" in value) throw new UsageError(`${flag} ${(value as { problem: string }).problem}`);
    return value as T;
  }) as Option<Got<T, S>>;
}

const range = (min: number, max: number | undefined) => (max === undefined ? `of at least ${format(min)}` : `from ${format(min)} to ${format(max)}`);

/** A whole number within bounds: digits only, so "1.5", "1e3", "0x10", "-3" and "" are refused. */
export function whole<const S extends Valued<number> & { min: number; max?: number }>(spec: S): Option<Got<number, S>> {
  return valued({ value: "n", ...spec }, (raw, flag) => {
    const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < spec.min || (spec.max !== undefined && value > spec.max)) {
      throw new UsageError(`${flag} takes a whole number ${range(spec.min, spec.max)}, got "${raw}"`);
    }
    return value;
  }) as Option<Got<number, S>>;
}

/** A decimal number: at least `min` (or above `above`) and at most `max`; `such` is an example the refusal gives. */
export function decimal<const S extends Valued<number> & { min?: number; above?: number; max?: number; such?: string }>(spec: S): Option<Got<number, S>> {
  const bounds = [
    spec.above !== undefined ? `above ${spec.above}` : spec.min !== undefined ? `from ${spec.min}` : "",
    spec.max !== undefined ? `${spec.above !== undefined ? "and at most" : "to"} ${spec.max}` : "",
  ];
  const wanted = `a number ${bounds.filter(Boolean).join(" ")}${spec.such ? `, such as ${spec.such}` : ""}`.trimEnd();
  return valued({ value: "x", ...spec }, (raw, flag) => {
    const value = /^-?(\d+(\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw) : NaN;
    const fits =
      Number.isFinite(value) &&
      (spec.min === undefined || value >= spec.min) &&
      (spec.above === undefined || value > spec.above) &&
      (spec.max === undefined || value <= spec.max);
    if (!fits) throw new UsageError(`${flag} takes ${wanted}, got "${raw}"`);
    return value;
  }) as Option<Got<number, S>>;
}

/** One of a few words. */
export function choice<const C extends string>(choices: readonly C[], spec: Valued<C> & { default: C }): Option<C>;
export function choice<const C extends string>(choices: readonly C[], spec: Valued<C>): Option<C | undefined>;
export function choice<const C extends string>(choices: readonly C[], spec: Valued<C>): Option<C | undefined> {
  return valued({ value: choices.join("|"), ...spec }, (raw, flag) => {
    if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${flag} takes ${choices.join(" or ")}, got "${raw}"`);
    return raw as C;
  });
}

const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;

/** An hour of the calendar, UTC, as YYYY-MM-DDTHH: "2024-13-01T00" and "2024-02-30T00" are refused. */
export function hour<const S extends Valued<string>>(spec: S): Option<Got<string, S>> {
  return valued({ value: "YYYY-MM-DDTHH", ...spec }, (raw, flag) => {
    const [, year, month, day, hours] = HOUR.exec(raw) ?? [];
    const date = year === undefined ? undefined : new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours)));
    // Date.UTC rolls a day or hour over into the next month or day: a real hour reads back the same.
    if (!date || date.toISOString().slice(0, 13) !== raw) {
      throw new UsageError(`${flag} takes an hour of the calendar as YYYY-MM-DDTHH (UTC), such as 2026-11-26T09, got "${raw}"`);
    }
    return raw;
  }) as Option<Got<string, S>>;
}

/** A switch: present or not. */
export function flag(spec: { help: string }): Option<boolean> {
  return { help: spec.help, read: (given) => given === true };
}

/** A repeatable option: every occurrence's value, each read by `read` (a UsageError naming the flag when one is wrong). */
export function list<T = string>(spec: { help: string; value?: string }, read: (raw: string, flag: string) => T = (raw) => raw as T): Option<T[]> {
  return {
    placeholder: spec.value ?? "value",
    help: spec.help,
    multiple: true,
    read: (given, flag) => ((given as string[] | undefined) ?? []).map((raw) => read(raw, flag)),
  };
}

/** `--n -3` would be, to parseArgs, a flag without its value followed by an unknown `-3`: joined as `--n=-3`, it is refused for its range. */
function joinNegativeNumbers(argv: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    if (name !== undefined && options[name]?.placeholder && /^-(\d|\.\d)/.test(argv[i + 1] ?? "")) joined.push(`${argv[i]}=${argv[++i]}`);
    else joined.push(argv[i]);
  }
  return joined;
}

/** parseArgs' error in the convention's words. */
function tokenProblem(error: unknown, options: Options): string {
  const { code, message } = error as { code?: string; message: string };
  const written = /'(-{1,2}[^' =]+)/.exec(message)?.[1] ?? "an option";
  const option = options[written.replace(/^-+/, "")];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const known = Object.keys(options).map((name) => `--${name}`);
      // An option it begins (--delete for --delete-sent), else the closest when it is close.
      const near = known.find((name) => name.startsWith(written)) ?? closest(written, known);
      const meant = near !== undefined && (near.startsWith(written) || distance(written, near) <= Math.max(2, Math.floor(near.length / 3)));
      const hint = meant ? ` (did you mean ${near}?)` : "";
      return `unknown option ${written}${hint}`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${/'([^']*)'/.exec(message)?.[1] ?? ""}": every value follows its flag, as in --name value`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return option && !option.placeholder ? `${written} is a switch and takes no value` : `${written} needs a value`;
    default:
      return message;
  }
}

/**
 * Reads a command line by the command's declaration: "help" when it asks for it (`--help` or `-h`
 * anywhere: nothing else is read), else every option's value. Every problem is named at once in
 * one UsageError: unknown flags, missing or malformed values, a flag given twice, the command's
 * own checks between options.
 */
export function readCommandLine<O extends Options>(command: Command<O>, argv: readonly string[]): Parsed<O> | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const { options } = command;
  let parsed: { values: Record<string, string[] | boolean[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeNumbers(argv, options),
      // Every option repeatable here, so that one given twice is told rather than the last silently kept.
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.placeholder ? "string" : "boolean", multiple: true }])) as never,
      strict: true,
      allowPositionals: command.operands !== undefined,
    }) as never;
  } catch (error) {
    throw new UsageError(tokenProblem(error, options));
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const given = parsed.values[name];
    if (!option.multiple && given && given.length > 1) {
      problems.push(`--${name} is given ${given.length} times`);
      continue;
    }
    try {
      values[name] = option.read((option.multiple ? given : given?.[0]) as Given, `--${name}`);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(error.message);
    }
  }
  const operands = parsed.positionals;
  const choices = command.operands?.choices;
  const unknown = choices ? operands.filter((word) => !choices.includes(word)) : [];
  if (unknown.length > 0)
    problems.push(`no ${command.operands!.placeholder} named ${unknown.join(", ")}: the ${command.operands!.placeholder}s are ${choices!.join(", ")}`);
  problems.push(...(command.check?.(values as Partial<Values<O>>) ?? []));
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  return { ...(values as Values<O>), operands };
}

/** Words wrapped to `width`, every line after the first indented by `indent`. */
function wrap(words: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of words.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

const written = (name: string, option: Option<unknown>) => `--${name}${option.placeholder ? ` <${option.placeholder}>` : ""}`;

/** The command's help: how to run it, what it does, every option with its default, and its exit statuses. */
export function helpText<O extends Options>(command: Command<O>): string {
  const entries = Object.entries(command.options);
  const synopsis =
    command.synopsis ??
    [
      ...entries.filter(([, o]) => o.required).map(([name, o]) => written(name, o)),
      ...(entries.some(([, o]) => !o.required) ? ["[options]"] : []),
      ...(command.operands ? [`[${command.operands.placeholder} …]`] : []),
      ...(command.passesOn ? [`[${command.passesOn} options]`] : []),
    ].join(" ");
  const rows: [string, string][] = entries.map(([name, o]) => [
    written(name, o),
    `${o.help}${o.required ? "; required" : ""}${o.shownDefault !== undefined ? ` (default: ${o.shownDefault})` : ""}`,
  ]);
  if (command.operands) rows.unshift([`<${command.operands.placeholder}>`, command.operands.help]);
  rows.push(["-h, --help", "this text"]);
  const column = Math.max(...rows.map(([left]) => left.length)) + 4;
  const table = rows.map(([left, right]) => `  ${left.padEnd(column - 2)}${wrap(right, column, WIDTH)}`);
  const refused = command.aws ? "a wrong argument, or no AWS region, profile or credentials" : "a wrong argument";
  const usage = command.passesOn ? "" : `; 2 for ${refused}, when nothing was done`;
  const exit = wrap(`Exit status: 0 ${command.exit.done}; 1 ${command.exit.failed}${usage}.`, 0, WIDTH);
  const about = command.about.split(/\n\s*\n/).map((paragraph) => wrap(paragraph, 0, WIDTH));
  return [synopsis ? `${command.name} -- ${synopsis}` : command.name, "", about.join("\n\n"), "", ...table, "", exit].join("\n");
}
