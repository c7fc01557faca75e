#!/usr/bin/env bash
# `npm run mutation [-- options]`: installs Stryker (apart from the project, see
# mutation/package.json), runs it, and fails unless every mutated file scores at least 90%.
set -euo pipefail
cd "$(dirname "$0")/.."
# --help answers before anything is installed.
for arg in "$@"; do
  case "$arg" in -h | --help) exec node --require tsx/cjs tools/mutation-help.ts ;; esac
done

# One module (--mutate <file>) runs in the run that lists it; otherwise both runs.
mutate=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    -m | --mutate) mutate=${args[i + 1]:-} ;;
    --mutate=*) mutate=${args[i]#--mutate=} ;;
  esac
done
runs=(fast engines)
if [[ -n $mutate ]]; then
  runs=("$(node -e 'const m = require("./mutation/modules.json"); console.log(m.mutatedOnEngines.includes(process.argv[1]) ? "engines" : "fast")' "$mutate")")
fi

npm ci --prefix mutation --no-audit --no-fund --loglevel=error
status=0
for run in "${runs[@]}"; do
  mutation/node_modules/.bin/stryker run "mutation/stryker.$run.config.mjs" "$@" || status=$?
  node mutation/check-files.mjs "reports/mutation/$run/mutation.json" 90 || status=1
done
exit "$status"
