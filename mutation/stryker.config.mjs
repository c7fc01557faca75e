// `npm run mutation`: Stryker over the pure modules of functions/, killed by the fast function
// tests only (test/functions, no engines), so a run measures what those tests pin.
// One file at a time: `npm run mutation -- --mutate functions/ingest/item-size.ts` (mutation/run.sh).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "mocha",
  coverageAnalysis: "perTest",
  mochaOptions: { config: "mutation/.mocharc.json" },
  // The pure cores: no I/O of their own, so their behaviour is what the fast tests call directly
  // (GUIDE.md, "a pure core that unit tests call directly"). Not mutated here: the thin handlers
  // (wiring); the batch orchestration that drives injected clients (ingest-batch, batch-writer,
  // writer-credentials, forward-batch, transform-batch, project-batch, apply, load-event,
  // dead-letter, firehose-sender), the loader's database and S3 I/O (load-object, s3-source,
  // connection), and the Powertools wiring (log, metrics, observability). Those are proven by the
  // function tests against mocked clients and by the integration tests on the local engines.
  mutate: [
    "functions/db-setup/core.ts",
    "functions/forward/core.ts",
    "functions/ingest/attribute-values.ts",
    "functions/ingest/core.ts",
    "functions/ingest/item-size.ts",
    "functions/load/archive-text.ts",
    "functions/load/event.ts",
    "functions/load/sql.ts",
    "functions/project/aggregate-core.ts",
    "functions/project/decimal.ts",
    "functions/project/index-core.ts",
    "functions/project/spec.ts",
    "functions/project/stream-image.ts",
    "functions/shared/db-auth.ts",
    "functions/shared/decimal-text.ts",
    "functions/shared/dynamodb-number.ts",
    "functions/shared/env.ts",
    "functions/shared/exact-json.ts",
    "functions/shared/lazy.ts",
    "functions/shared/retry.ts",
    "functions/shared/sql-columns.ts",
    "functions/shared/table-stream.ts",
    "functions/shared/text.ts",
    "functions/transform/core.ts",
    "functions/transform/csv.ts",
  ],
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
