#!/usr/bin/env python3
"""One catch-up measurement (bench/catchup.sh runs it).

Starts the development hub with a history of N events (written to its
history file beforehand, so the hub starts with it), writes a cursor that
points at the oldest one, starts the helper and measures the time from its
start until varnishd's MAIN.n_purges has grown by N.  The hub's options
decide whether its per-subscriber queue can overflow.  Prints one JSON
object.  Python 3 standard library only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

TOPIC = "http-broadcast"


def write_history(path, n):
    """N + 1 updates: urn:bench:0 (the cursor) then N to catch up on."""
    with open(path, "w") as f:
        for i in range(n + 1):
            ev = {"Method": "PURGE", "Host": "bench.example",
                  "Path": "/catchup/%d" % i, "RawQuery": "",
                  "Header": {"X-Httpbroadcast-Guard": [TOPIC]}, "Body": ""}
            f.write(json.dumps({"id": "urn:bench:%d" % i, "topics": [TOPIC],
                                "data": json.dumps(ev, separators=(",", ":")),
                                "private": False, "type": None,
                                "retry": None}) + "\n")


def n_purges(vname):
    out = subprocess.run(["varnishstat", "-n", vname, "-1", "-f",
                          "MAIN.n_purges"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "MAIN.n_purges":
            return int(f[1])
    raise RuntimeError("varnishstat: no MAIN.n_purges")


def wait_file(path, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        time.sleep(0.02)
    raise RuntimeError("timeout waiting for %s" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--history", required=True, help="prepared history file")
    ap.add_argument("--hub", required=True, help="path of devhub.py")
    ap.add_argument("--hub-options", default="")
    ap.add_argument("--varnish-name", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--helper", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--prepare", action="store_true",
                    help="only write the history file")
    a = ap.parse_args()
    if a.prepare:
        write_history(a.history, a.events)
        return

    hist = os.path.join(a.workdir, "run-history.jsonl")
    shutil.copyfile(a.history, hist)
    portfile = os.path.join(a.workdir, "hub.port")
    hublog = os.path.join(a.workdir, "hub.log")
    for p in (portfile, os.path.join(a.workdir, "cursor"), hublog):
        if os.path.exists(p):
            os.unlink(p)
    hub = subprocess.Popen(
        [sys.executable, a.hub, "--listen", "127.0.0.1:0", "--port-file",
         portfile, "--jwt-key", "bench-key", "--history-file", hist,
         "--history-size", str(a.events + 10), "--log-file", hublog]
        + a.hub_options.split(), stdout=subprocess.DEVNULL)
    helper = None
    res = {"events": a.events, "hub_options": a.hub_options}
    try:
        wait_file(portfile, 120)
        with open(portfile) as f:
            port = int(f.read())
        with open(os.path.join(a.workdir, "cursor"), "w") as f:
            f.write("urn:bench:0\n")
        env = dict(os.environ, HUB_JWT_KEY="bench-key", AGENT_ENDPOINT=a.agent,
                   HUB_ENDPOINT="http://127.0.0.1:%d/.well-known/mercure" % port,
                   STATE_FILE=os.path.join(a.workdir, "cursor"),
                   LOG_LEVEL="info")
        base = n_purges(a.varnish_name)
        log = open(os.path.join(a.workdir, "helper.log"), "w")
        t0 = time.monotonic()
        helper = subprocess.Popen([a.helper], env=env, stderr=log)
        while True:
            done = n_purges(a.varnish_name) - base
            if done >= a.events:
                break
            if time.monotonic() - t0 > a.timeout:
                raise RuntimeError("timeout: %d of %d applied" % (done, a.events))
            time.sleep(0.02)
        t1 = time.monotonic()
        res["seconds"] = t1 - t0
        res["rate"] = a.events / (t1 - t0)
        res["applied"] = done
    finally:
        if helper is not None:
            helper.send_signal(signal.SIGTERM)
            res["exit"] = helper.wait(60)
        hub.send_signal(signal.SIGTERM)
        hub.wait(60)
    with open(os.path.join(a.workdir, "helper.log")) as f:
        m = re.search(r"stall_checks=(\d+) stalls=(\d+)", f.read())
    res["stall_checks"], res["stalls"] = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    with open(hublog) as f:
        res["hub_drops"] = sum(1 for line in f if line.startswith("dropped "))
    print(json.dumps(res))


main()
