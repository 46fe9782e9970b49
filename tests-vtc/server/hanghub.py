"""A hub that hangs: accepts connections, reads what comes, never answers.
Writes its port to PORTFILE, and to COUNTFILE the most connections it
ever had open at once, at every change.

    hanghub.py PORTFILE COUNTFILE
"""
import os
import selectors
import socket
import sys

portfile, countfile = sys.argv[1:3]
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(1024)
lsock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(lsock, selectors.EVENT_READ)
open_, most = 0, 0


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".tmp", path)


write(countfile, "0")
write(portfile, str(lsock.getsockname()[1]))
while True:
    for key, _ in sel.select():
        if key.fileobj is lsock:
            conn, _ = lsock.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            open_ += 1
            if open_ > most:
                most = open_
                write(countfile, str(most))
            continue
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if not data:
            sel.unregister(key.fileobj)
            key.fileobj.close()
            open_ -= 1
