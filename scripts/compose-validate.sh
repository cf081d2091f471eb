#!/usr/bin/env bash
# `npm run compose:validate`: render docker-compose.yml with this stack's generated secrets and let
# docker-compose validate it (no Docker engine needed). The drift test
# (e2e/stack-e2e/src/docker-compose.int-spec.ts) checks what it says against the native stack.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "docker-compose is missing: run \`npm run stack -- install\` (Debian's docker-compose package)" >&2
  exit 1
fi
npx tsx infra/stack/src/cli.ts compose-env >/dev/null
docker-compose --env-file .stack/compose/.env -f docker-compose.yml config --quiet
echo "docker-compose.yml: valid ($(docker-compose --env-file .stack/compose/.env -f docker-compose.yml config --services | wc -l) services)"
