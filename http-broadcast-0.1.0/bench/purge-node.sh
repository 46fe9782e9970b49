# Sourced by bench/replay.sh and bench/callgrind.sh: a scratch directory
# ($work, removed at exit) and a local varnishd on $v_port (instance name
# $work/node) that applies PURGE requests carrying the guard header, the
# way a node's VCL applies the helper's replays.
top=$(cd "$(dirname "$0")/.." && pwd)
helper=${HELPER:-$top/helper/http-broadcast}
[ -x "$helper" ] || { echo "bench: build first (make)" >&2; exit 1; }
work=$(mktemp -d /tmp/hb-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${BENCH_KEEP:-}" ] && echo "bench: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

v_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/node.vcl" <<'VCL'
vcl 4.1;
backend none none;
sub vcl_recv {
	if (req.method == "PURGE" &&
	    req.http.X-HttpBroadcast-Guard == "http-broadcast") {
		return (purge);
	}
	return (synth(403));
}
VCL
varnishd -F -j none -n "$work/node" -a "127.0.0.1:$v_port" -f "$work/node.vcl" \
    -s malloc,64m -p thread_pool_min=50 >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$v_port/" && break
	sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X PURGE -H 'X-HttpBroadcast-Guard: http-broadcast' \
    "http://127.0.0.1:$v_port/bench/0")
[ "$code" = 200 ] || { echo "bench: varnishd answered $code to a PURGE" >&2; cat "$work/node.log" >&2; exit 1; }

# One burst of $1 events through a fresh helper (extra sse-burst.py
# options after it); prints its JSON result line.
burst() {
	local n=$1; shift
	python3 "$top/bench/sse-burst.py" --events "$n" \
	    --varnish-name "$work/node" --agent "http://127.0.0.1:$v_port" \
	    --helper "${HELPER_BIN:-$helper}" --workdir "$work" "$@"
}
