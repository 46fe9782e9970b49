#!/usr/bin/env python3
"""Fill a listener's room for waiting requests: N requests for
/events/ID?wait=WAIT, held open until the log shows each suspended, then
one more, which must be refused at once (503); then every one of the N must
be answered (code printed).  Prints "refused: CODE BODY" then "waited:
CODE xN" lines.

    waiters.py LOG N ID WAIT
"""
import collections
import os
import re
import socket
import sys
import time

log, n, eid, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
limit = time.time() + float(os.environ.get("E2E_TIMEOUT", "30"))


def text():
    with open(log) as f:
        return f.read()


port = re.search(r"status listener on port (\d+)", text()).group(1)
req = ("GET /events/%s?wait=%s HTTP/1.1\r\nHost: x\r\nConnection: close"
       "\r\n\r\n" % (eid, wait)).encode()
before = text().count("/events/%s waits up to" % eid)
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    s.sendall(req)
    socks.append(s)
while text().count("/events/%s waits up to" % eid) < before + n:
    if time.time() > limit:
        sys.exit("waiters.py: the requests were not all suspended")
    time.sleep(0.05)


def answer(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split()[1].decode(), body.decode()


extra = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
extra.sendall(req)
code, body = answer(extra)
print("refused:", code, body)
codes = collections.Counter(answer(s)[0] for s in socks)
for code, count in sorted(codes.items()):
    print("waited: %s x%d" % (code, count))
