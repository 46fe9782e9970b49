#!/bin/bash
# Container entry point.
#
#   entrypoint.sh varnishd ARGS...        varnishd alone, in the foreground
#   entrypoint.sh http-broadcast ARGS...  the helper alone (a sidecar), as
#                                         the http-broadcast user
#   entrypoint.sh [VARNISHD ARGS...]      both: varnishd -F ARGS and the
#                                         helper; the container exits when
#                                         either dies, with its status
#
# SIGTERM and SIGINT go to both: varnishd stops, the helper drains its
# replays (SHUTDOWN_TIMEOUT) and saves its cursor.
set -u

helper() {
	if [ "$(id -u)" != 0 ]; then
		exec /usr/sbin/http-broadcast "$@"
	fi
	exec setpriv --reuid=http-broadcast --regid=http-broadcast \
	    --init-groups /usr/sbin/http-broadcast "$@"
}

case "${1:-}" in
varnishd)
	shift
	exec /usr/sbin/varnishd -F "$@"
	;;
http-broadcast)
	shift
	helper "$@"
	;;
esac

/usr/sbin/varnishd -F "$@" &
varnish_pid=$!
helper &
helper_pid=$!

stop() {
	kill -TERM "$varnish_pid" "$helper_pid" 2>/dev/null
}
trap stop TERM INT

# wait -n returns when one child exits, or when a trapped signal arrives.
while :; do
	wait -n "$varnish_pid" "$helper_pid"
	status=$?
	if ! kill -0 "$varnish_pid" 2>/dev/null; then
		echo "entrypoint: varnishd exited ($status)" >&2
		break
	fi
	if ! kill -0 "$helper_pid" 2>/dev/null; then
		echo "entrypoint: http-broadcast exited ($status)" >&2
		break
	fi
done
stop
wait
exit "$status"
