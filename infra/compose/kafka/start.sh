#!/usr/bin/env bash
# docker-compose's Kafka entrypoint: the native stack's way (infra/stack, kafka.component.ts), in a
# container. Formats the node once with the stack's SCRAM users (they live in the metadata log, so
# they must exist before the first start: ADR 0011), then runs the broker+controller.
#
#   /etc/dsp/kafka/server.properties   this node's properties   (npm run stack -- compose-env)
#   /etc/dsp/kafka/scram-users         one SCRAM-SHA-512=[name=..,password=..] per line
set -euo pipefail
props=/etc/dsp/kafka/server.properties
users=/etc/dsp/kafka/scram-users
for f in "$props" "$users"; do
  [ -r "$f" ] || { echo "missing $f: run \`npm run stack -- compose-env\` on the host first" >&2; exit 1; }
done
: "${CLUSTER_ID:?CLUSTER_ID must be set}"
args=()
while IFS= read -r line; do
  [ -n "$line" ] && args+=(--add-scram "$line")
done <"$users"
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$props" "${args[@]}"
exec /opt/kafka/bin/kafka-server-start.sh "$props"
