#!/usr/bin/env bash
# Cost per event (issue 6 #5): instructions the helper executes per
# replayed event, counted by callgrind, so the figure does not depend on
# how busy the machine is.  The helper runs under callgrind for a burst of
# N1 and of N2 events (same local varnishd and event stream as
# bench/replay.sh); (Ir(N2) - Ir(N1)) / (N2 - N1) cancels the startup and
# shutdown cost.  Inclusive costs of the top helper functions for the
# larger run follow the table.
#
# Usage: bench/callgrind.sh [N1=2000] [N2=4000] [CONCURRENCY=16]
# Needs a built tree (make), valgrind, varnish and python3
# (apt-get install valgrind varnish python3 curl).
set -euo pipefail
n1=${1:-2000}
n2=${2:-4000}
conc=${3:-16}
command -v valgrind >/dev/null || { echo "bench: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
. "$(dirname "$0")/purge-node.sh"

ir() { # events -> total Ir of one helper run
	local out=$work/callgrind.$1
	burst "$1" --concurrency "$conc" --idle 0.5 --timeout 600 \
	    --wrapper "valgrind --tool=callgrind --callgrind-out-file=$out" >/dev/null
	awk '/^(summary|totals):/ {print $2; exit}' "$out"
}
a=$(ir "$n1")
b=$(ir "$n2")
printf '| events | Ir (helper, whole run) |\n|---|---|\n| %s | %s |\n| %s | %s |\n\n' "$n1" "$a" "$n2" "$b"
printf 'Instructions per replayed event: %s (concurrency %s)\n\n' \
    "$(( (b - a) / (n2 - n1) ))" "$conc"
if [ -n "${CALLGRIND_TOP:-}" ]; then
	callgrind_annotate --inclusive=yes "$work/callgrind.$n2" 2>/dev/null | head -n "$CALLGRIND_TOP"
fi
