#!/usr/bin/env bash
# `npm run mutation [-- stryker options]`: installs Stryker (apart from the project, see
# mutation/package.json), runs it, and fails unless every mutated file scores at least 90%.
set -euo pipefail
cd "$(dirname "$0")/.."
# --help answers before anything is installed.
for arg in "$@"; do
  case "$arg" in -h | --help) exec node --require tsx/cjs tools/mutation-help.ts ;; esac
done
npm ci --prefix mutation --no-audit --no-fund --loglevel=error
status=0
mutation/node_modules/.bin/stryker run mutation/stryker.config.mjs "$@" || status=$?
node mutation/check-files.mjs reports/mutation/mutation.json 90 || status=1
exit "$status"
