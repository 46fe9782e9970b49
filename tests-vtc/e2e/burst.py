#!/usr/bin/env python3
"""Send COUNT PURGE requests with distinct URLs (/burst/0 ...) to a node
over one keep-alive connection; exit 1 unless every one was accepted (202).

    burst.py HOST:PORT COUNT [PREFIX]
"""
import http.client
import sys

host, port = sys.argv[1].rsplit(":", 1)
count = int(sys.argv[2])
prefix = sys.argv[3] if len(sys.argv) > 3 else "/burst/"
conn = http.client.HTTPConnection(host, int(port), timeout=30)
refused = 0
for i in range(count):
    conn.request("PURGE", "%s%d" % (prefix, i), headers={"Host": "www.example.com"})
    r = conn.getresponse()
    r.read()
    if r.status != 202:
        refused += 1
        print("PURGE %s%d: %d %s" % (prefix, i, r.status, r.reason), file=sys.stderr)
print("sent=%d refused=%d" % (count, refused))
sys.exit(1 if refused else 0)
