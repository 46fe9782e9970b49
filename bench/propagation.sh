#!/usr/bin/env bash
# Propagation benchmark: client PURGE to node 1 until the object is gone on
# every node, repeated; prints median, p99 and worst.  Starts its own local
# fleet (tools/fleet.sh) on other ports than the demo, and stops it.
#
# Usage: bench/propagation.sh [NODES=3] [ITERATIONS=100]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3}
iterations=${2:-100}
export FLEET_DIR=${FLEET_DIR:-/tmp/http-broadcast-bench}
export FLEET_HUB_PORT=${FLEET_HUB_PORT:-13000}
export FLEET_NODE_PORT=${FLEET_NODE_PORT:-16081}
export FLEET_STATUS_PORT=${FLEET_STATUS_PORT:-16901}
export FLEET_ORIGIN_PORT=${FLEET_ORIGIN_PORT:-18080}
# The figure is the propagation alone (as before the reports existed).
export FLEET_REPORTS=${FLEET_REPORTS:-0}
"$top/tools/fleet.sh" down >/dev/null
"$top/tools/fleet.sh" up "$n"
trap '"$top/tools/fleet.sh" down >/dev/null' EXIT
ports=$(seq -s, "$FLEET_NODE_PORT" $((FLEET_NODE_PORT + n - 1)))
python3 "$top/tools/propagation.py" --quiet --nodes "$ports" --iterations "$iterations"
