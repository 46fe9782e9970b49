#!/usr/bin/env python3
"""Publish the hostile corpus (EVENTS, one "TARGET<TAB>JSON" per line:
TARGET is the exact request-target the agent must receive, as a JSON
string whose code points are the bytes, or "-" for an event every helper
must refuse) to the hub, wait for the sentinel event to be replayed, then
check what listen.py recorded: nothing reached the trap, every request
carries exactly one guard header with our token, and the agent received
exactly the expected targets, in order.  "@TRAP@" in an event is the
trap's host:port.  Exit 1 with the reasons otherwise.  PREFIX.expected
gets the counts the helper must report at exit.

    check.py EVENTS PREFIX HUB_URL HMAC_KEY GUARD_TOKEN
"""
import json
import os
import subprocess
import sys
import time

events, prefix, hub, key, guard = sys.argv[1:6]
here = os.path.dirname(os.path.abspath(__file__))
publish = os.path.join(here, "..", "e2e", "publish.py")
trap = "127.0.0.1:" + open(prefix + ".trap.port").read()

expected = []
refused = 0
with open(events, encoding="utf-8") as f:
    for line in f:
        if not line.strip() or line.startswith("#"):
            continue
        target, data = line.rstrip("\n").split("\t", 1)
        data = data.replace("@TRAP@", trap)
        subprocess.run([sys.executable, publish, hub, key, data], check=True,
                       stdout=subprocess.DEVNULL)
        if target == "-":
            refused += 1
        else:
            target = target.replace("@TRAP@", trap)
            expected.append(json.loads(target).encode("latin-1"))
sentinel = b"/hostile-sentinel"
subprocess.run([sys.executable, publish, hub, key,
                json.dumps({"Method": "PURGE", "Path": sentinel.decode()})],
               check=True, stdout=subprocess.DEVNULL)
expected.append(sentinel)


def records(name):
    try:
        data = open("%s.%s.log" % (prefix, name), "rb").read()
    except FileNotFoundError:
        return []
    out = []
    while data:
        n = int.from_bytes(data[:4], "big")
        out.append(data[4:4 + n])
        data = data[4 + n:]
    return out


deadline = time.time() + 30
while time.time() < deadline:
    got = records("agent")
    if any(r.split(b" ")[1:2] == [sentinel] for r in got):
        break
    time.sleep(0.05)

problems = []
if records("trap"):
    problems.append("the trap (another host) was contacted: %r"
                    % records("trap"))
targets = []
for req in records("agent"):
    line, _, rest = req.partition(b"\r\n")
    parts = line.split(b" ")
    if len(parts) != 3:
        problems.append("request line is not 3 fields: %r" % line)
        continue
    targets.append(parts[1])
    guards = [h for h in rest.split(b"\r\n")
              if h.lower().startswith(b"x-httpbroadcast-guard:")]
    if guards != [b"X-HttpBroadcast-Guard: " + guard.encode()]:
        problems.append("%r: guard headers %r" % (parts[1], guards))
if targets != expected:
    problems.append("targets %r, expected %r" % (targets, expected))
# For the caller to compare with the helper's own counts.
with open(prefix + ".expected", "w") as f:
    f.write("replayed=%d dropped=0 failed=0 refused=%d " % (len(expected),
                                                           refused))
for p in problems:
    print("hostile:", p)
sys.exit(1 if problems else 0)
