#!/bin/sh
# Small waits and counts for the end-to-end .vtc files (hub + varnishd +
# helpers).  Every wait is bounded (default 30 s) and fails loudly.
#
#   e2e.sh wait-file FILE                  until FILE exists and is not empty
#   e2e.sh wait-grep FILE REGEX            until a line of FILE matches REGEX
#   e2e.sh wait-count FILE REGEX N         until N lines of FILE match REGEX
#   e2e.sh hub-url PORTFILE                http://127.0.0.1:PORT/.well-known/mercure
#   e2e.sh wait-subscribers HUBLOG N       until N subscribers are connected
#   e2e.sh wait-publishes HUBLOG N         until the hub accepted N publishes
#   e2e.sh publishes HUBLOG                how many publishes the hub accepted
#   e2e.sh wait-stat VARNISHNAME FIELD N   until varnishstat FIELD >= N
#   e2e.sh wait-private PID KB             until process PID's Private_Dirty
#                                          (smaps_rollup) is under KB kB
set -eu
limit=${E2E_TIMEOUT:-30}

waitfor() { # description command...
	what=$1; shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		if [ "$i" -ge $((limit * 20)) ]; then
			echo "e2e: timed out after ${limit}s waiting for $what" >&2
			return 1
		fi
		sleep 0.05
	done
}

count() { # file regex
	if [ -f "$1" ]; then grep -c -e "$2" "$1" || true; else echo 0; fi
}

atleast() { # file regex n: at least n lines of file match regex
	[ "$(count "$1" "$2")" -ge "$3" ]
}

private_under() { # pid kb: the process's dirty private memory is under kb
	[ "$(awk '/^Private_Dirty:/ {print $2}' "/proc/$1/smaps_rollup")" -lt "$2" ]
}

subscribers() { # hublog n: at least n subscribers connected
	[ $(($(count "$1" '^subscribed ') - $(count "$1" '^unsubscribed '))) \
	    -ge "$2" ]
}


case "$1" in
wait-file)
	waitfor "$2" test -s "$2" ;;
wait-grep)
	waitfor "'$3' in $2" grep -q -e "$3" "$2" ;;
wait-count)
	waitfor "$4 lines '$3' in $2" atleast "$2" "$3" "$4" ;;
hub-url)
	echo "http://127.0.0.1:$(cat "$2")/.well-known/mercure" ;;
wait-subscribers)
	waitfor "$3 subscribers in $2" subscribers "$2" "$3" ;;
wait-publishes)
	waitfor "$3 publishes in $2" atleast "$2" '^published ' "$3" ;;
publishes)
	count "$2" '^published ' ;;
wait-stat)
	waitfor "$3 >= $4 on $2" sh -c "[ \$(varnishstat -n '$2' -1 -f '$3' | awk '{print \$2}') -ge $4 ]" ;;
wait-private)
	if ! waitfor "Private_Dirty of $2 under $3 kB" private_under "$2" "$3"; then
		grep '^Private_Dirty:' "/proc/$2/smaps_rollup" >&2
		exit 1
	fi ;;
*)
	echo "e2e.sh: unknown command $1" >&2; exit 2 ;;
esac
