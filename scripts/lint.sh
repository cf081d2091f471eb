#!/usr/bin/env bash
# ESLint (with @nx/enforce-module-boundaries) and Prettier. The Nx rule reads the
# project graph from Nx's cache; computing it first keeps the rule from being
# skipped silently on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
npx nx show projects >/dev/null
npx eslint . --max-warnings=0
npx prettier --check . --log-level warn
echo "lint: ok"
