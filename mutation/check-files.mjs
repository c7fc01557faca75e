// Fails when any file of a Stryker JSON report (mutation-testing-elements schema) scores below
// the minimum. Stryker's own `thresholds.break` applies to the total only.
// Score as Stryker counts it: killed and timed-out mutants over all valid ones (ignored mutants
// and those that did not compile or run are left out).
import { readFileSync } from "node:fs";

const [reportPath, minimum] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, "utf8"));
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

const below = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  if (score < Number(minimum)) below.push(`${file}: ${score.toFixed(2)}% (${detected} of ${valid} mutants detected)`);
}
if (below.length > 0) {
  console.error(`Mutation score below ${minimum}% in:\n  ${below.join("\n  ")}`);
  process.exit(1);
}
console.log(`Every mutated file scores at least ${minimum}%.`);
