"""Print an HS256 JWT granting both publishing and subscribing to TOPIC,
what the original project's HUB_TOKEN was.

    token.py KEY [TOPIC]
"""
import base64
import hashlib
import hmac
import json
import sys
import time


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


key = sys.argv[1]
topic = sys.argv[2] if len(sys.argv) > 2 else "http-broadcast"
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = {"mercure": {"publish": [topic], "subscribe": [topic]},
          "exp": int(time.time()) + 3600}
body = b64(json.dumps(claims).encode())
sig = b64(hmac.new(key.encode(), head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
