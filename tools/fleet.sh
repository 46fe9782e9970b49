#!/usr/bin/env bash
# A local fleet on 127.0.0.1, from the build tree: one development hub, N
# varnishd nodes running vcl-examples/purge-wait.vcl (purge-ban.vcl with
# FLEET_REPORTS=0) with the broadcast VMOD, one http-broadcast helper beside
# each, and one origin web server; with reports (the default), a second
# development hub without history for the helpers' reports, each helper
# listening to them (docs/reports.md).
# Used by the demo (demo.sh) and the propagation benchmark.
#
#   tools/fleet.sh up [N]     start (N = 3 by default)
#   tools/fleet.sh down       stop everything
#   tools/fleet.sh status     what runs, where the logs are
#
# Environment (defaults): FLEET_DIR (/tmp/http-broadcast-demo),
# FLEET_HUB_PORT (3000), FLEET_NODE_PORT (6081: nodes use 6081, 6082, ...),
# FLEET_STATUS_PORT (6901: helpers' /healthz and /metrics),
# FLEET_ORIGIN_PORT (8080), FLEET_JWT_KEY (a demo key), FLEET_REPORTS (1),
# FLEET_REPORT_HUB_PORT (3001).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${FLEET_DIR:-/tmp/http-broadcast-demo}
hub_port=${FLEET_HUB_PORT:-3000}
node_port=${FLEET_NODE_PORT:-6081}
status_port=${FLEET_STATUS_PORT:-6901}
origin_port=${FLEET_ORIGIN_PORT:-8080}
jwt_key=${FLEET_JWT_KEY:-!ChangeThisMercureHubJWTSecretKey!}
reports=${FLEET_REPORTS:-1}
report_port=${FLEET_REPORT_HUB_PORT:-3001}
vmoddir=$(pkg-config --variable=vmoddir varnishapi)
helper="$top/helper/http-broadcast"

die() { echo "fleet: $*" >&2; exit 1; }

