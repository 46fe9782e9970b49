#!/bin/sh
# Requests for the server mode's tests (helper_server_*.vtc,
# e2e_server_*.vtc), on the waits of lib/wait.sh.
#
#   server.sh port LOG          wait for "server mode on port N" in LOG, print N
#   server.sh metric LOG NAME   the value of http_broadcast_NAME on the
#                               status listener whose port LOG names
set -eu
. "$(dirname "$0")/../lib/wait.sh"

case "$1" in
port)
	wait_for_file_line "$2" "server mode on port [0-9]"
	sed -n 's/.*server mode on port \([0-9]*\).*/\1/p' "$2" | head -1 ;;
metric)
	p=$(status_port "$2")
	curl -s "http://127.0.0.1:$p/metrics" |
	    awk -v m="http_broadcast_$3" '$1 == m { print $2 }' ;;
*)
	echo "server.sh: unknown command $1" >&2; exit 2 ;;
esac
