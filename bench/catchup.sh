#!/usr/bin/env bash
# Catch-up benchmark (issue 9): a helper comes back after missing N events
# and catches up through the development hub, which hands them out through
# a per-subscriber queue of 1000 updates as the reference hub does.  Three
# hub behaviours, interleaved round by round in the same run:
#   reference  a queue larger than the backlog: nothing overflows; this is
#              the helper's replay rate of a catch-up without any stall
#   stall      --overflow stall (hubs up to v0.19): the stream goes deaf
#              after each page, the helper's stall check resumes it
#   close      --overflow close (v0.20+): the hub ends the stream after
#              each page, the helper resumes at once
# Time: from the helper's start until varnishd's MAIN.n_purges grew by N.
# Usage: bench/catchup.sh [EVENTS=50000] [ROUNDS=3]
# BASELINE=/path/to/another/http-broadcast runs that build before this one
# for each hub behaviour of each round (before/after in the same run).
# Needs a built tree (make), varnish and python3.  Loopback only.
set -euo pipefail
events=${1:-50000}
rounds=${2:-3}
. "$(dirname "$0")/purge-node.sh"

python3 "$top/bench/catchup.py" --prepare --events "$events" \
    --history "$work/history.jsonl" --hub x --varnish-name x --agent x \
    --helper x --workdir "$work"
declare -A opts=(
	[reference]="--subscriber-buffer $((events * 2))"
	[stall]="--overflow stall"
	[close]="--overflow close"
)
printf '| round | build | hub | events | seconds | events/s | stall checks | stalls | hub drops |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for round in $(seq "$rounds"); do
	for mode in reference stall close; do
		for build in ${BASELINE:+baseline} current; do
			[ "$build" = baseline ] && h=$BASELINE || h=$helper
			j=$(python3 "$top/bench/catchup.py" --events "$events" \
			    --history "$work/history.jsonl" --hub "$top/tests-vtc/hub/devhub.py" \
			    --hub-options "${opts[$mode]}" --varnish-name "$work/node" \
			    --agent "http://127.0.0.1:$v_port" --helper "$h" --workdir "$work")
			echo "$build $mode $j" >>"$work/results"
			BUILD=$build MODE=$mode ROUND=$round python3 -c '
import json, os, sys
r = json.loads(sys.argv[1])
print("| %s | %s | %s | %d | %.2f | %.0f | %d | %d | %d |" % (os.environ["ROUND"],
    os.environ["BUILD"], os.environ["MODE"], r["applied"], r["seconds"], r["rate"],
    r["stall_checks"], r["stalls"], r["hub_drops"]))' "$j"
		done
	done
done
python3 - "$work/results" <<'PY'
import json, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    build, mode, j = line.split(" ", 2)
    rates.setdefault((build, mode), []).append(json.loads(j)["rate"])
print()
for build in ("baseline", "current"):
    if (build, "reference") not in rates:
        continue
    ref = statistics.median(rates[(build, "reference")])
    for m in ("reference", "stall", "close"):
        v = rates[(build, m)]
        print("median %-8s %-9s %8.0f events/s  (%.0f-%.0f; %.2f of its reference)" % (
            build, m, statistics.median(v), min(v), max(v), statistics.median(v) / ref))
PY
