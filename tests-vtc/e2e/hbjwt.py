"""Mercure tokens for the test scripts of e2e/: HS256, as the VMOD and
the helper mint them."""
import base64
import hashlib
import hmac
import json
import time


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def mint(key, claim, topic, ttl=3600):
    """A token granting claim ("publish" or "subscribe") on topic."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"mercure": {claim: [topic]},
                            "exp": int(time.time()) + ttl}).encode())
    sig = _b64(hmac.new(key.encode(), head + b"." + body,
                        hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()
