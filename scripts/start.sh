#!/usr/bin/env bash
# `npm start`: install what is missing, bring the local stack up, build, and run
# the gateway plus two instances each of user-service and order-service in the
# foreground. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
bash scripts/ensure-node-deps.sh
npm run -s build
exec npx tsx infra/stack/src/run-platform.ts
