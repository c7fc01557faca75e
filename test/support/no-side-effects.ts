// Preloaded into a command run by test/support/command-line.ts: any child process or network
// connection the command starts ends it at once, exit status 86, saying what it tried. A command's
// `--help` that exits 0 under it started neither (no engine, no install, no AWS call).
import childProcess from "node:child_process";
import net from "node:net";

const forbidden = (what: string) =>
  function (this: unknown, ...args: unknown[]): never {
    process.stderr.write(`side effect: ${what}(${args.filter((a) => typeof a === "string" || typeof a === "number").join(", ")})\n`);
    process.exit(86);
  };

for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = forbidden(`child_process.${name}`);
}
net.Socket.prototype.connect = forbidden("net.Socket.connect") as never;
