import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { MEASURED_FIGURES_PATH, type Machine, type MeasuredFigures } from "../capacity/measured";

/** The machine a measurement runs on, now. */
export const thisMachine = (): Machine => ({
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
  cores: cpus().length,
  node: process.version,
  loadAverage: Number(loadavg()[0].toFixed(2)),
});

/**
 * Writes one part of capacity/measured-figures.json, keeping the other part as it is: each
 * section that measures figures writes its own (`npm run bench -- capacity load --write`).
 */
export function writeMeasuredPart<K extends keyof MeasuredFigures>(part: K, value: MeasuredFigures[K], path = MEASURED_FIGURES_PATH): void {
  let current: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) current = parsed as Record<string, unknown>;
    } catch {
      // An unreadable file is replaced; the reader names what is still missing.
    }
  }
  writeFileSync(path, `${JSON.stringify({ ...current, [part]: value }, null, 2)}\n`);
  console.log(`\nwrote the "${part}" figures to ${path}`);
}
