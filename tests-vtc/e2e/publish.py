#!/usr/bin/env python3
"""Publish one event to a hub as any publisher with the topic's key could:
a Go agent, a script, an attacker.  The JSON is sent as given, so a test
can publish events the VMOD would never write (no guard header, hostile
fields).  Exit 1 unless the hub answered 200.

    publish.py HUB_URL HMAC_KEY JSON [TOPIC]
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import urllib.request


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def mint(key, topic):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"mercure": {"publish": [topic]}, "exp": int(time.time()) + 600}
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(key.encode(), head + b"." + body,
                       hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


hub, key, data = sys.argv[1:4]
topic = sys.argv[4] if len(sys.argv) > 4 else "http-broadcast"
form = urllib.parse.urlencode({"topic": topic, "data": data,
                               "private": "on"}).encode()
req = urllib.request.Request(hub, data=form, headers={
    "Authorization": "Bearer " + mint(key, topic),
    "Content-Type": "application/x-www-form-urlencoded"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(r.read().decode())
    sys.exit(0 if r.status == 200 else 1)
