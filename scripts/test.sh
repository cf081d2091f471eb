#!/usr/bin/env bash
# `npm test`: lint, typecheck, unit tests, build, then integration tests against
# the real local stack (started if needed, and stopped again if this script
# started it). Prints one closing line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
mkdir -p tmp && rm -f tmp/jest-*.json

step() { printf '\n==> %s\n' "$*"; }
stack() { npx tsx infra/stack/src/cli.ts "$@"; }

step "dependencies"
bash scripts/ensure-node-deps.sh

step "lint (eslint with Nx module boundaries, prettier)"
npm run -s lint

step "typecheck (tsc --noEmit, strict)"
npm run -s typecheck

step "unit tests"
unit_rc=0
npx jest -c jest.unit.config.js --json --outputFile=tmp/jest-unit.json || unit_rc=$?

step "build"
npm run -s build

step "local stack"
started_stack=0
if stack running; then
  echo "the stack is already running: using it and leaving it running"
else
  started_stack=1
fi
cleanup() {
  if [ "$started_stack" = 1 ]; then
    step "stopping the stack this run started"
    stack down || true
  fi
}
trap cleanup EXIT
stack up

step "integration tests (real ZooKeeper, Kafka, MariaDB, Redis)"
int_rc=0
# One suite at a time (they share the stack), each in a fresh worker process, so no suite inherits
# another's timers, sockets or module state.
npx jest -c jest.int.config.js --json --outputFile=tmp/jest-int.json || int_rc=$?
# Fault suites that kill ZooKeeper servers run last, so the ensemble they disturb is healed before
# nothing else needs it.
npx jest -c jest.faults.config.js --runInBand --json --outputFile=tmp/jest-faults.json || int_rc=$?

node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
for (const file of ["tmp/jest-unit.json", "tmp/jest-int.json", "tmp/jest-faults.json"]) {
  if (!fs.existsSync(file)) { f++; continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; s += r.numPendingTests + r.numTodoTests;
}
console.log(`\ntests: ${p} passed, ${f} failed, ${s} skipped`);
'
if [ "$unit_rc" != 0 ] || [ "$int_rc" != 0 ]; then exit 1; fi
