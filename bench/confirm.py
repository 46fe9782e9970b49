#!/usr/bin/env python3
"""Per-node confirmation with a fleet of N helpers: the time from a
client's PURGE to a complete answer, and the load the reports put on the
report hub.

    confirm.py HELPER DEVHUB NODES [SAMPLES]

Starts an event hub and a report hub (no history), a stand-in varnishd
that answers 200 to every replay, and NODES helpers that report to the
report hub; node-0 also listens (REPORT_LISTEN=1).  Default report
intervals (1 s while events flow, 30 s idle).

Phase 1, SAMPLES purges one after the other, as a client of
purge-wait.vcl sees them: publish the event (a form POST with an EventID,
as the VMOD does) then GET /events/<id>?wait=10s on node-0's status
listener; the figure is the time from the start of the POST to the end of
the answer, which must be 200 (every node applied it).  Each purge starts
1.1 s after the previous one ended, so that every node may report it at
once (at most one report per REPORT_INTERVAL).

Phase 2, a flow of FLOW_RATE purges a second for FLOW_SECONDS: reports
published on the report hub, per second and in bytes, from its log.

Everything listens on 127.0.0.1 ports chosen by the kernel.
"""
import http.client
import http.server
import json
import os
import re
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from benchlib import free_port, publisher_jwt, start_hub

helper, devhub, nodes = sys.argv[1], sys.argv[2], int(sys.argv[3])
samples = int(sys.argv[4]) if len(sys.argv) > 4 else 50
FLOW_RATE, FLOW_SECONDS = 50, 10
KEY = "bench-key-0123456789-0123456789-01"
TOPIC = "http-broadcast"


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PURGE(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class ThreadedOrigin(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def publish(conn, path, tok):
    eid = "urn:uuid:" + str(uuid.uuid4())
    event = {"Method": "PURGE", "Host": "www.example.com", "Path": path,
             "RawQuery": "", "Header": {}, "Body": "", "EventID": eid}
    form = urllib.parse.urlencode({"topic": TOPIC, "data": json.dumps(event),
                                   "id": eid, "private": "on"})
    conn.request("POST", "/.well-known/mercure", form, {
        "Authorization": "Bearer " + tok,
        "Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("publish: hub answered %d" % r.status)
    return eid


def get(conn, url):
    conn.request("GET", url)
    r = conn.getresponse()
    return r.status, r.read()


def report_lines(log):
    """(time seen, bytes) of each report the report hub accepted."""
    out = []
    with open(log) as f:
        for line in f:
            if line.startswith("published ") and "/nodes" in line:
                m = re.search(r"bytes=(\d+)", line)
                out.append(int(m.group(1)) if m else 0)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="confirm.")
    procs = []
    origin = ThreadedOrigin(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    try:
        hub, hub_port = start_hub(devhub, tmp, "hub", KEY, quiet=True)
        rhub, rhub_port = start_hub(devhub, tmp, "rhub", KEY,
                                     "--history-size", "0", quiet=True)
        procs += [hub, rhub]
        status_port = free_port()
        for i in range(nodes):
            env = dict(os.environ,
                       HUB_ENDPOINT="http://127.0.0.1:%d/.well-known/mercure"
                       % hub_port,
                       REPORT_HUB_ENDPOINT="http://127.0.0.1:%d/"
                       ".well-known/mercure" % rhub_port,
                       HUB_JWT_KEY=KEY, NODE_NAME="node-%d" % i,
                       AGENT_ENDPOINT="http://127.0.0.1:%d"
                       % origin.server_address[1],
                       STATE_FILE="", LOG_LEVEL="warn")
            if i == 0:
                env.update(REPORT_LISTEN="1",
                           STATUS_ADDR="127.0.0.1:%d" % status_port)
            procs.append(subprocess.Popen(
                [helper], env=env,
                stderr=open(os.path.join(tmp, "h%d.log" % i), "w")))
        st = http.client.HTTPConnection("127.0.0.1", status_port, timeout=30)
        deadline = time.monotonic() + 120
        while True:
            try:
                code, body = get(st, "/fleet")
                fleet = json.loads(body)
                if code == 200 and fleet.get("Live") == nodes and \
                        fleet.get("Settled"):
                    break
            except (OSError, ValueError, http.client.HTTPException):
                st = http.client.HTTPConnection("127.0.0.1", status_port,
                                                timeout=30)
            if time.monotonic() > deadline:
                sys.exit("the listener never saw %d live nodes" % nodes)
            time.sleep(0.2)

        tok = publisher_jwt(KEY, TOPIC)
        pub = http.client.HTTPConnection("127.0.0.1", hub_port, timeout=10)
        before = len(report_lines(os.path.join(tmp, "rhub.log")))
        t_phase = time.monotonic()
        times = []
        for n in range(samples):
            t0 = time.monotonic()
            eid = publish(pub, "/confirm/%d" % n, tok)
            code, body = get(st, "/events/%s?wait=10s" %
                             urllib.parse.quote(eid, safe=":"))
            t1 = time.monotonic()
            if code != 200:
                sys.exit("event %s: answer %d: %s" % (eid, code, body[:300]))
            times.append((t1 - t0) * 1000)
            time.sleep(1.1)
        phase1 = time.monotonic() - t_phase
        reps = report_lines(os.path.join(tmp, "rhub.log"))[before:]

        before = len(report_lines(os.path.join(tmp, "rhub.log")))
        t_flow = time.monotonic()
        for n in range(FLOW_RATE * FLOW_SECONDS):
            publish(pub, "/flow/%d" % n, tok)
            delay = t_flow + (n + 1) / FLOW_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        time.sleep(1.5)	# the last reports of the flow
        flow = time.monotonic() - t_flow
        freps = report_lines(os.path.join(tmp, "rhub.log"))[before:]

        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print("nodes=%d samples=%d median=%.1fms p99=%.1fms worst=%.1fms "
              "load=%s" % (nodes, samples, statistics.median(times), p99,
                           times[-1], open("/proc/loadavg").read().split()[0]))
        print("  one purge at a time: %.1f reports/s, %.0f bytes each "
              "(median)" % (len(reps) / phase1,
                            statistics.median(reps) if reps else 0))
        print("  flow of %d purges/s: %.1f reports/s, %.0f bytes each "
              "(median), %.0f kB/s published" %
              (FLOW_RATE, len(freps) / flow,
               statistics.median(freps) if freps else 0,
               sum(freps) / flow / 1024))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        origin.shutdown()


main()
