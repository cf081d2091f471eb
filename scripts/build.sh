#!/usr/bin/env bash
# Compiles apps/ and libs/ to dist/ with swc (decorator metadata on, path aliases
# rewritten to relative imports). Type errors are caught by `npm run typecheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx swc apps libs -d dist --config-file .swcrc --ignore '**/*.spec.ts' --ignore '**/*.int-spec.ts' --quiet
echo "built: $(find dist -name '*.js' | wc -l) files in dist/"
