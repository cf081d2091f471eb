#!/usr/bin/env bash
# ESLint (with @nx/enforce-module-boundaries) per project through Nx (each
# project's inferred `lint` target, cached, warnings are errors), the root
# config files, and Prettier over everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
mkdir -p tmp
# Quiet when it passes; the whole output when a task fails.
npx nx run-many -t lint --outputStyle=static >tmp/nx-lint.log 2>&1 || { cat tmp/nx-lint.log; exit 1; }
npx eslint ./*.js ./*.mjs --max-warnings=0
npx prettier --check . --log-level warn
echo "lint: ok"
