import { helpPointer, helpText, readCommandLine, UsageError, type Command, type Options, type Parsed } from "./cli-args";

/** Where a command writes: its report and progress, and its errors. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };

const joined = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();

/** An error as one line: its name unless a plain Error, and its message with its lines joined. */
export function oneLine(error: unknown): string {
  const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
  return name && name !== "Error" ? `${name}: ${joined(message)}` : joined(message);
}

/**
 * Runs a command by the convention every command of this project keeps: `--help` prints the help
 * and exits 0 before anything else happens; a UsageError (a wrong argument, no AWS access) is one
 * line ending with where the help is, exit 2; any other error is one line, exit 1; otherwise the
 * work's own status (0 done, 1 it failed).
 */
export async function runCommand<O extends Options>(
  command: Command<O>,
  argv: readonly string[],
  io: Io,
  work: (args: Parsed<O>) => number | Promise<number>,
): Promise<number> {
  try {
    const args = readCommandLine(command, argv);
    if (args === "help") {
      io.out(helpText(command));
      return 0;
    }
    return await work(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${joined(error.message)}; see ${helpPointer(command)}`);
      return 2;
    }
    io.err(oneLine(error));
    return 1;
  }
}

/** An npm script's entry: the command on the process's arguments, then exit with its status. */
export function runMain(run: (argv: readonly string[], io: Io) => Promise<number>): void {
  run(process.argv.slice(2), consoleIo).then(
    (code) => process.exit(code),
    (error) => {
      console.error(oneLine(error));
      process.exit(1);
    },
  );
}
