#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or package-lock.json
# changed. No dependency compiles native code (the ZooKeeper client is
# TypeScript: docs/adr/0006), so no build toolchain or Node headers are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.dsp-deps.sha256
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
