// `npm run mutation -- --help` (mutation/run.sh answers it before installing anything).
import { helpText, type Command } from "./cli-args";

const options = {};

export const MUTATION: Command<typeof options> = {
  name: "npm run mutation",
  about: `Mutation tests of functions/: installs Stryker apart from the project (npm ci --prefix mutation) and
runs it twice. The fast run mutates the modules mutation/modules.json lists as "mutated" (the pure cores
and the batch machinery, on mocked clients) against test/functions; the engines run mutates those listed
as "mutatedOnEngines" (the loader's object load) against their integration tests on MariaDB. It fails
unless every mutated file scores at least 90%, and writes reports/mutation/<fast|engines>/index.html.
A full run takes hours on two cores (docs/development.md): measure one module at a time.

Options go to Stryker, such as --mutate functions/ingest/item-size.ts (one file, in the run that lists
it) and --concurrency 1; once installed, mutation/node_modules/.bin/stryker --help lists them all.`,
  options,
  passesOn: "Stryker's",
  exit: { done: "when every mutated file scores at least 90%", failed: "when one scores less, or Stryker stopped" },
};

console.log(helpText(MUTATION));
