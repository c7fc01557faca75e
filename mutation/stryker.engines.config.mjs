// `npm run mutation`'s engine run: the modules whose work is the database's (mutation/modules.json,
// "mutatedOnEngines"), killed by their integration tests on MariaDB and a local S3 engine, which
// each test file starts on loopback ports and stops (engines/). Slower per mutant than the fast run.
import { common, modules } from "./stryker.fast.config.mjs";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...common("engines"),
  mochaOptions: { config: "mutation/.mocharc.engines.json" },
  mutate: modules.mutatedOnEngines,
  // Starting the engines is part of every run of a test file: more room before a mutant counts as a timeout.
  timeoutMS: 60_000,
};
