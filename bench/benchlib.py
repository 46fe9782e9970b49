"""What the Python benchmarks share: a free port, a publisher JWT, a
development hub started on a port of the kernel's choice."""
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time


def free_port():
    """A TCP port of 127.0.0.1 free now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def publisher_jwt(key, topic="http-broadcast", ttl=3600):
    """An HS256 token granting publish on topic, as the VMOD mints it."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"mercure": {"publish": [topic]},
                            "exp": int(time.time()) + ttl}).encode())
    sig = _b64(hmac.new(key.encode(), head + b"." + body,
                        hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def start_hub(devhub, tmp, name, key, *extra, quiet=False):
    """devhub.py on 127.0.0.1, logging to tmp/name.log: (process, port)."""
    pf = os.path.join(tmp, name + ".port")
    out = subprocess.DEVNULL if quiet else None
    p = subprocess.Popen([sys.executable, devhub, "--listen", "127.0.0.1:0",
                          "--jwt-key", key, "--port-file", pf,
                          "--log-file", os.path.join(tmp, name + ".log")]
                         + list(extra), stdout=out, stderr=out)
    while not os.path.exists(pf):
        time.sleep(0.05)
    return p, int(open(pf).read())
