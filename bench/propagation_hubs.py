#!/usr/bin/env python3
"""Propagation through the helper with one hub and with two, in the same
run: for each event, publish it (to every hub at once, one EventID, as a
multi-hub publisher does) and time until the helper's replay reaches a
local origin standing in for varnishd.  Prints median, p99 and worst per
setup, and the load average before and after.

    propagation_hubs.py HELPER DEVHUB [ITERATIONS]

HELPER is the built http-broadcast, DEVHUB tests-vtc/hub/devhub.py.
Everything listens on 127.0.0.1 ports chosen by the kernel.
"""
import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from benchlib import publisher_jwt, start_hub

helper, devhub = sys.argv[1:3]
iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 300
KEY = "bench-key-0123456789-0123456789-01"
arrived = {}
cond = threading.Condition()


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PURGE(self):
        now = time.monotonic()
        with cond:
            arrived.setdefault(self.path, now)
            cond.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(ports, origin_port, tmp, label):
    hubs = ",".join("http://127.0.0.1:%d/.well-known/mercure" % p
                    for p in ports)
    env = dict(os.environ, HUB_ENDPOINT=hubs, HUB_JWT_KEY=KEY,
               AGENT_ENDPOINT="http://127.0.0.1:%d" % origin_port,
               STATE_FILE="", LOG_LEVEL="warn")
    h = subprocess.Popen([helper], env=env, stderr=subprocess.DEVNULL)
    auth = "Bearer " + publisher_jwt(KEY)
    conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=10)
             for p in ports]
    time.sleep(1.0)		# subscribed
    lat = []
    for i in range(iterations + 20):
        path = "/%s/%d" % (label, i)
        data = json.dumps({"Method": "PURGE", "Host": "bench",
                           "Path": path,
                           "EventID": "urn:uuid:%s" % uuid.uuid4()})
        form = urllib.parse.urlencode({"topic": "http-broadcast",
                                       "data": data, "private": "on"})
        t0 = time.monotonic()

        def post(c):
            c.request("POST", "/.well-known/mercure", body=form, headers={
                "Authorization": auth,
                "Content-Type": "application/x-www-form-urlencoded"})
            c.getresponse().read()
        ts = [threading.Thread(target=post, args=(c,)) for c in conns]
        for t in ts:
            t.start()
        with cond:
            while path not in arrived:
                if not cond.wait(10):
                    sys.exit("no replay of %s within 10 s" % path)
        for t in ts:
            t.join()
        if i >= 20:			# warm-up
            lat.append((arrived[path] - t0) * 1000)
        time.sleep(0.01)
    h.terminate()
    h.wait()
    lat.sort()
    return (lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1], lat[-1])


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        a, pa = start_hub(devhub, tmp, "a", KEY)
        b, pb = start_hub(devhub, tmp, "b", KEY)
        try:
            print("load average before: %s" % " ".join(
                open("/proc/loadavg").read().split()[:3]))
            for label, ports in (("one", [pa]), ("two", [pa, pb])):
                med, p99, worst = run(ports, srv.server_address[1], tmp,
                                      label)
                print("%s hub%s: %d events, median %.2f ms, p99 %.2f ms, "
                      "worst %.2f ms" % (len(ports), "s" if len(ports) > 1
                                         else "", iterations, med, p99,
                                         worst))
            print("load average after: %s" % " ".join(
                open("/proc/loadavg").read().split()[:3]))
        finally:
            a.terminate()
            b.terminate()
            a.wait()
            b.wait()


main()
