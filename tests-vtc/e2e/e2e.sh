#!/bin/sh
# The hub's side of the end-to-end .vtc files (hub + varnishd + helpers),
# on the waits of lib/wait.sh (bounded by E2E_TIMEOUT, default 30 s).
#
#   e2e.sh hub-url PORTFILE                http://127.0.0.1:PORT/.well-known/mercure
#   e2e.sh wait-subscribers HUBLOG N       until N subscribers are connected
#   e2e.sh wait-publishes HUBLOG N         until the hub accepted N publishes
#   e2e.sh publishes HUBLOG                how many publishes the hub accepted
set -eu
. "$(dirname "$0")/../lib/wait.sh"

subscribers() { # hublog n: at least n subscribers connected
	[ $(($(lines_matching "$1" '^subscribed ') - \
	    $(lines_matching "$1" '^unsubscribed '))) -ge "$2" ]
}

case "$1" in
hub-url)
	echo "http://127.0.0.1:$(cat "$2")/.well-known/mercure" ;;
wait-subscribers)
	wait_poll "$3 subscribers in $2" subscribers "$2" "$3" ;;
wait-publishes)
	wait_for_file_lines "$2" '^published ' "$3" ;;
publishes)
	lines_matching "$2" '^published ' ;;
*)
	echo "e2e.sh: unknown command $1" >&2; exit 2 ;;
esac
