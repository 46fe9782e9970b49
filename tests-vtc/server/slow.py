"""Slow clients for the server mode: open N connections to 127.0.0.1:PORT
and send a request on each one byte at a time, every INTERVAL seconds,
never finishing it, from the address SOURCE when given (127.0.0.2:
another client of the loopback).  Once all are open and have sent their first bytes,
write "ready" to STATUS; then, at every round, the number of connections
the server has not closed.  Runs until killed.

    slow.py PORT N STATUS [INTERVAL [SOURCE]]
"""
import os
import socket
import sys
import time

port, n, status = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
source = (sys.argv[5], 0) if len(sys.argv) > 5 else None


def write(text):
    with open(status + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(status + ".tmp", status)


socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=source)
    s.setblocking(False)
    try:
        s.send(b"PURGE /slow/%d HTTP/1.1\r\nHost: a\r\nX-Slow: " % i)
    except OSError:
        pass    # closed at once: counted at the first round
    socks.append(s)
write("ready")
while True:
    time.sleep(interval)
    open_ = 0
    for s in socks:
        if s.fileno() < 0:
            continue
        try:
            data = s.recv(1, socket.MSG_PEEK)
            if data == b"":
                s.close()
                continue
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        try:
            s.send(b"x")
            open_ += 1
        except OSError:
            s.close()
    write(str(open_))
