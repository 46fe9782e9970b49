"""Send raw bytes to 127.0.0.1:PORT and print the status code and the
first line of the body: "400 request cannot travel: ...".  For requests
curl cannot send (a bad Host, an absolute-form target, a PROXY header).

    raw.py PORT BYTES [SOURCE]   BYTES with Python escapes (\\r\\n, \\x7f),
                                 from the address SOURCE (127.0.0.2)
"""
import socket
import sys

port = int(sys.argv[1])
data = sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1")
source = (sys.argv[3], 0) if len(sys.argv) > 3 else None
s = socket.create_connection(("127.0.0.1", port), timeout=10,
                             source_address=source)
try:
    s.sendall(data)
except OSError:
    pass        # closed at once: no reply
reply = b""
while True:
    try:
        chunk = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        break
    if not chunk:
        break
    reply += chunk
    if b"\r\n\r\n" in reply:
        head, _, body = reply.partition(b"\r\n\r\n")
        length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length:")]
        if length and len(body) >= length[0]:
            break
s.close()
if not reply:
    print("closed")
    sys.exit(0)
head, _, body = reply.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode()
print(status, body.split(b"\n")[0].decode("utf-8", "replace"))
