#!/usr/bin/env python3
"""contrib/prometheus/http-broadcast.rules.yml: promtool accepts it (the
expressions and the annotations' templates), its unit tests pass, and
every alert has a test where it fires and one where it does not.

Skipped (exit 77) without promtool (Debian: prometheus).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

top = os.environ.get("HB_TOP_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
rules = os.path.join(top, "contrib", "prometheus", "http-broadcast.rules.yml")
tests = os.path.join(top, "contrib", "prometheus",
                     "http-broadcast.rules.test.yml")
copy = os.path.join(top, "tests-vtc", "prometheus", "rules-copy.py")

promtool = shutil.which("promtool")
if promtool is None:
    print("SKIP: promtool is not installed (Debian: apt install prometheus)")
    sys.exit(77)


def run(*argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, check=False)
    print("$ " + " ".join(argv) + "\n" + p.stdout)
    return p.returncode == 0


def coverage():
    """Each alert: one test with exp_alerts, one without."""
    with open(rules, encoding="utf-8") as f:
        alerts = re.findall(r"^\s*- alert:\s*(\S+)", f.read(), re.M)
    fires, quiet = set(), set()
    with open(tests, encoding="utf-8") as f:
        text = f.read()
    for case in re.split(r"\n\s*- eval_time:", text)[1:]:
        name = re.search(r"^\s*alertname:\s*(\S+)", case, re.M)
        if name is None:
            continue
        (fires if re.search(r"^\s*exp_alerts:", case, re.M)
         else quiet).add(name.group(1))
    ok = True
    for a in alerts:
        if a not in fires:
            print(f"FAIL: no test where {a} fires")
            ok = False
        if a not in quiet:
            print(f"FAIL: no test where {a} stays quiet")
            ok = False
    for a in (fires | quiet) - set(alerts):
        print(f"FAIL: the tests name {a}, which is not an alert")
        ok = False
    print(f"{len(alerts)} alerts, each tested firing and quiet" if ok else "")
    return ok


def main():
    ok = run(promtool, "check", "rules", rules)
    with tempfile.TemporaryDirectory() as tmp:
        bare = os.path.join(tmp, "http-broadcast.rules.yml")
        ok = run(sys.executable, copy, "bare", rules, bare) and ok
        shutil.copy(tests, tmp)
        ok = run(promtool, "test", "rules",
                 os.path.join(tmp, os.path.basename(tests))) and ok
    ok = coverage() and ok
    sys.exit(0 if ok else 1)


main()
