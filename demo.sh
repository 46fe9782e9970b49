#!/usr/bin/env bash
# One-command demo on a fresh Debian 12 machine: installs what is missing,
# builds the tree, starts a local fleet on 127.0.0.1 (development hub, three
# varnishd with the broadcast VMOD, three http-broadcast helpers, an origin
# server, a second hub for the helpers' reports), caches an object on every
# node, sends ONE PURGE to node 1 and shows, per node, whether the object
# was purged and how long it took.
#
#   ./demo.sh          run, then leave the fleet running
#   ./demo.sh --stop   run, then stop the fleet
#   ./demo.sh down     stop a fleet left running
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
stop=0
case "${1:-}" in
--stop) stop=1 ;;
down) exec tools/fleet.sh down ;;
"") ;;
*) echo "usage: $0 [--stop] | down" >&2; exit 2 ;;
esac

missing=$(for p in $(grep -v '^#' .ci/deps); do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
done)
if [ -n "$missing" ]; then
	echo "== installing: $(echo $missing)"
	sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# nghttp2-proxy is a test dependency (the HTTP/2 front of the TLS
	# tests); its package starts a system nghttpx on 127.0.0.1:3000, the
	# demo hub's port.  The tests start their own: stop the one we just
	# installed.
	case " $(echo $missing) " in
	*" nghttp2-proxy "*)
		if [ -d /run/systemd/system ]; then
			$sudo systemctl disable --now nghttpx.service >/dev/null 2>&1 || true
		elif [ -x /etc/init.d/nghttpx ]; then
			# no systemd (a container): the init script started it
			$sudo /etc/init.d/nghttpx stop >/dev/null 2>&1 || true
			$sudo update-rc.d nghttpx disable >/dev/null 2>&1 || true
		fi ;;
	esac
fi

echo "== building"
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure PYTHON=/usr/bin/python3 >/dev/null
make -s -j"$(nproc)" >/dev/null

export FLEET_DIR=${FLEET_DIR:-/tmp/http-broadcast-demo}
node_port=${FLEET_NODE_PORT:-6081}
tools/fleet.sh down >/dev/null
echo "== starting the fleet in $FLEET_DIR"
tools/fleet.sh up 3
if [ "$stop" = 1 ]; then trap 'tools/fleet.sh down >/dev/null' EXIT; fi

echo "== caching /demo.html on every node, then one PURGE to node 1"
python3 tools/propagation.py --nodes "$node_port,$((node_port + 1)),$((node_port + 2))"

if [ "$stop" = 1 ]; then
	echo "== stopping the fleet"
	exit 0
fi
cat <<MSG

== the fleet keeps running
$(tools/fleet.sh status)

Try it:
  curl -s -H 'Host: www.example.com' http://127.0.0.1:$((node_port + 1))/demo.html -o /dev/null -D - | grep -E 'X-(Varnish|Vinyl)'
  curl -X PURGE -H 'Host: www.example.com' http://127.0.0.1:$node_port/demo.html
  curl -X BAN   -H 'Host: www.example.com' http://127.0.0.1:$((node_port + 2))/'^/demo'
(a hit shows two ids in X-Varnish, X-Vinyl on Vinyl Cache; all nodes serve one site, www.example.com)
Which nodes applied it, in the same request (vcl-examples/purge-wait.vcl):
  curl -X PURGE -H 'Host: www.example.com' -H 'X-Broadcast-Wait: 5s' http://127.0.0.1:$node_port/demo.html
  helper/http-broadcast watch --status-addr 127.0.0.1:${FLEET_STATUS_PORT:-6901}
  varnishlog -n $FLEET_DIR/node2 -g request -q 'ReqMethod ~ "PURGE|BAN"'
  curl -s http://127.0.0.1:${FLEET_STATUS_PORT:-6901}/metrics

Stop it:
  ./demo.sh down
MSG
