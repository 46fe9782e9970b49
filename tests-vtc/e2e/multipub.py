#!/usr/bin/env python3
"""Publish COUNT PURGE events to several hubs as a multi-hub publisher
does: each event once to every hub, with the same EventID
("urn:uuid:<v4>") in its JSON, so that a helper subscribed to all of them
can tell copies apart from new events.  The hubs give each copy their own
Mercure id (no id field is sent): the helper must not depend on it.  One
thread per hub, each over its own keep-alive connection; a hub that
refuses or times out (1 s) is skipped for that event and tried again for
the next one.  An event counts as accepted when at least one hub took it.

    multipub.py HUB_URL[,HUB_URL...] HMAC_KEY COUNT PREFIX ACCEPTED_FILE
        [--rate N]   at most N events a second per hub (0: no limit)
        [--ids FILE] the EventIDs of the accepted events, one a line
        [--hub-id-pad N] no EventID: a Mercure id of N double quotes
                     after "urn:big:<i>:" instead (in --ids)

Prints "sent=N accepted=A hub<i>=K ..." (K: events that hub took).
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse
import uuid

import hbjwt

ap = argparse.ArgumentParser()
ap.add_argument("hubs")
ap.add_argument("key")
ap.add_argument("count", type=int)
ap.add_argument("prefix")
ap.add_argument("accepted")
ap.add_argument("--rate", type=float, default=0)
ap.add_argument("--topic", default="http-broadcast")
ap.add_argument("--ids")
# Events without EventID, each with a Mercure id of the publisher's, made
# long with N double quotes (twice as long in JSON): the hub's id is then
# what identifies the event.
ap.add_argument("--hub-id-pad", type=int, default=0)
args = ap.parse_args()




token = hbjwt.mint(args.key, "publish", args.topic)
urls = [u for u in args.hubs.split(",") if u]
events = []
eids = []
for i in range(args.count):
    event = {"Method": "PURGE", "Host": "www.example.com",
             "Path": "%s%d" % (args.prefix, i)}
    form = {"topic": args.topic, "private": "on"}
    if args.hub_id_pad:
        eids.append("urn:big:%d:%s" % (i, '"' * args.hub_id_pad))
        form["id"] = eids[-1]
    else:
        eids.append("urn:uuid:%s" % uuid.uuid4())
        event["EventID"] = eids[-1]
    form["data"] = json.dumps(event)
    events.append(urllib.parse.urlencode(form))
took = [[False] * args.count for _ in urls]


def publish(h):
    u = urllib.parse.urlsplit(urls[h])
    path = u.path + ("?" + u.query if u.query else "")
    conn = None
    start = time.monotonic()
    for i, form in enumerate(events):
        if args.rate:
            due = start + i / args.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=1)
            conn.request("POST", path, body=form, headers={
                "Authorization": "Bearer " + token,
                "Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            r.read()
            took[h][i] = r.status == 200
        except OSError:
            if conn is not None:
                conn.close()
            conn = None


threads = [threading.Thread(target=publish, args=(h,))
           for h in range(len(urls))]
for t in threads:
    t.start()
for t in threads:
    t.join()
accepted = [i for i in range(args.count) if any(t[i] for t in took)]
with open(args.accepted, "w") as f:
    f.write("".join("%s%d\n" % (args.prefix, i) for i in accepted))
if args.ids:
    with open(args.ids, "w") as f:
        f.write("".join("%s\n" % eids[i] for i in accepted))
print("sent=%d accepted=%d %s" % (args.count, len(accepted), " ".join(
    "hub%d=%d" % (h, sum(took[h])) for h in range(len(urls)))))
