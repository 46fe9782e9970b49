#!/usr/bin/env bash
# Memory back after a burst (issue 24 #6): a burst of N events replayed by
# one helper into a local varnishd (bench/sse-burst.py), then the helper's
# Private_Dirty (/proc/PID/smaps_rollup) idle before, at its peak, one
# second after the backlog drained, and the lowest it reaches within
# SETTLE seconds (the wait ends as soon as it is under LIMIT kB).
#
# Usage: bench/memory.sh [EVENTS=20000] [CONCURRENCY=16] [LIMIT=4096] [SETTLE=10]
# BASELINE=/path/to/another/http-broadcast runs that build first.
# Needs a built tree (make), varnish and python3.
set -euo pipefail
events=${1:-20000}
conc=${2:-16}
limit=${3:-4096}
settle=${4:-10}
. "$(dirname "$0")/purge-node.sh"

printf '| build | events | Private_Dirty idle (kB) | peak | 1 s after | settled | seconds to settle |\n'
printf '|---|---|---|---|---|---|---|\n'
for build in ${BASELINE:+baseline} current; do
	[ "$build" = baseline ] && h=$BASELINE || h=$helper
	j=$(HELPER_BIN=$h burst "$events" --concurrency "$conc" \
	    --settle-kb "$limit" --settle-seconds "$settle")
	BUILD=$build python3 -c '
import json, os, sys
r = json.loads(sys.argv[1])
print("| %s | %d | %d | %d | %d | %d | %.1f |" % (os.environ["BUILD"],
    r["applied"], r["idle"]["Private_Dirty"], r["peak"]["Private_Dirty"],
    r["after"]["Private_Dirty"], r["settled"]["Private_Dirty"],
    r["settled_seconds"]))
' "$j"
done
