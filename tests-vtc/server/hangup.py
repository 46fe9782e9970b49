"""Clients that hang up half-way through their request: open N
connections to 127.0.0.1:PORT, send on each the first bytes of a request
and end the sending side at once (the request bytes and the FIN travel
together), then wait until the server has closed each one.  Prints
"closed N of N"; a connection the server keeps open past WAIT seconds
(default 20) counts as not closed.

    hangup.py PORT N [WAIT]
"""
import select
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0

socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PURGE /gone/%d HTTP/1.1\r\nHost: a\r\nX-Half: " % i)
    s.shutdown(socket.SHUT_WR)
    s.setblocking(False)
    socks.append(s)

closed = 0
end = time.monotonic() + wait
while socks and time.monotonic() < end:
    ready, _, _ = select.select(socks, [], [], 0.5)
    for s in ready:
        try:
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if data:
            continue        # an answer: the end comes after it
        socks.remove(s)
        s.close()
        closed += 1
print("closed %d of %d" % (closed, n))
