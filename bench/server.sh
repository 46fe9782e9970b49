#!/usr/bin/env bash
# Server-mode benchmark (issue 11): PURGE requests through the helper's
# server mode (SERVER_ADDR) until the hub accepted them, next to bare POSTs
# of the same form body straight to the same hub, in the same run with
# wrk, 1 and 8 connections; and the resident memory of one daemon in both
# roles (server mode and replays), idle, after the runs, and holding 1,000
# idle client connections.
#
# Two hubs, as bench/publish.sh (HUB=stub or HUB=devhub):
#  - stub: a varnishd answering every POST with 200 and an id (and, since
#    it cannot stream, the helper runs in server mode only);
#  - devhub: the development Mercure hub, which checks the JWT and stores
#    the event; the helper runs in both roles, subscribed to it and
#    replaying every event to a varnishd.
# Loopback only.  The load average is printed before and after: the
# machine may be shared.
#
# Usage: [HUB=stub|devhub] bench/server.sh [seconds per run, default 10]
# Needs a built tree (make) and wrk (apt-get install wrk).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dur=${1:-10}
hub=${HUB:-stub}
key=bench-server-key-of-at-least-32-bytes
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$top/helper/http-broadcast" ] || { echo "bench: build first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/hb-bench-server.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

. "$(dirname "$0")/stub-hub.sh"
hub_port=$(free_port)
srv_port=$(free_port)
status_port=$(free_port)
v_port=$(free_port)

bearer=$(publisher_jwt "$key")

stub_hub_vcl "$work/stub.vcl"
start_varnishd() { # name port vcl
	varnishd -F -j none -n "$work/$1" -a "127.0.0.1:$2" -f "$3" \
	    -s malloc,64m -p thread_pool_min=50 >"$work/$1.log" 2>&1 &
	pids+=($!)
}
# The replay target in both-roles runs: answers every PURGE.
start_varnishd node "$v_port" "$work/stub.vcl"
if [ "$hub" = stub ]; then
	start_varnishd hub "$hub_port" "$work/stub.vcl"
	roles="server mode only"
	agent=()
else
	python3 "$top/tests-vtc/hub/devhub.py" --listen "127.0.0.1:$hub_port" \
	    --jwt-key "$key" --history-size 1000 --log-file /dev/null >"$work/hub.log" 2>&1 &
	pids+=($!)
	roles="both roles"
	agent=(AGENT_ENDPOINT="http://127.0.0.1:$v_port" STATE_FILE=)
fi
for port in "$hub_port" "$v_port"; do
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
done
env "${agent[@]}" SERVER_ADDR="127.0.0.1:$srv_port" STATUS_ADDR="127.0.0.1:$status_port" \
    HUB_ENDPOINT="http://127.0.0.1:$hub_port/.well-known/mercure" \
    HUB_PUBLISH_TOKEN="$bearer" HUB_JWT_KEY="$key" LOG_LEVEL=warn \
    "$top/helper/http-broadcast" 2>"$work/helper.log" &
helper=$!
pids+=($helper)
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$status_port/healthz" && break
	sleep 0.1
done
rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$helper/status"; }

# The bare POST carries the form body the server mode sends for wrk's PURGE.
code=$(curl -s -X PURGE -H "User-Agent: wrk" -H "Accept:" "http://127.0.0.1:$srv_port/bench/object?x=1" -o /dev/null -w '%{http_code}')
[ "$code" = 202 ] || { echo "bench: publish through the server mode failed ($code)" >&2; cat "$work/helper.log" >&2; exit 1; }
form='topic=http-broadcast&data=%7B%22Method%22%3A%22PURGE%22%2C%22Host%22%3A%22127.0.0.1%22%2C%22Path%22%3A%22%2Fbench%2Fobject%22%2C%22RawQuery%22%3A%22x%3D1%22%2C%22Header%22%3A%7B%22X-Httpbroadcast-Guard%22%3A%5B%22http-broadcast%22%5D%7D%2C%22Body%22%3A%22%22%7D&private=on'
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$form"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer $bearer"
LUA
cat >"$work/purge.lua" <<'LUA'
wrk.method = "PURGE"
LUA

rate() { # wrk args... -> requests/s
	wrk --latency "$@" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non2xx " $4 > "/dev/stderr"}'
}
echo "hub: $hub; helper: $roles; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "RSS idle: $(rss VmRSS) kB"
printf '| clients | bare POST to hub (req/s) | PURGE via server mode (req/s) | server/bare |\n|---|---|---|---|\n'
for c in 1 8; do
	t=$c; [ "$t" -gt 2 ] && t=2
	bare=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/post.lua" "http://127.0.0.1:$hub_port/.well-known/mercure")
	srv=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/purge.lua" "http://127.0.0.1:$srv_port/bench/object?x=1")
	ratio=$(python3 -c "print(f'{$srv/$bare:.2f}')")
	printf '| %s | %s | %s | %s |\n' "$c" "$bare" "$srv" "$ratio"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "RSS after the runs: $(rss VmRSS) kB (peak $(rss VmHWM) kB)"
python3 "$top/tests-vtc/server/slow.py" "$srv_port" 1000 "$work/slow" 2 &
pids+=($!)
for _ in $(seq 200); do
	[ -s "$work/slow" ] && [ "$(cat "$work/slow")" != ready ] && break
	sleep 0.1
done
echo "RSS with 1,000 idle client connections: $(rss VmRSS) kB ($(cat "$work/slow") open)"
curl -s -m 5 "http://127.0.0.1:$status_port/metrics" > "$work/metrics" || echo "bench: /metrics did not answer" >&2
grep -E '^http_broadcast_(server_|events_replayed)' "$work/metrics" | sed 's/^/# /'
