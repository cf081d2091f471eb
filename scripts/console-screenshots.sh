#!/usr/bin/env bash
# Regenerates docs/img/console*.png: runs the console's page and experiment tests in Chromium
# against the running stack (they write reports/console/*.png), then copies the
# shots under docs/img/. Needs the stack up (`npm run stack -- up`) and a build.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx infra/stack/src/cli.ts install --for tests
npm run -s build
npx jest -c jest.int.config.js e2e/console-e2e
# The experiments' shots (they disturb the stack on purpose, and heal it).
npx jest -c jest.faults.config.js e2e/console-e2e
mkdir -p docs/img
for shot in reports/console/*.png; do
  name=$(basename "$shot" .png)
  if [ "$name" = console ]; then cp "$shot" docs/img/console.png; else cp "$shot" "docs/img/console-$name.png"; fi
done
echo "copied $(ls reports/console/*.png | wc -l) screenshots to docs/img/"
