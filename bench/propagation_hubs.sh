#!/bin/sh
# Propagation through the helper with one hub and with two (same run):
# publish to the hubs, time until the replay reaches a stand-in varnishd.
# Run from a built tree.  Usage: bench/propagation_hubs.sh [ITERATIONS=300]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/propagation_hubs.py" "$top/helper/http-broadcast" \
    "$top/tests-vtc/hub/devhub.py" "${1:-300}"
