// `npm run mutation`: Stryker over the pure modules of functions/, killed by the fast function
// tests only (test/functions, no engines), so a run measures what those tests pin.
// One file at a time: `npm run mutation -- --mutate functions/ingest/item-size.ts` (mutation/run.sh).
import { readFileSync } from "node:fs";

const modules = JSON.parse(readFileSync(new URL("./modules.json", import.meta.url), "utf8"));

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "mocha",
  coverageAnalysis: "perTest",
  mochaOptions: { config: "mutation/.mocharc.json" },
  // The pure cores (mutation/modules.json: those mutated, and every other module of functions/ with
  // why it is not; test/unit/mutation-modules.test.ts keeps that list true to the tree).
  mutate: modules.mutated,
  // A busy shared machine: two test processes, and generous time before a mutant counts as a timeout.
  concurrency: 2,
  timeoutFactor: 3,
  // The run fails below 90% overall; mutation/check-files.mjs then fails it for any file below 90%.
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, reportMutants: true, reportScoreTable: true },
  tempDirName: ".stryker-tmp",
};
