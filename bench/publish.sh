#!/usr/bin/env bash
# Publish-path benchmark (issue 2): PURGE requests through varnishd + the
# broadcast VMOD until the hub accepted them, next to bare POSTs of the same
# form body straight to the same hub, measured in the same run with wrk.
#
# Two hubs, one per run (HUB=stub or HUB=devhub):
#  - stub: a second varnishd answering every POST with 200 and an id, a
#    fast local stand-in, so that the figure shows what the VMOD costs and
#    not what a hub costs;
#  - devhub: the project's development Mercure hub (Python), which checks
#    the JWT and stores the event, like a real hub does (slower).
# Loopback only.
#
# Usage: [HUB=stub|devhub] bench/publish.sh [seconds per run, default 10]
# BASELINE_VMOD_DIR=/dir/holding/another/libvmod_broadcast.so adds a second
# node with that build, measured in the same run right after this one's
# (before/after comparisons on a noisy machine).
# Needs a built tree (make) and wrk (apt-get install wrk).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dur=${1:-10}
hub=${HUB:-stub}
key=bench-publish-key
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -f "$top/vmod/.libs/libvmod_broadcast.so" ] || { echo "bench: build first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/hb-bench-publish.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

. "$(dirname "$0")/stub-hub.sh"
hub_port=$(free_port)
v_port=$(free_port)
b_port=$(free_port)
basedir=${BASELINE_VMOD_DIR:-}
vmoddir=$(pkg-config --variable=vmoddir varnishapi)

if [ "$hub" = stub ]; then
	auth='token = "bench.token.value"'
	bearer=bench.token.value
else
	auth="jwt_key = \"$key\""
	# The bare POSTs carry a token the hub accepts, minted as the VMOD does.
	bearer=$(publisher_jwt "$key")
fi

stub_hub_vcl "$work/hub.vcl"
cat >"$work/node.vcl" <<VCL
vcl 4.1;
import broadcast;
backend none none;
sub vcl_init {
	new hub = broadcast.hub("http://127.0.0.1:$hub_port/.well-known/mercure",
	    $auth, timeout = 5s);
}
sub vcl_recv {
	# /synth: the same request answered without publishing (varnishd's floor)
	if (req.url ~ "^/synth") { return (synth(202, "not published")); }
	if (hub.publish()) { return (synth(202, hub.id())); }
	return (synth(503, hub.error()));
}
VCL

start_varnishd() { # name port vcl [vmod dir]
	varnishd -F -j none -n "$work/$1" -a "127.0.0.1:$2" -f "$3" \
	    -p vmod_path="${4:-$top/vmod/.libs}:$vmoddir" -s malloc,64m \
	    -p thread_pool_min=50 >"$work/$1.log" 2>&1 &
	pids+=($!)
}
if [ "$hub" = stub ]; then
	start_varnishd hub "$hub_port" "$work/hub.vcl"
else
	python3 "$top/tests-vtc/hub/devhub.py" --listen "127.0.0.1:$hub_port" \
	    --jwt-key "$key" --history-size 1000 --log-file /dev/null >"$work/hub.log" 2>&1 &
	pids+=($!)
fi
start_varnishd node "$v_port" "$work/node.vcl"
ports="$hub_port $v_port"
if [ -n "$basedir" ]; then
	start_varnishd base "$b_port" "$work/node.vcl" "$basedir"
	ports="$ports $b_port"
fi
for port in $ports; do
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
done

# The bare POST carries the form body the VMOD sends for this request.
curl -s -X PURGE "http://127.0.0.1:$v_port/bench/object?x=1" -o /dev/null -w '%{http_code}\n' | grep -q 202 \
    || { echo "bench: publish through varnishd failed" >&2; cat "$work/node.log" >&2; exit 1; }
form='topic=http-broadcast&data=%7B%22Method%22%3A%22PURGE%22%2C%22Host%22%3A%22127.0.0.1%22%2C%22Path%22%3A%22%2Fbench%2Fobject%22%2C%22RawQuery%22%3A%22x%3D1%22%2C%22Header%22%3A%7B%22User-Agent%22%3A%5B%22wrk%22%5D%2C%22X-Httpbroadcast-Guard%22%3A%5B%22http-broadcast%22%5D%7D%2C%22Body%22%3A%22%22%7D&private=on'
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
# Columns: bare POST to the hub; PURGE answered by varnishd without
# publishing (the client->varnishd hop alone); PURGE published through the
# VMOD; ratio VMOD/bare; and the VMOD's own cost per publish, i.e. what is
# left of the VMOD path's time per request after the two hops it is made of
# (one client: 1/vmod - 1/synth - 1/bare).
echo "hub: $hub"
printf '| clients | bare POST to hub (req/s) | PURGE, synth only (req/s) | PURGE via VMOD (req/s) | VMOD/bare | VMOD own cost (us/publish, 1 client) |'
[ -n "$basedir" ] && printf ' PURGE via baseline VMOD (req/s) | baseline/bare |'
printf '\n|---|---|---|---|---|---|'
[ -n "$basedir" ] && printf '%s' '---|---|'
printf '\n'
for c in 1 8; do
	t=$c; [ "$t" -gt 2 ] && t=2
	bare=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/post.lua" "http://127.0.0.1:$hub_port/.well-known/mercure")
	synth=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/purge.lua" "http://127.0.0.1:$v_port/synth")
	vmod=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/purge.lua" "http://127.0.0.1:$v_port/bench/object?x=1")
	ratio=$(python3 -c "print(f'{$vmod/$bare:.2f}')")
	own=$(python3 -c "print(f'{1e6*(1/$vmod-1/$synth-1/$bare):.1f}' if $c == 1 else '-')")
	printf '| %s | %s | %s | %s | %s | %s |' "$c" "$bare" "$synth" "$vmod" "$ratio" "$own"
	if [ -n "$basedir" ]; then
		base=$(rate -t"$t" -c"$c" -d"${dur}s" -s "$work/purge.lua" "http://127.0.0.1:$b_port/bench/object?x=1")
		printf ' %s | %s |' "$base" "$(python3 -c "print(f'{$base/$bare:.2f}')")"
	fi
	printf '\n'
done
varnishstat -n "$work/node" -1 -f 'BROADCAST.*' | awk '{print "# " $1 " " $2}'
