#!/usr/bin/env python3
"""A stranger pod, for k8s_stranger.vtc: from address SRC (127.0.0.2, the
"pod network" of the test) it floods the helper's two listeners as the
issue's attacker did, and holds what it got until STOP exists (at most
E2E_TIMEOUT seconds, default 30):

  - SERVER_N connections to the server mode, half of them trickling one
    header line every second, half sending a PURGE that announces a 60 kB
    body and sends all of it but the last byte;
  - STATUS_N connections to the status listener, each trickling a
    request one byte a second.

Once every connection was tried, it writes to STATUS "ready" and how many
of each are still open ("server=K status=K"), and again every second.

    stranger.py SRC SERVER_PORT SERVER_N STATUS_PORT STATUS_N STATUS STOP
"""
import os
import socket
import sys
import time

src, sport, sn, tport, tn, status, stop = sys.argv[1:8]
sport, sn, tport, tn = int(sport), int(sn), int(tport), int(tn)
limit = time.time() + float(os.environ.get("E2E_TIMEOUT", "30"))
BODY = 60000


def write(text):
    with open(status + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(status + ".tmp", status)


def connect(port, first):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                     source_address=(src, 0))
        s.sendall(first)
        s.setblocking(False)
        return s
    except OSError:
        return None


def alive(s):
    """Still open: the peer has neither closed nor reset it."""
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


server, stat = [], []
for i in range(sn):
    if i % 2:
        first = (b"PURGE /held HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                 b"\r\n" % BODY) + b"x" * (BODY - 1)
    else:
        first = b"PURGE /trickle HTTP/1.1\r\n"
    s = connect(sport, first)
    if s is not None:
        server.append((s, i % 2 == 0))
for i in range(tn):
    s = connect(tport, b"G")
    if s is not None:
        stat.append(s)

n = 0
while not os.path.exists(stop) and time.time() < limit:
    server = [(s, t) for s, t in server if alive(s)]
    stat = [s for s in stat if alive(s)]
    write("ready server=%d status=%d" % (len(server), len(stat)))
    n += 1
    for s, trickle in server:
        if trickle:
            try:
                s.send(b"X-Trickle-%d: 1\r\n" % n)
            except OSError:
                pass
    for s in stat:
        try:
            s.send(b"E")
        except OSError:
            pass
    time.sleep(1)
for s, _ in server:
    s.close()
for s in stat:
    s.close()
