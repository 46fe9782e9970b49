#!/usr/bin/env python3
"""A slow-loris hub for fault_slowloris.vtc: answers one subscription with
an event stream, sends EVENT one byte every DELAY seconds (default 0.2),
then keeps the stream open until the subscriber leaves.  Writes its port
to PORTFILE once listening; TERM ends it with status 0.

    slowloris.py PORTFILE EVENT [DELAY]

EVENT takes the escapes \\n and \\" as in the .vtc files.
"""
import os
import signal
import socket
import sys
import time

portfile, event = sys.argv[1], sys.argv[2]
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
event = event.replace("\\n", "\n").replace('\\"', '"').encode()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)

conn, _ = s.accept()
head = b""
while b"\r\n\r\n" not in head:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit("slowloris.py: the subscriber left before its request ended")
    head += chunk
conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n:\n")
for i in range(len(event)):
    conn.sendall(event[i:i + 1])
    time.sleep(delay)
# Until the subscriber closes the stream.
while conn.recv(4096):
    pass
