#!/bin/sh
# The tests' waits: each polls every 50 ms for the evidence it names, gives
# up after E2E_TIMEOUT seconds (default 30), then says on stderr what it
# waited for and exits 1.  It exits rather than returns so that a timeout
# ends a varnishtest shell block even without "set -e" (7.1 runs the blocks
# without it).
#
# Sourced in a shell block or a script:
#     . ${testdir}/lib/wait.sh; wait_for_file_line ${p1_err} "subscribed to"
# or run as a command (in a process block, or for a single wait):
#     ${testdir}/lib/wait.sh wait_for_file_line ${p1_err} "subscribed to"
#
#   wait_until CMD [ARG...]            CMD succeeds
#   wait_for_file FILE                 FILE exists and is not empty
#   wait_for_file_line FILE REGEX      a line of FILE matches REGEX
#   wait_for_file_lines FILE REGEX N   at least N lines of FILE match REGEX
#   wait_for_newer FILE MARK           FILE was modified after MARK
#   wait_for_url URL [CURL_ARG...]     URL answers 2xx
#   wait_for_metric LOG LINE           the /metrics of the status listener
#                                      whose port the helper's LOG names has
#                                      the line LINE
#   wait_for_stat VARNISH FIELD N      varnishstat FIELD of VARNISH >= N
#   wait_for_private PID KB            process PID's dirty private memory
#                                      (smaps_rollup) is under KB kB
#
#   lines_matching FILE REGEX          how many lines of FILE match (0 when
#                                      FILE is missing)
#   status_port LOG                    the status listener's port in LOG

# wait_poll WHAT CMD [ARG...]: the one loop of every wait.
wait_poll() {
	local what tries
	what=$1
	shift
	tries=$(( ${E2E_TIMEOUT:-30} * 20 ))
	while ! "$@"; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			echo "wait: timed out after ${E2E_TIMEOUT:-30}s waiting for $what" >&2
			exit 1
		fi
		sleep 0.05
	done
}

lines_matching() {
	if [ -f "$1" ]; then grep -c -e "$2" "$1" || true; else echo 0; fi
}

wait_until() {
	wait_poll "[$*] to succeed" "$@"
}

wait_for_file() {
	wait_poll "$1 to exist and not be empty" test -s "$1"
}

wait_has_line() { # file regex (the file may not exist yet)
	grep -q -e "$2" "$1" 2>/dev/null
}

wait_for_file_line() {
	wait_poll "a line matching '$2' in $1" wait_has_line "$1" "$2"
}

wait_has_lines() { # file regex n
	[ "$(lines_matching "$1" "$2")" -ge "$3" ]
}

wait_for_file_lines() {
	wait_poll "$3 lines matching '$2' in $1" wait_has_lines "$1" "$2" "$3"
}

wait_for_newer() {
	wait_poll "$1 to be newer than $2" test "$1" -nt "$2"
}

wait_for_url() {
	local url
	url=$1
	shift
	wait_poll "$url to answer 2xx" curl -sf -o /dev/null "$@" "$url"
}

status_port() {
	wait_for_file_line "$1" "status listener on port [0-9]"
	sed -n 's/.*status listener on port \([0-9]*\).*/\1/p' "$1" | head -n 1
}

wait_has_metric() { # port line
	curl -s "http://127.0.0.1:$1/metrics" | grep -qx -e "$2"
}

wait_for_metric() {
	local port
	port=$(status_port "$1") || exit 1
	wait_poll "'$2' in the metrics of port $port ($1)" \
	    wait_has_metric "$port" "$2"
}

wait_has_stat() { # varnish field n
	local n
	n=$(varnishstat -n "$1" -1 -f "$2" 2>/dev/null | awk '{print $2}')
	[ "${n:-0}" -ge "$3" ]
}

wait_for_stat() {
	wait_poll "$2 >= $3 on $1" wait_has_stat "$1" "$2" "$3"
}

wait_has_private_under() { # pid kb
	[ "$(awk '/^Private_Dirty:/ {print $2}' "/proc/$1/smaps_rollup")" -lt "$2" ]
}

wait_for_private() {
	if ! (wait_poll "Private_Dirty of $1 under $2 kB" \
	    wait_has_private_under "$1" "$2"); then
		grep '^Private_Dirty:' "/proc/$1/smaps_rollup" >&2
		exit 1
	fi
}

# Run as a command: the wait named by the arguments.
case ${0##*/} in
wait.sh)
	set -eu
	case ${1-} in
	wait_until | wait_for_* | lines_matching | status_port) "$@" ;;
	*) echo "wait.sh: unknown wait ${1-}" >&2; exit 2 ;;
	esac
	;;
esac
