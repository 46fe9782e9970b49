#!/usr/bin/env bash
# Publishing to two hubs (issue 13): one varnishd whose VCL has a broadcast
# object for one hub and another for two, measured in the same run; then
# one of the two hubs dies while a client keeps sending PURGEs (policy any)
# and we count the PURGEs that failed and see how long the death is felt.
#
# The hubs are stubs: two more varnishds answering every POST with 200
# and an id (see bench/publish.sh), so that the figures show what the
# publish path costs, not what a hub costs.  Loopback only.
#
# Usage: bench/multihub.sh [seconds per latency run, default 5]
# Needs a built tree (make) and wrk (apt-get install wrk).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dur=${1:-5}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -f "$top/vmod/.libs/libvmod_broadcast.so" ] || { echo "bench: build first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/hb-bench-multihub.XXXXXX)
pids=()
stopped=
cleanup() {
	# A stopped hub's child must run again to stop with its manager.
	[ -n "$stopped" ] && kill -CONT $stopped 2>/dev/null || true
	for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

. "$(dirname "$0")/stub-hub.sh"
a_port=$(free_port)
b_port=$(free_port)
v_port=$(free_port)
vmoddir=$(pkg-config --variable=vmoddir varnishapi)

stub_hub_vcl "$work/hub.vcl"
a_url="http://127.0.0.1:$a_port/.well-known/mercure"
b_url="http://127.0.0.1:$b_port/.well-known/mercure"
cat >"$work/node.vcl" <<VCL
vcl 4.1;
import broadcast;
backend none none;
sub vcl_init {
	new one = broadcast.hub("$a_url", token = "bench.token.value",
	    timeout = 1s);
	new two = broadcast.hub("$a_url, $b_url", token = "bench.token.value",
	    timeout = 1s, policy = "any");
}
sub vcl_recv {
	if (req.url ~ "^/one" && one.publish()) { return (synth(202, one.event_id())); }
	if (req.url ~ "^/two" && two.publish()) { return (synth(202, two.event_id())); }
	return (synth(503, one.error() + two.error()));
}
VCL

start_varnishd() { # name port vcl
	varnishd -F -j none -n "$work/$1" -a "127.0.0.1:$2" -f "$3" \
	    -p vmod_path="$top/vmod/.libs:$vmoddir" -s malloc,64m \
	    -p thread_pool_min=50 >"$work/$1.log" 2>&1 &
	pids+=($!)
	eval "pid_$1=$!"
}
start_varnishd huba "$a_port" "$work/hub.vcl"
start_varnishd hubb "$b_port" "$work/hub.vcl"
start_varnishd node "$v_port" "$work/node.vcl"
for port in $a_port $b_port $v_port; do
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
done
for p in one two; do
	curl -s -X PURGE "http://127.0.0.1:$v_port/$p/x" -o /dev/null -w '%{http_code}\n' | grep -q 202 \
	    || { echo "bench: publish to $p failed" >&2; cat "$work/node.log" >&2; exit 1; }
done
cat >"$work/purge.lua" <<'LUA'
wrk.method = "PURGE"
LUA

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| hubs | clients | PURGE via VMOD (req/s) | latency p50 (ms) | p99 (ms) |"
echo "|---|---|---|---|---|"
lat() { # hubs clients path
	t=$2; [ "$t" -gt 2 ] && t=2
	wrk --latency -t"$t" -c"$2" -d"${dur}s" -s "$work/purge.lua" \
	    "http://127.0.0.1:$v_port/$3/object" | awk -v h="$1" -v c="$2" '
	    function ms(v) { if (v ~ /us$/) return sprintf("%.3f", v / 1000);
		if (v ~ /ms$/) return sprintf("%.3f", v + 0);
		return sprintf("%.3f", v * 1000) }
	    /Requests\/sec/ { rps = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) }
	    /Non-2xx/ { bad = $4 }
	    END { printf "| %s | %s | %s | %s | %s |%s\n", h, c, rps, p50, p99,
		bad ? " non-2xx: " bad : "" }'
}
# Alternated, so that a change of the machine's load hits both.
for c in 1 8; do
	lat 1 "$c" one
	lat 2 "$c" two
	lat 1 "$c" one
	lat 2 "$c" two
done
echo
echo "load average after the latency runs: $(cut -d' ' -f1-3 /proc/loadavg)"

# A hub dies under load.  4 clients send PURGEs to /two (policy any,
# timeout 1s, default breaker: 3 failures, 5 s) for 8 s; after 2 s, hub B
# dies: KILL (its port refuses connections) or STOP (it hangs: connections
# are accepted by the kernel, nothing answers: the worst case).
failover() { # signal
	# varnishd -F is a manager and its child, which serves: both.
	stopped="$pid_hubb $(pgrep -P "$pid_hubb")"
	python3 - "$v_port" "$1" $stopped <<'PY'
import http.client, os, signal, statistics, sys, threading, time
port, sig = int(sys.argv[1]), sys.argv[2]
hubpids = [int(p) for p in sys.argv[3:]]
res, lock, stop = [], threading.Lock(), threading.Event()
def client():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        t0 = time.monotonic()
        c.request("PURGE", "/two/object")
        r = c.getresponse(); r.read()
        with lock: res.append((t0, time.monotonic(), r.status))
ths = [threading.Thread(target=client) for _ in range(4)]
start = time.monotonic()
for t in ths: t.start()
time.sleep(2)
death = time.monotonic()
for p in hubpids:
    os.kill(p, signal.SIGKILL if sig == "KILL" else signal.SIGSTOP)
time.sleep(6)
stop.set()
for t in ths: t.join()
before = [b - a for a, b, s in res if b < death]
after = [(a, b, s) for a, b, s in res if b >= death]
med = statistics.median(before)
failed = sum(1 for _, _, s in after if s != 202)
slow = [x for x in after if x[1] - x[0] > 10 * med]
# Felt until the last PURGE that took over 10x the median before death.
felt = (max(b for _, b, _ in slow) - death) if slow else 0.0
first_ok = min((b for a, b, s in after if s == 202 and a >= death), default=None)
print(f"| {sig} | {len(res)} | {sum(1 for *_, s in res if s != 202)} | {failed} | "
      f"{med*1e3:.3f} | {max(b - a for a, b, _ in after)*1e3:.1f} | {len(slow)} | "
      f"{felt*1e3:.0f} | {(first_ok - death)*1e3:.1f} |")
PY
}
echo
echo "| hub B | PURGEs | failed (all) | failed after death | median before (ms) | max after death (ms) | PURGEs > 10x median | death felt for (ms) | death to first 202 sent after it (ms) |"
echo "|---|---|---|---|---|---|---|---|---|"
failover KILL 2>/dev/null
# A new hub B for the second run, on the same port.
wait "$pid_hubb" 2>/dev/null || true
start_varnishd hubb2 "$b_port" "$work/hub.vcl"
pid_hubb=$pid_hubb2
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$b_port/x" && break; sleep 0.1; done
# Let the node's breaker for hub B close again (5 s open, then a trial).
sleep 6
curl -s -X PURGE "http://127.0.0.1:$v_port/two/x" -o /dev/null
failover STOP
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
varnishstat -n "$work/node" -1 -f 'BROADCAST*' | awk '{print "# " $1 " " $2}'
