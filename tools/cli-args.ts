import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line the program cannot run with: the message names the flag and says where the help is. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | undefined>;

/** The flag an error of node's parseArgs is about, such as `--events` from "Option '--events <value>' argument missing". */
const flagIn = (message: string) => /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "an option";

/**
 * Reads flags (no positional arguments) with node's parseArgs, turning its errors into ones that
 * name the flag and point to `help`, such as "npm start -- --help".
 */
export function readFlags(argv: readonly string[], options: Options, help: string): Values {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = flagIn(message);
    const why =
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown option ${flag}`
        : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
          ? `unexpected argument "${/'([^']*)'/.exec(message)?.[1] ?? ""}": every value follows its flag, as in --name value`
          : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && options[flag.replace(/^-+/, "")]?.type === "boolean"
            ? `${flag} is a switch and takes no value`
            : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
              ? `${flag} needs a value`
              : message;
    throw new UsageError(`${why}; see ${help}`);
  }
}

/** A whole number flag within bounds: digits only, so "1.5", "1e3", "0x10" and "" are refused. */
export function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number, help: string): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} takes a whole number from ${min.toLocaleString("en")} to ${max.toLocaleString("en")}, got "${raw}"; see ${help}`);
  }
  return value;
}

/** A share flag: a decimal from 0 to 1, such as 0.02. */
export function share(flag: string, raw: string | undefined, fallback: number, help: string): number {
  if (raw === undefined) return fallback;
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) throw new UsageError(`--${flag} takes a share from 0 to 1, such as 0.02, got "${raw}"; see ${help}`);
  return value;
}

/** One of a few words. */
export function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], fallback: T, help: string): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${flag} takes ${allowed.join(" or ")}, got "${raw}"; see ${help}`);
  return raw as T;
}
