#!/usr/bin/env python3
"""A real Prometheus for the end-to-end tests: its setup, and bounded waits
on what its HTTP API says.  Every wait gives up after PROM_TIMEOUT seconds
(default 60) and says what it saw last.

  prom.py ports N                      N free loopback ports, one a line
  prom.py setup DIR EXPORTER HELPER... DIR/prometheus.yml (scrape and
                                       evaluate every second; job
                                       "http-broadcast" for the helpers'
                                       status ports, "varnish" for the
                                       exporter's) and DIR/rules.yml, the
                                       contrib rules with for: 3s, windows
                                       of 20s and offsets of 14s
                                       (rules-copy.py fast)
  prom.py wait-targets PORT N          until N targets are up
  prom.py wait-alert PORT NAME STATE [LABEL=VALUE...]
                                       until an alert NAME with those labels
                                       is STATE (pending, firing), or, STATE
                                       inactive, until none is listed
  prom.py quiet PORT EVALS             after EVALS more evaluations of the
                                       alerts, none is pending or firing
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

LIMIT = float(os.environ.get("PROM_TIMEOUT", "60"))
HERE = os.path.dirname(os.path.abspath(__file__))


def api(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}",
                                timeout=10) as r:
        return json.load(r)["data"]


def poll(what, check):
    """check() returns (done, last seen); retried until done or LIMIT."""
    end, seen = time.monotonic() + LIMIT, None
    while True:
        try:
            done, seen = check()
        except OSError as e:		# not listening yet
            done, seen = False, str(e)
        if done:
            return seen
        if time.monotonic() > end:
            sys.exit(f"prom.py: timed out after {LIMIT:.0f}s waiting for "
                     f"{what}; last seen: {json.dumps(seen, indent=1)}")
        time.sleep(0.2)


def ports(n):
    socks = []
    for _ in range(int(n)):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    for s in socks:
        print(s.getsockname()[1])
        s.close()


def setup(d, exporter, *helpers):
    top = os.environ["HB_TOP_SRCDIR"]
    subprocess.run([sys.executable,
                    os.path.join(top, "tests-vtc", "prometheus", "rules-copy.py"),
                    "fast", os.path.join(top, "contrib", "prometheus",
                                         "http-broadcast.rules.yml"),
                    os.path.join(d, "rules.yml")], check=True,
                   env=dict(os.environ, FOR="3s", WINDOW="20s", OFFSET="14s"))
    conf = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                   "evaluation_interval": "1s"},
        "rule_files": [os.path.join(d, "rules.yml")],
        "scrape_configs": [
            {"job_name": "http-broadcast", "static_configs": [
                {"targets": [f"127.0.0.1:{p}" for p in helpers]}]},
            {"job_name": "varnish", "static_configs": [
                {"targets": [f"127.0.0.1:{exporter}"]}]},
        ],
    }
    with open(os.path.join(d, "prometheus.yml"), "w", encoding="utf-8") as f:
        json.dump(conf, f, indent=1)	# JSON is YAML


def wait_targets(port, n):
    def check():
        t = api(port, "targets")["activeTargets"]
        seen = [(x["scrapeUrl"], x["health"], x["lastError"]) for x in t]
        return sum(x["health"] == "up" for x in t) >= int(n), seen
    poll(f"{n} targets up", check)


def matching(port, name, labels):
    return [a for a in api(port, "alerts")["alerts"]
            if a["labels"].get("alertname") == name and
            all(a["labels"].get(k) == v for k, v in labels.items())]


def wait_alert(port, name, state, *pairs):
    labels = dict(p.split("=", 1) for p in pairs)

    def check():
        found = matching(port, name, labels)
        if state == "inactive":
            return not found, found
        return any(a["state"] == state for a in found), found
    poll(f"{name} {labels} {state}", check)
    print(f"{name} {labels} {state}")


def evaluations(port):
    for g in api(port, "rules")["groups"]:
        if g["name"] == "http-broadcast":
            return g["lastEvaluation"]
    return None


def quiet(port, evals):
    # The absence of an alert: seen after EVALS evaluations made since now.
    seen, last = 0, evaluations(port)
    end = time.monotonic() + LIMIT
    while seen < int(evals):
        if time.monotonic() > end:
            sys.exit("prom.py: the alerts were not evaluated")
        time.sleep(0.2)
        now = evaluations(port)
        if now != last:
            seen, last = seen + 1, now
    active = api(port, "alerts")["alerts"]
    if active:
        sys.exit("prom.py: alerts where none should be: " +
                 json.dumps(active, indent=1))
    print(f"no alert after {evals} evaluations")


def main():
    cmds = {"ports": ports, "setup": setup, "wait-targets": wait_targets,
            "wait-alert": wait_alert, "quiet": quiet}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


main()