port_free() {
	python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

wait_http() { # url what
	for _ in $(seq 200); do
		if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
		sleep 0.05
	done
	die "$2 did not come up ($1); see $dir/*.log"
}

bg() { # name command... : run in the background, remember the pid
	local name=$1; shift
	"$@" >>"$dir/$name.log" 2>&1 &
	echo "$! $name" >>"$dir/pids"
}

up() {
	local n=${1:-3} i
	[ -x "$helper" ] && [ -f "$top/vmod/.libs/libvmod_broadcast.so" ] ||
	    die "build the tree first (./autogen.sh && ./configure && make)"
	[ ! -s "$dir/pids" ] || die "a fleet already runs in $dir (tools/fleet.sh down)"
	for p in "$hub_port" "$origin_port" $([ "$reports" = 0 ] || echo "$report_port") \
	    $(seq "$node_port" $((node_port + n - 1))) \
	    $(seq "$status_port" $((status_port + n - 1))); do
		port_free "$p" || die "port $p on 127.0.0.1 is busy (see the FLEET_* variables)"
	done
	mkdir -p "$dir/www"
	: >"$dir/pids"
	echo "<h1>http-broadcast demo object</h1>" >"$dir/www/demo.html"

	bg origin python3 -m http.server --bind 127.0.0.1 --directory "$dir/www" "$origin_port"
	bg hub python3 "$top/tests-vtc/hub/devhub.py" --listen "127.0.0.1:$hub_port" \
	    --jwt-key "$jwt_key" --history-size 100000 \
	    --history-file "$dir/hub-history.jsonl"
	if [ "$reports" != 0 ]; then
		bg reporthub python3 "$top/tests-vtc/hub/devhub.py" \
		    --listen "127.0.0.1:$report_port" --jwt-key "$jwt_key" \
		    --history-size 0
	fi
	wait_http "http://127.0.0.1:$origin_port/demo.html" "the origin server"
	wait_http "http://127.0.0.1:$hub_port/healthz" "the hub"
	[ "$reports" = 0 ] ||
	    wait_http "http://127.0.0.1:$report_port/healthz" "the report hub"

	for i in $(seq "$n"); do
		# Each node asks its own helper (purge-wait.vcl).
		"$top/tools/render-vcl" "$top/vcl-examples/$([ "$reports" = 0 ] &&
		    echo purge-ban || echo purge-wait).vcl" "127.0.0.1:$hub_port" \
		    "$origin_port" "$jwt_key" $((status_port + i - 1)) \
		    >"$dir/node$i.vcl"
	done
	for i in $(seq "$n"); do
		mkdir -p "$dir/node$i"
		# The wrapper drops the privilege jail only when the vcache
		# user cannot read the build tree.
		HB_REAL_VARNISHD=$(command -v varnishd || echo /usr/sbin/varnishd) \
		HB_VMOD_SO="$top/vmod/.libs/libvmod_broadcast.so" \
		bg "node$i" "$top/tests-vtc/wrap/varnishd" -F -n "$dir/node$i" \
		    -a "127.0.0.1:$((node_port + i - 1))" -f "$dir/node$i.vcl" \
		    -p vmod_path="$top/vmod/.libs:$vmoddir" -s malloc,64m
	done
	# Reports: a heartbeat every 5 s, so that a listener knows the whole
	# fleet (Settled) 6 s after it started.
	report_env=(REPORT_LISTEN=0)
	[ "$reports" = 0 ] || report_env=(REPORT_LISTEN=1 REPORT_IDLE_INTERVAL=5s
	    REPORT_HUB_ENDPOINT="http://127.0.0.1:$report_port/.well-known/mercure")
	for i in $(seq "$n"); do
		wait_http "http://127.0.0.1:$((node_port + i - 1))/" "varnishd node$i"
		HUB_ENDPOINT="http://127.0.0.1:$hub_port/.well-known/mercure" \
		HUB_JWT_KEY="$jwt_key" \
		AGENT_ENDPOINT="http://127.0.0.1:$((node_port + i - 1))" \
		STATE_FILE="$dir/helper$i.cursor" \
		STATUS_ADDR="127.0.0.1:$((status_port + i - 1))" \
		bg "helper$i" env "${report_env[@]}" NODE_NAME="node$i" "$helper"
	done
	for i in $(seq "$n"); do
		for _ in $(seq 200); do
			[ "$(curl -s -o /dev/null -w '%{http_code}' \
			    "http://127.0.0.1:$((status_port + i - 1))/healthz")" = 200 ] && break
			sleep 0.05
		done
		[ "$(curl -s -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$((status_port + i - 1))/healthz")" = 200 ] ||
		    die "helper$i is not subscribed; see $dir/helper$i.log"
	done
	echo "$n" >"$dir/size"
}

down() {
	[ -f "$dir/pids" ] || return 0
	while read -r pid name; do
		kill "$pid" 2>/dev/null && echo "stopped $name"
	done <"$dir/pids"
	# varnishd -F exits on SIGTERM; give everyone a moment.
	sleep 0.5
	rm -f "$dir/pids"
}

status() {
	[ -s "$dir/pids" ] || { echo "no fleet in $dir"; return 0; }
	local n i
	n=$(cat "$dir/size")
	echo "hub:      http://127.0.0.1:$hub_port/.well-known/mercure   (log $dir/hub.log)"
	[ ! -f "$dir/reporthub.log" ] ||
	    echo "reports:  http://127.0.0.1:$report_port/.well-known/mercure   (log $dir/reporthub.log)"
	echo "origin:   http://127.0.0.1:$origin_port/demo.html"
	for i in $(seq "$n"); do
		echo "node$i:    http://127.0.0.1:$((node_port + i - 1))/   varnishd -n $dir/node$i (log $dir/node$i.log)"
		echo "helper$i:  http://127.0.0.1:$((status_port + i - 1))/metrics   (log $dir/helper$i.log, cursor $dir/helper$i.cursor)"
	done
}

case "${1:-}" in
up) shift; up "$@" ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up [N] | down | status" >&2; exit 2 ;;
esac
