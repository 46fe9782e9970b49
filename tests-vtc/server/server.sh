#!/bin/sh
# Waits and requests for the server mode's tests (helper_server_*.vtc,
# e2e_server_*.vtc).  Every wait is bounded (30 s) and fails loudly.
#
#   server.sh port LOG          wait for "server mode on port N" in LOG, print N
#   server.sh metric LOG NAME   the value of http_broadcast_NAME on the
#                               status listener whose port LOG names
set -eu

waitlog() { # log regex
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge 600 ]; then
			echo "server.sh: timed out waiting for \"$2\" in $1" >&2
			return 1
		fi
		sleep 0.05
	done
}

case "$1" in
port)
	waitlog "$2" "server mode on port [0-9]"
	sed -n 's/.*server mode on port \([0-9]*\).*/\1/p' "$2" | head -1 ;;
metric)
	waitlog "$2" "status listener on port [0-9]"
	p=$(sed -n 's/.*status listener on port \([0-9]*\).*/\1/p' "$2" | head -1)
	curl -s "http://127.0.0.1:$p/metrics" |
	    awk -v m="http_broadcast_$3" '$1 == m { print $2 }' ;;
*)
	echo "server.sh: unknown command $1" >&2; exit 2 ;;
esac
