import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const PROJECT_ROOT = path.join(__dirname, "..", "..");

export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the project's command-line entries (`node --require tsx/cjs <entry>`, as its npm
 * script does) in a child process with only PATH, an empty HOME and `env`: no AWS configuration of
 * this machine leaks in. With `forbidSideEffects`, a child process or network connection the
 * command starts ends it with status 86 (test/support/no-side-effects.ts).
 */
export function runEntry(entry: string, argv: readonly string[], options: { env?: Record<string, string>; forbidSideEffects?: boolean } = {}): CommandRun {
  const home = mkdtempSync(path.join(tmpdir(), "command-home-"));
  try {
    const preload = options.forbidSideEffects ? ["--require", path.join(PROJECT_ROOT, "test", "support", "no-side-effects.ts")] : [];
    const result = spawnSync(process.execPath, ["--require", "tsx/cjs", ...preload, entry, ...argv], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: "true", ...options.env },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
