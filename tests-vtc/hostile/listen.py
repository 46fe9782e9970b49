#!/usr/bin/env python3
"""Two raw HTTP listeners for hostile.vtc.  The agent records every request
it receives, byte for byte, and answers 200; the trap stands for any other
host (an attacker's, a proxy from the environment) and records any
connection at all.  Each writes its port to PREFIX.agent.port and
PREFIX.trap.port once listening.

    listen.py PREFIX
"""
import os
import signal
import socket
import sys
import threading

prefix = sys.argv[1]
lock = threading.Lock()


def record(name, data):
    with lock, open("%s.%s.log" % (prefix, name), "ab") as f:
        f.write(len(data).to_bytes(4, "big") + data)


def read_request(conn, buf):
    """One request (head and Content-Length body) from conn, or None."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def serve(conn, name):
    buf = b""
    with conn:
        while True:
            req, buf = read_request(conn, buf)
            if req is None:
                return
            record(name, req)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


def listen(name):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    tmp = "%s.%s.port.tmp" % (prefix, name)
    with open(tmp, "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(tmp, "%s.%s.port" % (prefix, name))
    while True:
        conn, _ = s.accept()
        if name == "trap":
            record("trap", b"connection")
        threading.Thread(target=serve, args=(conn, name), daemon=True).start()


# TERM ends the listeners with status 0, so that the test can tell a clean
# stop from a crash when it waits for this process.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
threading.Thread(target=listen, args=("trap",), daemon=True).start()
listen("agent")
