#!/usr/bin/env bash
# `npm run mutation [-- options]`: installs Stryker (apart from the project, see
# mutation/package.json), runs it, and fails unless every mutated file scores at least 90%.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
Usage: npm run mutation [-- [--mutate <file>] [stryker options]]

Mutation tests of functions/ (StrykerJS): each module listed in mutation/modules.json must score
at least 90%. Two runs: "fast" mutates the modules of "mutated", killed by test/functions; "engines"
mutates those of "mutatedOnEngines", killed by their integration tests on MariaDB and a local S3.

  (no options)        both runs, every listed module
  --mutate <file>     one module, in the run that lists it
  --concurrency <n>   test processes at once (default 2)
  -h, --help          this help, and nothing else

Other options go to `stryker run` unchanged. Reports: reports/mutation/<run>/ (index.html, mutation.json).
USAGE
}

mutate=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    -h | --help) usage; exit 0 ;;
    -m | --mutate) mutate=${args[i + 1]:-} ;;
    --mutate=*) mutate=${args[i]#--mutate=} ;;
  esac
done

runs=(fast engines)
if [[ -n $mutate ]]; then
  on_engines=$(node -e 'const m = require("./mutation/modules.json"); console.log(m.mutatedOnEngines.includes(process.argv[1]) ? "engines" : "fast")' "$mutate")
  runs=("$on_engines")
fi

npm ci --prefix mutation --no-audit --no-fund --loglevel=error
status=0
for run in "${runs[@]}"; do
  mutation/node_modules/.bin/stryker run "mutation/stryker.$run.config.mjs" "$@" || status=$?
  node mutation/check-files.mjs "reports/mutation/$run/mutation.json" 90 || status=1
done
exit "$status"
