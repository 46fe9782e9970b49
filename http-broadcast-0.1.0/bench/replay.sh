#!/usr/bin/env bash
# Replay benchmark (issue 3, issue 6 #1 and #2): a burst of N events
# delivered at wire speed to ONE helper, replayed into a local varnishd,
# next to varnishd's own PURGE rate from wrk (8 connections and 1) against
# the same varnishd with the same request, measured in the same run.  Also
# the helper's memory idle, peak and after the burst.
#
# The hub is bench/sse-burst.py: it serves a precomputed event stream to
# the helper's first GET and keeps it open, so the hub costs nothing
# during the burst.  Completion is read from varnishd's MAIN.n_purges
# (polled with varnishstat, every 10 ms near the end).  Loopback only.
#
# Usage: bench/replay.sh [EVENTS=20000] [CONCURRENCIES="16 8 32 64"] [ROUNDS=1]
# BASELINE=/path/to/another/http-broadcast adds a run of that build before
# each run of this one (before/after comparisons on a noisy machine).
# Needs a built tree (make), varnish, wrk and python3
# (apt-get install varnish wrk python3 curl).
set -euo pipefail
events=${1:-20000}
concs=${2:-16 8 32 64}
rounds=${3:-1}
wrkdur=${WRK_SECONDS:-10}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
. "$(dirname "$0")/purge-node.sh"

# The request the helper sends for an event: same method, guard header,
# Host; wrk adds nothing the helper would not.
cat >"$work/purge.lua" <<'LUA'
wrk.method = "PURGE"
wrk.headers["Host"] = "bench.example"
wrk.headers["X-HttpBroadcast-Guard"] = "http-broadcast"
LUA
wrk_rate() { # connections -> requests/s
	local t=$1; [ "$t" -gt 2 ] && t=2
	wrk -t"$t" -c"$1" -d"${wrkdur}s" -s "$work/purge.lua" "http://127.0.0.1:$v_port/bench/1" |
	    awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "bench: wrk got non-2xx: " $0 > "/dev/stderr"}'
}
w8=$(wrk_rate 8)
w1=$(wrk_rate 1)

printf '# varnishd own PURGE rate (wrk, %ss): 8 connections %s req/s, 1 connection %s req/s\n\n' "$wrkdur" "$w8" "$w1"
printf '| build | concurrency | events | seconds | helper (events/s) | /wrk 8 conn | /wrk 1 conn | helper CPU (us/event) | RSS idle (kB) | PSS idle | Private_Dirty idle | RSS peak | PSS peak | Private_Dirty peak | VmHWM | RSS after | PSS after | Private_Dirty after |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for c in $concs; do
	for _ in $(seq "$rounds"); do for build in ${BASELINE:+baseline} current; do
		[ "$build" = baseline ] && h=$BASELINE || h=$helper
		j=$(HELPER_BIN=$h burst "$events" --concurrency "$c")
		echo "$build $j" >>"$work/results"
		BUILD=$build W8=$w8 W1=$w1 python3 -c '
import json, os, sys
r = json.loads(sys.argv[1])
w8, w1 = float(os.environ["W8"]), float(os.environ["W1"])
i, p, a = r["idle"], r["peak"], r["after"]
print("| %s | %d | %d | %.2f | %.0f | %.2f | %.2f | %.1f | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |" % (
    os.environ["BUILD"], r["concurrency"], r["applied"], r["seconds"], r["rate"], r["rate"] / w8, r["rate"] / w1, 1e6 * r["cpu"] / r["applied"],
    i["VmRSS"], i["Pss"], i["Private_Dirty"], p["VmRSS"], p["Pss"], p["Private_Dirty"],
    a["VmHWM"], a["VmRSS"], a["Pss"], a["Private_Dirty"]))
if r["exit"] != 0:
    print("bench: helper exit status %s" % r["exit"], file=sys.stderr)
' "$j"
		grep -E 'level=(warning|error|fatal)' "$work/helper.log" >&2 || true
	done; done
done

# Medians over the rounds: the machine is shared, single runs are noisy.
echo
W8=$w8 W1=$w1 python3 -c '
import json, os, statistics, sys
w8, w1 = float(os.environ["W8"]), float(os.environ["W1"])
runs = {}
for line in open(sys.argv[1]):
    build, j = line.split(" ", 1)
    r = json.loads(j)
    runs.setdefault((build, r["concurrency"]), []).append(r)
print("| build | concurrency | runs | median events/s | min-max | median /wrk 8 conn | median /wrk 1 conn | median CPU (us/event) | median share of the burst: on CPU / waiting for a CPU | max Private_Dirty peak (kB) | max VmHWM (kB) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (build, c), rs in runs.items():
    rates = [r["rate"] for r in rs]
    m = statistics.median(rates)
    print("| %s | %d | %d | %.0f | %.0f-%.0f | %.2f | %.2f | %.1f | %.2f / %.2f | %d | %d |" % (build, c, len(rs), m,
        min(rates), max(rates), m / w8, m / w1,
        statistics.median(1e6 * r["cpu"] / r["applied"] for r in rs),
        statistics.median(r["cpu"] / r["seconds"] for r in rs),
        statistics.median(r["run_delay"] / r["seconds"] for r in rs),
        max(r["peak"]["Private_Dirty"] for r in rs), max(r["after"]["VmHWM"] for r in rs)))
' "$work/results"
