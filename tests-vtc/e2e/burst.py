#!/usr/bin/env python3
"""Send COUNT PURGE requests with distinct URLs (PREFIX0, PREFIX1, ...) to a
node over one keep-alive connection.  Without --accepted, exit 1 unless
every one was accepted (202).  With --accepted FILE, requests the node
refused (the hub was down: 503) are allowed; the URLs it accepted are
written to FILE, one per line, for a later comparison with what every node
applied.

    burst.py HOST:PORT COUNT [PREFIX] [--accepted FILE] [--pad BYTES]

--pad adds an X-Pad header of that many bytes to each request (it travels
in the event), to make the events as big as a real header set can.
"""
import argparse
import http.client
import sys

ap = argparse.ArgumentParser()
ap.add_argument("node")
ap.add_argument("count", type=int)
ap.add_argument("prefix", nargs="?", default="/burst/")
ap.add_argument("--accepted")
ap.add_argument("--pad", type=int, default=0)
args = ap.parse_args()

host, port = args.node.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=30)
accepted = []
refused = 0
for i in range(args.count):
    url = "%s%d" % (args.prefix, i)
    try:
        headers = {"Host": "www.example.com"}
        if args.pad:
            headers["X-Pad"] = "p" * args.pad
        conn.request("PURGE", url, headers=headers)
        r = conn.getresponse()
        r.read()
        status, reason = r.status, r.reason
    except OSError as err:
        conn.close()
        status, reason = 0, str(err)
    if status == 202:
        accepted.append(url)
    else:
        refused += 1
        if not args.accepted:
            print("PURGE %s: %d %s" % (url, status, reason), file=sys.stderr)
if args.accepted:
    with open(args.accepted, "w") as f:
        f.write("".join(u + "\n" for u in accepted))
print("sent=%d accepted=%d refused=%d" % (args.count, len(accepted), refused))
sys.exit(1 if refused and not args.accepted else 0)
