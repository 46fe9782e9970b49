"""Held bodies for the server mode: open N connections to 127.0.0.1:PORT,
each sending a PURGE that announces SIZE bytes of body and sends all but
the last 1000 (libmicrohttpd hands a body on in pieces of its buffer),
then probe with complete requests (a 20,000-byte body: more than one of
libmicrohttpd's pieces, which the held ones may have left) until one is
answered with a reason matching WANT (at most 100 probes, 0.1 s apart).
Print that answer ("503 too many ..."), then close the N and probe until
an answer does not match WANT any more; print it.

    bodies.py PORT N SIZE WANT
"""
import socket
import sys
import time

port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
want = sys.argv[4]


def probe():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PURGE /probe HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
              b"Content-Length: 20000\r\n\r\n" + b"p" * 20000)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    s.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    return "%s %s" % (head.split(b" ")[1].decode(),
                      body.split(b"\n")[0].decode("utf-8", "replace"))


held = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PURGE /held/%d HTTP/1.1\r\nHost: a\r\n"
              b"Content-Length: %d\r\n\r\n" % (i, size) + b"x" * (size - 1000))
    held.append(s)
for i in range(100):
    got = probe()
    if want in got:
        break
    time.sleep(0.1)
print(got)
for s in held:
    s.close()
for i in range(100):
    got = probe()
    if want not in got:
        break
    time.sleep(0.1)
print(got)
