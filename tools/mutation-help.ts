// `npm run mutation -- --help` (mutation/run.sh answers it before installing anything).
import { helpText, type Command } from "./cli-args";

const options = {};

export const MUTATION: Command<typeof options> = {
  name: "npm run mutation",
  about: `Mutation tests of the function cores: installs Stryker apart from the project (npm ci --prefix
mutation), mutates the pure modules that mutation/modules.json lists, runs test/functions against each
mutant, and fails unless every mutated file scores at least 90%. It writes reports/mutation/index.html.
A full run takes more than an hour on two cores (docs/development.md).

Options go to Stryker, such as --mutate functions/ingest/item-size.ts (one file) and --concurrency 1;
once installed, mutation/node_modules/.bin/stryker --help lists them all.`,
  options,
  passesOn: "Stryker's",
  exit: { done: "when every mutated file scores at least 90%", failed: "when one scores less, or Stryker stopped" },
};

console.log(helpText(MUTATION));
