"""Silent peers for the server mode: open N connections to 127.0.0.1:PORT
and send nothing (a trusted peer that never sends its PROXY header).  Once
all are open, write "ready" to STATUS; then, every 0.2 s, the number of
connections the server has not closed.  Runs until killed.

    silent.py PORT N STATUS
"""
import os
import socket
import sys
import time

port, n, status = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


def write(text):
    with open(status + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(status + ".tmp", status)


socks = [socket.create_connection(("127.0.0.1", port), timeout=10)
         for i in range(n)]
for s in socks:
    s.setblocking(False)
write("ready")
while True:
    time.sleep(0.2)
    open_ = 0
    for s in socks:
        if s.fileno() < 0:
            continue
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                s.close()
                continue
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        open_ += 1
    write(str(open_))
