#!/usr/bin/env python3
"""Measure PURGE propagation across a running fleet (tools/fleet.sh up).

One iteration: every node caches the object (a GET that is a hit on each);
one PURGE goes to the first node; then every node is polled with GETs on a
keep-alive connection until it answers a miss (X-Varnish with one id).  The
time from sending the PURGE to that miss is the node's propagation time.

    tools/propagation.py --nodes 6081,6082,6083 [--iterations 100]
"""

import argparse
import http.client
import statistics
import sys
import time


# Every node of a fleet serves the same site: the object's hash (URL and
# Host) is the same on each, whatever the node's own address.
HOST = {"Host": "www.example.com"}


def get(conn, path):
    conn.request("GET", path, headers=HOST)
    r = conn.getresponse()
    r.read()
    # X-Vinyl from Vinyl Cache 9.0
    return r.status, r.getheader("X-Varnish") or r.getheader("X-Vinyl", "")


def is_hit(xvarnish):
    return len(xvarnish.split()) == 2


def warm(conns, path):
    for port, c in conns.items():
        for _ in range(50):
            status, xv = get(c, path)
            if status != 200:
                raise SystemExit(f"node :{port} answered {status} for {path}")
            if is_hit(xv):
                break
        else:
            raise SystemExit(f"node :{port} does not cache {path}")


def one_round(conns, ports, path, timeout):
    warm(conns, path)
    purge = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=10)
    t0 = time.monotonic()
    purge.request("PURGE", path, headers=HOST)
    r = purge.getresponse()
    r.read()
    purge.close()
    if r.status != 202:
        raise SystemExit(f"PURGE answered {r.status} {r.reason}")
    pending = set(ports)
    times = {}
    while pending and time.monotonic() - t0 < timeout:
        for port in list(pending):
            _, xv = get(conns[port], path)
            if not is_hit(xv):
                times[port] = time.monotonic() - t0
                pending.discard(port)
    return times, r.reason


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", required=True, help="comma separated node ports")
    ap.add_argument("--path", default="/demo.html")
    ap.add_argument("--iterations", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for one PURGE to reach every node")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    ports = [int(p) for p in args.nodes.split(",")]
    conns = {p: http.client.HTTPConnection("127.0.0.1", p, timeout=10) for p in ports}
    alls = []
    missed = 0
    for it in range(args.iterations):
        times, reason = one_round(conns, ports, args.path, args.timeout)
        if not args.quiet:
            print(f"PURGE {args.path} sent to node :{ports[0]} -> {reason}")
            for p in ports:
                if p in times:
                    print(f"  node :{p}  purged after {times[p] * 1e3:8.1f} ms")
                else:
                    print(f"  node :{p}  NOT purged after {args.timeout:.0f} s")
        if len(times) < len(ports):
            missed += 1
        else:
            alls.append(max(times.values()))
    if args.iterations > 1 and alls:
        alls.sort()
        p99 = alls[min(len(alls) - 1, int(round(0.99 * len(alls))) - 1)]
        print(f"iterations={args.iterations} nodes={len(ports)} "
              f"all-nodes propagation: median={statistics.median(alls) * 1e3:.1f} ms "
              f"p99={p99 * 1e3:.1f} ms worst={alls[-1] * 1e3:.1f} ms "
              f"incomplete={missed}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
