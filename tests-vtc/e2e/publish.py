#!/usr/bin/env python3
"""Publish one event to a hub as any publisher with the topic's key could:
a Go agent, a script, an attacker.  The JSON is sent as given, so a test
can publish events the VMOD would never write (no guard header, hostile
fields).  Exit 1 unless the hub answered 200.

    publish.py HUB_URL HMAC_KEY JSON [TOPIC]
"""
import sys
import urllib.parse
import urllib.request

import hbjwt




hub, key, data = sys.argv[1:4]
topic = sys.argv[4] if len(sys.argv) > 4 else "http-broadcast"
form = urllib.parse.urlencode({"topic": topic, "data": data,
                               "private": "on"}).encode()
req = urllib.request.Request(hub, data=form, headers={
    "Authorization": "Bearer " + hbjwt.mint(key, "publish", topic),
    "Content-Type": "application/x-www-form-urlencoded"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(r.read().decode())
    sys.exit(0 if r.status == 200 else 1)
