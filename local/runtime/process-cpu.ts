import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second, the unit of /proc/<pid>/stat's times (`getconf CLK_TCK`; 100 on Linux unless configured otherwise). */
const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/**
 * The CPU seconds (user and system) a process has used so far, from /proc/<pid>/stat (fields 14
 * and 15, utime and stime, after the command name in parentheses: proc(5)); undefined where
 * there is no /proc or the process is gone.
 */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
