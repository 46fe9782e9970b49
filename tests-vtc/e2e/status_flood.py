#!/usr/bin/env python3
"""Hostile clients of a helper's status listener (the port its log names),
on 127.0.0.1 only, each wait bounded by E2E_TIMEOUT (default 30 s).

    status_flood.py gone LOG N ID
        N requests for /events/ID?wait=5m, held until the log shows each
        suspended, then all hung up at once.  Waits for the log to show
        the N departures ("not noticed: K of N" when it does not), then
        asks /events/ID?wait=200ms once more: "extra: CODE BODY".

    status_flood.py probe LOG N ID IDLE
        N requests for /events/ID?wait=5m held (the listener's room for
        waiting requests full), then IDLE connections that send a request
        line and then one byte a second, never ending their headers; then
        /healthz and /metrics: "healthz: CODE", "metrics: CODE" (or
        "timeout").  Everything is closed at the end.

    status_flood.py neighbour LOG SRC COUNT PROBES
        A neighbour at address SRC (e.g. 127.0.0.2: loopback, another
        address) opens COUNT connections, each sending the start of a
        request then a byte a second; then PROBES times: 10 more of them, and
        /healthz and /metrics asked from 127.0.0.1.  Prints "healthz: CODE
        xN" and "metrics: CODE xN" lines ("timeout" as the code when the
        answers did not come).

    status_flood.py refused LOG
        connect, ask /healthz: "refused" when the connection is closed
        without an answer, else "answered: CODE".
"""
import collections
import os
import re
import socket
import sys
import threading
import time

limit = time.time() + float(os.environ.get("E2E_TIMEOUT", "30"))


def text(log):
    with open(log) as f:
        return f.read()


def port_of(log):
    return int(re.search(r"status listener on port (\d+)", text(log)).group(1))


def wait_log(log, pattern, count):
    """True once the log holds count lines matching pattern."""
    while len(re.findall(pattern, text(log))) < count:
        if time.time() > limit:
            return False
        time.sleep(0.05)
    return True


def request(path):
    return ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
            path).encode()


def open_waits(log, port, n, eid):
    """n requests suspended: returns their sockets."""
    pattern = r"/events/%s waits up to" % re.escape(eid)
    before = len(re.findall(pattern, text(log)))
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(request("/events/%s?wait=5m" % eid))
        socks.append(s)
    if not wait_log(log, pattern, before + n):
        sys.exit("status_flood.py: the requests were not all suspended")
    return socks


def ask(port, path):
    """'CODE BODY' of one request, or 'timeout' past the limit."""
    try:
        s = socket.create_connection(("127.0.0.1", port),
                                     timeout=max(limit - time.time(), 1))
        s.sendall(request(path))
        data = b""
        while True:
            s.settimeout(max(limit - time.time(), 0.01))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except socket.timeout:
        return "timeout"
    except ConnectionError:
        data = b""
    if not data:
        return "closed"
    head, _, body = data.partition(b"\r\n\r\n")
    return "%s %s" % (head.split()[1].decode(), body.decode())


def gone(log, n, eid):
    port = port_of(log)
    pattern = r"/events/%s: the client went away" % re.escape(eid)
    before = len(re.findall(pattern, text(log)))
    socks = open_waits(log, port, n, eid)
    for s in socks:
        s.close()
    if not wait_log(log, pattern, before + n):
        seen = len(re.findall(pattern, text(log))) - before
        print("not noticed: %d of %d" % (n - seen, n))
    print("extra:", ask(port, "/events/%s?wait=200ms" % eid))


def trickle(socks, stop):
    """One byte a second on each socket of the list (which may grow), so
    that no idle timeout ends them; a socket the listener closed is left
    alone."""
    dead = set()
    while not stop.wait(1):
        for s in list(socks):
            if s in dead:
                continue
            try:
                s.send(b"a")
            except OSError:
                dead.add(s)


def probe(log, n, eid, idle):
    port = port_of(log)
    socks = open_waits(log, port, n, eid)
    idlers = []
    for _ in range(idle):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(b"GET /healthz HTTP/1.1\r\nX-Pad: ")
        idlers.append(s)
    stop = threading.Event()
    t = threading.Thread(target=trickle, args=(idlers, stop))
    t.start()
    try:
        print("healthz:", ask(port, "/healthz").split()[0])
        print("metrics:", ask(port, "/metrics").split()[0])
    finally:
        stop.set()
        t.join()
        for s in socks + idlers:
            s.close()


def neighbour(log, src, count, probes):
    port = port_of(log)
    held = []

    def flood(n):
        for _ in range(n):
            s = socket.socket()
            try:
                s.bind((src, 0))
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /healthz HTTP/1.1\r\nX-Pad: ")
            except OSError:
                pass
            held.append(s)

    codes = collections.Counter()
    stop = threading.Event()
    t = threading.Thread(target=trickle, args=(held, stop))
    t.start()
    try:
        flood(count)
        for _ in range(probes):
            flood(10)
            for path in ("/healthz", "/metrics"):
                codes[(path, ask(port, path).split()[0])] += 1
    finally:
        stop.set()
        t.join()
        for s in held:
            s.close()
    for (path, code), n in sorted(codes.items()):
        print("%s: %s x%d" % (path[1:], code, n))


def refused(log):
    got = ask(port_of(log), "/healthz")
    print("refused" if got == "closed" else "answered: " + got.split()[0])


cmd = sys.argv[1]
if cmd == "gone":
    gone(sys.argv[2], int(sys.argv[3]), sys.argv[4])
elif cmd == "probe":
    probe(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
elif cmd == "neighbour":
    neighbour(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
elif cmd == "refused":
    refused(sys.argv[2])
else:
    sys.exit("status_flood.py: gone, probe or refused")
