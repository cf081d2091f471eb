#!/usr/bin/env bash
# Compiles the apps and the libs they use to dist/ through Nx: each project's
# `build` target (@nx/js:swc with the workspace's .swcrc: decorator metadata on,
# path aliases rewritten to relative imports, specs excluded) into
# dist/<project root>, cached. Type errors are caught by `npm run typecheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
mkdir -p tmp
# Quiet when it passes; the whole output when a task fails.
npx nx run-many -t build --outputStyle=static >tmp/nx-build.log 2>&1 || { cat tmp/nx-build.log; exit 1; }
echo "built: $(find dist -name '*.js' | wc -l) files in dist/"
