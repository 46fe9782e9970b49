#!/usr/bin/env python3
"""Publish one node report (docs/reports.md) as a private update, as a
helper with the report topic's key would: the tests of the listening side
(REPORT_LISTEN=1) make their fleet of nodes with it.  Exit 1 unless the hub
answered 200.

    report.py HUB_URL HMAC_KEY TOPIC NODE [options]

  --boot B          Boot (default urn:uuid:<NODE>-boot-1)
  --seq N           Seq (default: the time in units of 10 ms, so that
                    the reports of one node name from several runs keep
                    their order: a listener takes a Seq not above the last
                    for a late report; and at most one per 10 ms, the
                    least REPORT_INTERVAL: a listener refuses a larger
                    jump of Seq as forged)
  --idle MS         Idle (default 1000); --interval MS (default 100)
  --applied ID:CODE[,ID:CODE...]     Applied entries
  --failed ID:CODE:WHY[,...]         Failed entries
  --lag MS, --backlog N, --unsubscribed
  --set JSON        merged over the report (a field of another type)
  --drop FIELD      removes a field
  --raw DATA        publishes DATA as it is instead
  --sign-key HEX    sign it with this node key (REPORT_SIGN_KEY_FILE's
                    64 hex digits): a last member "Sig", the HMAC-SHA256
                    of the bytes before it followed by "}"
  --repeat MS       a heartbeat: publish again every MS (Seq the time in
                    10 ms, at least Seq + 1; no entries) until SIGTERM,
                    then exit 0
"""
import argparse
import hashlib
import hmac
import signal
import json
import sys
import time
import urllib.parse
import urllib.request

import hbjwt




def seq_now():
    return int(time.time() * 100)


def entries(spec, failed):
    out = []
    for item in filter(None, (spec or "").split(",")):
        parts = item.rsplit(":", 2 if failed else 1)
        e = {"ID": parts[0], "Code": int(parts[1]),
             "Time": int(time.time() * 1000)}
        if failed:
            e["Why"] = parts[2]
        out.append(e)
    return out


ap = argparse.ArgumentParser()
for a in ("hub", "key", "topic", "node"):
    ap.add_argument(a)
ap.add_argument("--boot")
ap.add_argument("--seq", type=int)
ap.add_argument("--idle", type=int, default=1000)
ap.add_argument("--interval", type=int, default=100)
ap.add_argument("--applied")
ap.add_argument("--failed")
ap.add_argument("--lag", type=int, default=0)
ap.add_argument("--backlog", type=int, default=0)
ap.add_argument("--unsubscribed", action="store_true")
ap.add_argument("--set")
ap.add_argument("--drop", action="append", default=[])
ap.add_argument("--raw")
ap.add_argument("--sign-key")
ap.add_argument("--repeat", type=int, default=0)
o = ap.parse_args()

applied, failed = entries(o.applied, False), entries(o.failed, True)
report = {
    "Version": 1, "Node": o.node,
    "Boot": o.boot or "urn:uuid:%s-boot-1" % o.node,
    "Seq": o.seq if o.seq is not None else seq_now(),
    "Time": int(time.time() * 1000), "Interval": o.interval,
    "Idle": o.idle, "Subscribed": not o.unsubscribed,
    "Backlog": o.backlog, "LagMs": o.lag, "Applied": applied,
    "Failed": failed, "More": False,
    "Totals": {"Applied": len(applied), "Failed": len(failed),
               "Dropped": 0, "Refused": 0},
}
report.update(json.loads(o.set or "{}"))
for f in o.drop:
    report.pop(f, None)


def sign(data):
    if not o.sign_key:
        return data
    mac = hmac.new(bytes.fromhex(o.sign_key), data.encode(),
                   hashlib.sha256).hexdigest()
    return data[:-1] + ',"Sig":"%s"}' % mac


def publish(data):
    data = sign(data)
    form = urllib.parse.urlencode({"topic": o.topic, "data": data,
                                   "private": "on"}).encode()
    req = urllib.request.Request(o.hub, data=form, headers={
        "Authorization": "Bearer " + hbjwt.mint(o.key, "publish", o.topic),
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
        if r.status != 200:
            sys.exit(1)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
publish(o.raw if o.raw is not None else json.dumps(report))
while o.repeat > 0:
    time.sleep(o.repeat / 1000)
    report.update({"Seq": max(report["Seq"] + 1, seq_now()),
                   "Applied": [], "Failed": [],
                   "Time": int(time.time() * 1000)})
    publish(json.dumps(report))
