#!/usr/bin/env bash
# `npm test`: lint, typecheck, unit tests, build, then integration tests against
# the real local stack (started if needed, and stopped again if this script
# started it), every step through Nx targets (lint, typecheck, test, build, int,
# faults; see nx.json). Prints one closing line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
mkdir -p tmp && rm -rf tmp/jest
nx() { npx nx "$@" --outputStyle=static; }

step() { printf '\n==> %s\n' "$*"; }
stack() { npx tsx infra/stack/src/cli.ts "$@"; }

step "dependencies"
bash scripts/ensure-node-deps.sh

step "lint (eslint with Nx module boundaries, prettier)"
npm run -s lint

step "typecheck (tsc --noEmit, strict: nx run workspace:typecheck)"
nx run workspace:typecheck

step "unit tests (nx run-many -t test: each project's specs; cached)"
unit_rc=0
nx run-many -t test || unit_rc=$?

step "build"
npm run -s build

step "test tools (Debian's chromium for the console's page tests; npm start does not need it)"
stack install --for tests

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
# another's timers, sockets or module state; one Nx task at a time (`int` has parallelism false; --parallel=1 says so again), never cached.
nx run-many -t int --parallel=1 || int_rc=$?
# Fault suites that kill ZooKeeper servers run last, so the ensemble they disturb is healed before
# nothing else needs it.
nx run-many -t faults --parallel=1 || int_rc=$?

with_target() { npx nx show projects --with-target "$1" --json; }
expected="{\"unit\": $(with_target test), \"int\": $(with_target int), \"faults\": $(with_target faults)}"
node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
const failures = [];
// One result file per project and kind (tmp/jest/<project>.<unit|int|faults>.json, restored from Nx cache
// for a cached unit run).
const files = fs.existsSync("tmp/jest") ? fs.readdirSync("tmp/jest").map((x) => "tmp/jest/" + x) : [];
// Every project with the target must have left its file: one that did not (its run died) is a failure.
const expected = JSON.parse(process.argv[1]);
for (const [kind, projects] of Object.entries(expected))
  for (const name of projects) if (!files.includes("tmp/jest/" + name + "." + kind + ".json")) { console.log("no " + kind + " results from " + name); f++; }
for (const file of files) {
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; s += r.numPendingTests + r.numTodoTests;
  // Name every failure again here, at the end, where a CI log shown by its tail still has it.
  for (const suite of r.testResults || []) {
    const where = suite.name.replace(process.cwd() + "/", "");
    if (suite.status === "failed" && !(suite.assertionResults || []).some((a) => a.status === "failed"))
      failures.push(`${where}: the suite did not run: ${String(suite.message).split("\n").slice(0, 6).join("\n    ")}`);
    for (const a of suite.assertionResults || [])
      if (a.status === "failed")
        failures.push(`${where} > ${a.fullName}\n    ${(a.failureMessages || []).join("\n").split("\n").slice(0, 8).join("\n    ")}`);
  }
}
if (failures.length) console.log("\nfailed:\n" + failures.map((x) => "  " + x).join("\n"));
console.log(`\ntests: ${p} passed, ${f} failed, ${s} skipped`);
' "$expected"
if [ "$unit_rc" != 0 ] || [ "$int_rc" != 0 ]; then exit 1; fi
