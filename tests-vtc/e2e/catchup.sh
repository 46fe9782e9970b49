#!/bin/sh
# The catch-up scenario of e2e_catchup_*.vtc and e2e_slow_varnish.vtc.
#
#   catchup.sh TMPDIR HUBPORTFILE VARNISH_SOCK VARNISH_NAME COUNT [live]
#
# Default: a helper with a cursor is stopped, COUNT PURGEs are published
# through the node, the helper restarts and must apply every one of them
# (through however many pages the hub hands out), then 10 live PURGEs too.
# "live": the helper stays subscribed while the COUNT PURGEs are published.
# BURST_PAD=N pads each of the COUNT requests with an N-byte header;
# BURST_CLIENTS=N publishes them over N connections at once.
# Prints the verdicts of e2e/lost; the helper's log is TMPDIR/helper.log.
set -eu
here=$(dirname "$0")
tmp=$1 portfile=$2 sock=$3 name=$4 count=$5 mode=${6:-catchup}
e2e=$here/e2e.sh
hub=$("$e2e" hub-url "$portfile")

start_helper() {
	HUB_ENDPOINT=$hub HUB_JWT_KEY=e2e-key AGENT_ENDPOINT=http://$sock \
	    STATE_FILE=$tmp/h1.cursor http-broadcast 2>>"$tmp/helper.log" &
	pid=$!
	"$e2e" wait-subscribers "$tmp/hub.log" 1
}
stop_helper() {
	kill -TERM "$pid"
	wait "$pid"
}

# The COUNT PURGEs, over BURST_CLIENTS connections at once.
publish() {
	clients=${BURST_CLIENTS:-1} bursts=
	for c in $(seq "$clients"); do
		python3 "$here/burst.py" "$sock" $((count / clients)) "/k/$c-" \
		    --accepted "$tmp/accepted.$c" --pad "${BURST_PAD:-0}" &
		bursts="$bursts $!"
	done
	# (not a bare wait: the helper may run in the background too)
	wait $bursts
	cat "$tmp"/accepted.* >"$tmp/accepted"
}

start_helper
if [ "$mode" = catchup ]; then
	# A first event gives the helper a cursor to resume from.
	python3 "$here/burst.py" "$sock" 1 /first/
	"$here/../lib/wait.sh" wait_for_stat "$name" MAIN.n_purges 1
	"$here/../lib/wait.sh" wait_for_file "$tmp/h1.cursor"
	stop_helper
	publish
	echo "published $(wc -l <"$tmp/accepted") while the helper was stopped"
	start_helper
else
	publish
	echo "published $(wc -l <"$tmp/accepted") while the helper was subscribed"
fi
E2E_TIMEOUT=${E2E_TIMEOUT:-60} "$here/lost" "$tmp/accepted" "$name" /k/
# Live events still flow afterwards.
python3 "$here/burst.py" "$sock" 10 /live/ --accepted "$tmp/live"
"$here/lost" "$tmp/live" "$name" /live/
stop_helper
