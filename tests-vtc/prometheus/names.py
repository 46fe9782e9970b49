#!/usr/bin/env python3
"""The expressions of contrib/grafana/http-broadcast.json and
contrib/prometheus/http-broadcast.rules.yml parse (promtool check rules on
a rules file made of them) and name only metrics that exist:

- the helper's: the "# TYPE" lines of /metrics of the built
  http-broadcast, run here with a hub, a report hub and REPORT_LISTEN=1
  (so every series it can show is listed: tbl/metrics.h, per hub, per
  node);
- the VMOD's: vmod/*.vsc, as prometheus-varnish-exporter names them
  (selected by __name__ patterns, each of which must match one);
- the recording rules of the rules file, and Prometheus's own up and
  ALERTS.

Skipped (exit 77) without promtool (Debian: prometheus).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

top = os.environ.get("HB_TOP_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
build = os.environ.get("HB_TOP_BUILDDIR") or top
dashboard = os.path.join(top, "contrib", "grafana", "http-broadcast.json")
rules = os.path.join(top, "contrib", "prometheus", "http-broadcast.rules.yml")
PROMETHEUS_OWN = {"up", "ALERTS", "ALERTS_FOR_STATE"}
KEYWORDS = {"and", "or", "unless", "offset", "bool", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan"}


def helper_metrics():
    """Names in the # TYPE lines of a running helper's /metrics."""
    env = dict(os.environ,
               HUB_ENDPOINT="http://127.0.0.1:9/.well-known/mercure",
               AGENT_ENDPOINT="http://127.0.0.1:9",
               REPORT_HUB_ENDPOINT="http://127.0.0.2:9/.well-known/mercure",
               REPORT_LISTEN="1", HUB_JWT_KEY="names-check-key-of-32-bytes-ok!!",
               STATUS_ADDR="127.0.0.1:0", STATE_FILE="", LOG_LEVEL="info")
    binary = os.path.join(build, "helper", "http-broadcast")
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                             stderr=err)
        try:
            port = None
            for _ in range(600):	# 30 s at most
                err.seek(0)
                m = re.search(r"status listener on port (\d+)", err.read())
                if m:
                    port = m.group(1)
                    break
                if p.poll() is not None:
                    break
                time.sleep(0.05)
            if port is None:
                err.seek(0)
                sys.exit("cannot start http-broadcast:\n" + err.read())
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                text = r.read().decode()
        finally:
            p.terminate()
            p.wait(timeout=30)
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def vmod_metrics():
    """The exporter's names of the VMOD's counters, for a VCL "boot" with
    an object "hub" (and its hub 1): varnish_main_<section>_boot_hub_...
    """
    names = set()
    vdir = os.path.join(top, "vmod")
    for f in sorted(os.listdir(vdir)):
        if not f.endswith(".vsc"):
            continue
        section = None
        with open(os.path.join(vdir, f), encoding="utf-8") as fh:
            for line in fh:
                m = re.match(r"\.\. varnish_vsc_begin::\s*(\S+)", line)
                if m:
                    section = m.group(1)
                m = re.match(r"\.\. varnish_vsc::\s*(\S+)", line)
                if m and section:
                    obj = "boot_hub_1" if section.endswith("_hub") else "boot_hub"
                    names.add(f"varnish_main_{section}_{obj}_{m.group(1)}")
    return names


def rule_exprs():
    """(expr, name) of the rules file: single-line or folded."""
    out, recorded = [], set()
    lines = open(rules, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*- record:\s*(\S+)", line)
        if m:
            recorded.add(m.group(1))
        m = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if not m:
            continue
        if m.group(2) in (">", ">-", "|"):
            body, j = [], i + 1
            while j < len(lines) and (not lines[j].strip() or
                                      len(lines[j]) - len(lines[j].lstrip())
                                      > len(m.group(1))):
                body.append(lines[j].strip())
                j += 1
            expr = " ".join(body)
        else:
            expr = m.group(2)
        out.append((expr.replace('\\\\', '\\'), f"{rules}:{i + 1}"))
    return out, recorded


def dashboard_exprs():
    d = json.load(open(dashboard, encoding="utf-8"))
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                out.append((t["expr"], f"panel {p.get('title')!r}"))
            walk(p.get("panels", []))
    walk(d["panels"])
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            m = re.match(r"label_values\((.*),\s*\w+\)$", q)
            out.append((m.group(1) if m else q, f"variable {v['name']!r}"))
    return out


def grafana_to_promql(expr):
    expr = re.sub(r"\$__(rate_interval|interval|range)", "5m", expr)
    return re.sub(r"\$\{?(\w+)\}?", r"\1", expr)


def names_in(expr):
    """Metric names and __name__ patterns of a PromQL expression."""
    patterns = re.findall(r'__name__\s*=~\s*"((?:[^"\\]|\\.)*)"', expr)
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
               " ", e)
    names = set()
    for m in re.finditer(r"(?<![\w.:])([A-Za-z_:][\w:]*)(\s*\()?", e):
        if m.group(2) or m.group(1).lower() in KEYWORDS:
            continue
        names.add(m.group(1))
    return names, [p.encode().decode("unicode_escape") for p in patterns]


def main():
    promtool = shutil.which("promtool")
    if promtool is None:
        print("SKIP: promtool is not installed (Debian: apt install prometheus)")
        sys.exit(77)
    helper = helper_metrics()
    vmod = vmod_metrics()
    rexprs, recorded = rule_exprs()
    dexprs = [(grafana_to_promql(e), w) for e, w in dashboard_exprs()]
    print(f"{len(helper)} helper metrics, {len(vmod)} VMOD metrics, "
          f"{len(recorded)} recorded, {len(dexprs)} dashboard expressions, "
          f"{len(rexprs)} rule expressions")
    if len(helper) < 20 or len(vmod) < 6:
        sys.exit("too few metrics found: the check itself is broken")
    known = helper | recorded | PROMETHEUS_OWN
    ok = True
    for expr, where in dexprs + rexprs:
        names, patterns = names_in(expr)
        for n in sorted(names - known):
            print(f"FAIL: {where}: {n} is not a metric http-broadcast, the "
                  f"VMOD or the recording rules export")
            ok = False
        for p in patterns:
            if not any(re.fullmatch(p, v) for v in vmod):
                print(f"FAIL: {where}: __name__ pattern {p!r} matches none "
                      f"of the VMOD's counters")
                ok = False
    # Every dashboard expression parses: as recording rules, for promtool.
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "dashboard.rules.json")
        with open(f, "w", encoding="utf-8") as fh:
            json.dump({"groups": [{"name": "dashboard", "rules": [
                {"record": f"dashboard:expr_{i}", "expr": e}
                for i, (e, _) in enumerate(dexprs)]}]}, fh)
        p = subprocess.run([promtool, "check", "rules", f], text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           check=False)
        print(p.stdout)
        if p.returncode != 0:
            for i, (e, w) in enumerate(dexprs):
                print(f"dashboard:expr_{i}: {w}: {e}")
            ok = False
    sys.exit(0 if ok else 1)


main()
