#!/usr/bin/env python3
"""The nodes' reports (docs/reports.md), for the tests.

    reports.py listen HUB_URL HMAC_KEY TOPIC OUTFILE
        Subscribe to TOPIC (a subscriber JWT minted with the key, so that
        the private updates come) and append each report's data to
        OUTFILE, one JSON a line.  Reconnects while the hub is down, from
        the start of the hub's history (none for a report hub without
        history; a hub restarted with history gives what was published
        before the reader reconnected); exits 0 on TERM.
    reports.py capture PORTFILE OUTFILE
        A report hub that takes every publish (200) and writes the
        Authorization header of each to OUTFILE, a line each; exits 0 on
        TERM.
    reports.py wait OUTFILE EXPR
        Until the Python expression EXPR is true of the reports (30 s at
        most, E2E_TIMEOUT), then exit 0; else print the reports' summary
        and exit 1.  EXPR sees R (the reports, in order), ENTRIES (every
        Applied and Failed entry, each with "List": "Applied" or
        "Failed"), ids(list_name) (every ID of that list, in order) and
        entry(id) (the entries of that ID) and size(report) (its length
        in JSON).
    reports.py check OUTFILE EXPR
        The same, once.
    reports.py count OUTFILE
        How many reports came.
    reports.py show OUTFILE
        A line per report, for the test's log.
"""
import http.client
import http.server
import json
import os
import signal
import sys
import time
import urllib.parse

import hbjwt




def listen(hub, key, topic, out):
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    u = urllib.parse.urlsplit(hub)
    path = u.path + "?" + urllib.parse.urlencode({"topic": topic})
    token = hbjwt.mint(key, "subscribe", topic)
    while True:
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            conn.request("GET", path, headers={
                "Authorization": "Bearer " + token,
                "Last-Event-ID": "earliest",
                "Accept": "text/event-stream"})
            r = conn.getresponse()
            if r.status != 200:
                raise OSError("status %d" % r.status)
            data = []
            while True:
                line = r.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    with open(out, "a") as f:
                        f.write("\n".join(data) + "\n")
                    data = []
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)


def capture(portfile, out):
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with open(out, "a") as f:
                f.write("%s\n" % self.headers.get("Authorization", "-"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"id")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


def load(out):
    try:
        with open(out) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    # The last line may be half written.
    return [json.loads(line) for line in text.split("\n")[:-1] if line]


def holds(out, expr):
    reports = load(out)
    entries = []
    for r in reports:
        for name in ("Applied", "Failed"):
            for e in r.get(name, []):
                entries.append(dict(e, List=name))
    env = {
        "R": reports,
        "ENTRIES": entries,
        "ids": lambda name: [e["ID"] for e in entries if e["List"] == name],
        "entry": lambda i: [e for e in entries if e["ID"] == i],
        "size": lambda r: len(json.dumps(r)),
    }
    return bool(eval(expr, env)), reports


def summary(reports):
    for r in reports:
        print("Seq=%s Time=%s Node=%s Applied=%d Failed=%d More=%s Backlog=%s "
              "Subscribed=%s Totals=%s" % (
                  r.get("Seq"), r.get("Time"), r.get("Node"), len(r.get("Applied", [])),
                  len(r.get("Failed", [])), r.get("More"), r.get("Backlog"),
                  r.get("Subscribed"), r.get("Totals")))


def main():
    cmd = sys.argv[1]
    if cmd == "listen":
        listen(*sys.argv[2:6])
    if cmd == "capture":
        capture(*sys.argv[2:4])
    if cmd == "show":
        summary(load(sys.argv[2]))
        return 0
    if cmd == "count":
        print(len(load(sys.argv[2])))
        return 0
    limit = float(os.environ.get("E2E_TIMEOUT", "30"))
    end = time.monotonic() + (limit if cmd == "wait" else 0)
    while True:
        ok, reports = holds(sys.argv[2], sys.argv[3])
        if ok:
            return 0
        if time.monotonic() >= end:
            print("reports.py: not true of %d reports: %s" % (
                len(reports), sys.argv[3]))
            summary(reports)
            return 1
        time.sleep(0.05)


sys.exit(main())
