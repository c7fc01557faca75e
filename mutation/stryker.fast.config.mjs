// `npm run mutation`'s fast run: Stryker over the modules of functions/ that the fast function
// tests (test/functions, no engines) call directly, with their I/O on mocked clients, so a run
// measures what those tests pin. mutation/stryker.engines.config.mjs measures the rest.
// One file at a time: `npm run mutation -- --mutate functions/ingest/item-size.ts` (mutation/run.sh).
import { readFileSync } from "node:fs";

export const modules = JSON.parse(readFileSync(new URL("./modules.json", import.meta.url), "utf8"));

/** The options both runs share; `run` names the report's folder. */
export const common = (run) => ({
  testRunner: "mocha",
  coverageAnalysis: "perTest",
  // A busy shared machine: two test processes, and generous time before a mutant counts as a timeout.
  concurrency: 2,
  timeoutFactor: 3,
  // The run fails below 90% overall; mutation/check-files.mjs then fails it for any file below 90%.
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${run}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${run}/mutation.json` },
  clearTextReporter: { allowColor: false, reportMutants: true, reportScoreTable: true },
  tempDirName: ".stryker-tmp",
});

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...common("fast"),
  mochaOptions: { config: "mutation/.mocharc.json" },
  // mutation/modules.json: those mutated here, those mutated on the engines, and every other module
  // of functions/ with why it is not (test/unit/mutation-modules.test.ts keeps that list true to the tree).
  mutate: modules.mutated,
};
