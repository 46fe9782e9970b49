#!/usr/bin/env python3
"""Propagation at scale (issue 6, benchmark 4): client PURGE to node 1 until
every helper applied it, for 3, 10, 50 and 200 helpers.

A local fleet on 127.0.0.1: the development hub, up to --max-nodes varnishd
(vcl-examples/purge-ban.vcl, with the VMOD), and N helpers spread over them
(200 helpers share 4 varnishd: a varnishd applies the same PURGE several
times, which costs it nothing).  Each helper logs one line per replayed
event at debug level, with a millisecond timestamp; the propagation time of
a helper is that timestamp minus the time the client sent the PURGE.

Prints a markdown table (median and p99 over all helper x iteration pairs,
and median and worst of the all-helpers time per PURGE) and, with gnuplot
installed (Debian: gnuplot-nox), plots it to --plot.

    bench/propagation_scale.py [--helpers 3,10,50,200] [--iterations 50]
"""

import argparse
import datetime
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import free_port

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "bench-propagation-key"
LINE = re.compile(r'time="([0-9T:.-]+)Z".*replayed event id=\S+: PURGE (\S+) status=')


def wait(cond, what, limit=60.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit("bench: timed out waiting for " + what)


def http_ok(port, path="/"):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", path)
        c.getresponse().read()
        return True
    except OSError:
        return False


class Fleet:
    def __init__(self, nodes, work):
        self.work = work
        self.procs = []
        self.nodes = nodes

    def start(self, helpers):
        work, nodes = self.work, self.nodes
        self.hub_log = os.path.join(work, "hub.log")
        hub_port = free_port()
        self.spawn([sys.executable, os.path.join(TOP, "tests-vtc/hub/devhub.py"),
                    "--listen", "127.0.0.1:%d" % hub_port, "--jwt-key", KEY,
                    "--log-file", self.hub_log], "hub.out")
        wait(lambda: http_ok(hub_port, "/healthz"), "the hub")
        vcl = os.path.join(work, "node.vcl")
        with open(vcl, "w") as f:
            subprocess.run([os.path.join(TOP, "tools/render-vcl"),
                            os.path.join(TOP, "vcl-examples/purge-ban.vcl"),
                            "127.0.0.1:%d" % hub_port, "9", KEY], stdout=f, check=True)
        vmoddir = subprocess.run(["pkg-config", "--variable=vmoddir", "varnishapi"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        env = dict(os.environ,
                   HB_REAL_VARNISHD=shutil.which("varnishd") or "/usr/sbin/varnishd",
                   HB_VMOD_SO=os.path.join(TOP, "vmod/.libs/libvmod_broadcast.so"))
        self.node_ports = []
        for i in range(nodes):
            port = free_port()
            self.node_ports.append(port)
            self.spawn([os.path.join(TOP, "tests-vtc/wrap/varnishd"), "-F",
                        "-n", os.path.join(work, "v%d" % i), "-a", "127.0.0.1:%d" % port,
                        "-f", vcl, "-p", "vmod_path=%s:%s" % (os.path.join(TOP, "vmod/.libs"), vmoddir),
                        "-s", "malloc,32m", "-p", "thread_pool_min=20"], "v%d.out" % i, env=env)
        for port in self.node_ports:
            wait(lambda: http_ok(port), "varnishd on %d" % port)
        self.logs = []
        for h in range(helpers):
            log = os.path.join(work, "helper%d.log" % h)
            self.logs.append(log)
            henv = dict(os.environ,
                        HUB_ENDPOINT="http://127.0.0.1:%d/.well-known/mercure" % hub_port,
                        HUB_JWT_KEY=KEY, LOG_LEVEL="debug", STATE_FILE="",
                        AGENT_ENDPOINT="http://127.0.0.1:%d" % self.node_ports[h % nodes])
            self.spawn([os.path.join(TOP, "helper/http-broadcast")], log, env=henv)
        wait(lambda: self.subscribers() >= helpers, "%d subscribers" % helpers, 120)

    def spawn(self, argv, out, env=None):
        f = open(os.path.join(self.work, out), "ab")
        self.procs.append(subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, env=env))

    def subscribers(self):
        try:
            text = open(self.hub_log).read()
        except OSError:
            return 0
        return len(re.findall(r"^subscribed ", text, re.M)) - \
            len(re.findall(r"^unsubscribed ", text, re.M))

    def stop(self):
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def measure(fleet, iterations):
    offsets = [0] * len(fleet.logs)
    per_helper, all_helpers, incomplete = [], [], 0
    conn = http.client.HTTPConnection("127.0.0.1", fleet.node_ports[0], timeout=10)
    for it in range(iterations):
        url = "/p/%d" % it
        t0 = time.time()
        conn.request("PURGE", url, headers={"Host": "www.example.com"})
        r = conn.getresponse()
        r.read()
        if r.status != 202:
            raise SystemExit("bench: PURGE answered %d %s" % (r.status, r.reason))
        seen = {}
        end = time.monotonic() + 30
        while len(seen) < len(fleet.logs) and time.monotonic() < end:
            for h, log in enumerate(fleet.logs):
                if h in seen:
                    continue
                with open(log) as f:
                    f.seek(offsets[h])
                    data = f.read()
                for line in data.splitlines():
                    m = LINE.search(line)
                    if m and m.group(2) == url:
                        ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
                        seen[h] = ts.replace(tzinfo=datetime.timezone.utc).timestamp() - t0
                offsets[h] += len(data)
            time.sleep(0.002)
        if len(seen) < len(fleet.logs):
            incomplete += 1
            continue
        # ms timestamps: a helper faster than 1 ms may show a negative delay
        delays = [max(0.0, d) for d in seen.values()]
        per_helper.extend(delays)
        all_helpers.append(max(delays))
        time.sleep(0.02)
    return per_helper, all_helpers, incomplete


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p * len(values))) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--helpers", default="3,10,50,200")
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--max-nodes", type=int, default=4)
    ap.add_argument("--plot", default=os.path.join(TOP, "docs/propagation.png"))
    args = ap.parse_args()
    rows = []
    print("| helpers | varnishd | PURGEs | per helper median (ms) | per helper p99 (ms) "
          "| all helpers median (ms) | all helpers worst (ms) | incomplete |")
    print("|---|---|---|---|---|---|---|---|")
    for n in [int(x) for x in args.helpers.split(",")]:
        work = tempfile.mkdtemp(prefix="hb-bench-scale.")
        os.chmod(work, 0o755)   # varnishd's unprivileged user reads node.vcl
        fleet = Fleet(min(n, args.max_nodes), work)
        try:
            fleet.start(n)
            per, alls, bad = measure(fleet, args.iterations)
        finally:
            fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
        row = (n, fleet.nodes, args.iterations, statistics.median(per) * 1e3,
               pct(per, 0.99) * 1e3, statistics.median(alls) * 1e3, max(alls) * 1e3, bad)
        rows.append(row)
        print("| %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %d |" % row, flush=True)
    if shutil.which("gnuplot") and args.plot:
        data = tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False)
        for r in rows:
            data.write("%d %f %f %f\n" % (r[0], r[3], r[4], r[6]))
        data.close()
        script = """
set terminal pngcairo size 800,480 font ",11"
set output '%s'
set title 'PURGE propagation: client to every helper (loopback, 2 cores)'
set xlabel 'helpers'
set ylabel 'ms'
set logscale x
set xtics (3, 10, 50, 200)
set key left top
set grid
plot '%s' using 1:2 with linespoints title 'per helper, median', \\
     '' using 1:3 with linespoints title 'per helper, p99', \\
     '' using 1:4 with linespoints title 'all helpers, worst'
""" % (args.plot, data.name)
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        os.unlink(data.name)
        print("plot: " + args.plot)
    return 1 if any(r[7] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
