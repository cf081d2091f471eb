#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or package-lock.json
# changed. The `zookeeper` package is a native addon built by node-gyp: it must
# build against this Node's own headers, never a download.
set -euo pipefail
cd "$(dirname "$0")/.."

node_prefix="$(dirname "$(dirname "$(command -v node)")")"
export npm_config_nodedir="${npm_config_nodedir:-$node_prefix}"
if [ ! -f "$npm_config_nodedir/include/node/node.h" ]; then
  echo "error: Node's headers are not in $npm_config_nodedir/include/node (needed to build the zookeeper addon)." >&2
  echo "       Install Node.js with its headers (e.g. the nodejs package from the NodeSource or Debian repos) or set npm_config_nodedir." >&2
  exit 1
fi

if ! command -v make >/dev/null || ! command -v g++ >/dev/null || ! command -v python3 >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing the native build toolchain (make, g++, python3) for node-gyp..."
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q build-essential python3
  else
    echo "error: node-gyp needs make, g++ and python3: sudo apt-get install -y build-essential python3" >&2
    exit 1
  fi
fi

stamp=node_modules/.dsp-deps.sha256
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f node_modules/zookeeper/build/Release/zookeeper.node ]; then
  echo "installing npm dependencies (npm ci; builds the zookeeper addon against $npm_config_nodedir)..."
  npm ci --no-audit --no-fund
  if [ ! -f node_modules/zookeeper/build/Release/zookeeper.node ]; then
    echo "error: the zookeeper native addon did not build (see the npm output above)." >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
