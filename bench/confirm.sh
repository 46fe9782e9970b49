#!/bin/sh
# Per-node confirmation: time from a client's PURGE to a complete answer,
# and the report hub's load, for fleets of 10 and 50 helpers (see
# bench/confirm.py).  Run from a built tree.
# Usage: bench/confirm.sh [SAMPLES=50] [NODES...=10 50]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
samples=${1:-50}
[ $# -gt 0 ] && shift
for n in ${@:-10 50}; do
	python3 "$top/bench/confirm.py" "$top/helper/http-broadcast" \
	    "$top/tests-vtc/hub/devhub.py" "$n" "$samples"
done
