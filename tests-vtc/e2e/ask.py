#!/usr/bin/env python3
"""Ask a helper's status listener (the port its log names) and check the
answer: for the tests of /events/<id> and /fleet.

    ask.py LOG PATH [--until EXPR] [--once]

Prints "CODE BODY".  With --until, asks every 50 ms until EXPR is true
(Python, over code: the HTTP status, j: the JSON body or None,
node(name): the entry of that node in j["Nodes"] or None), for at most
30 s (E2E_TIMEOUT); with --once, asks once and EXPR must hold.  Exit 1
when it does not.
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

args = sys.argv[1:]
log, path = args[0], args[1]
expr = None
once = "--once" in args
if "--until" in args:
    expr = args[args.index("--until") + 1]
limit = time.time() + float(os.environ.get("E2E_TIMEOUT", "30"))

port = None
while port is None:
    try:
        with open(log) as f:
            m = re.search(r"status listener on port (\d+)", f.read())
            port = m.group(1) if m else None
    except OSError:
        pass
    if port is None:
        if time.time() > limit:
            sys.exit("ask.py: no status listener in " + log)
        time.sleep(0.05)


def ask():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path),
                                    timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


while True:
    code, body = ask()
    try:
        j = json.loads(body)
    except ValueError:
        j = None

    def node(name):
        for n in (j or {}).get("Nodes", []):
            if n.get("Node") == name:
                return n
        return None

    ok = expr is None or eval(expr, {"code": code, "j": j, "node": node})
    if ok or once or time.time() > limit:
        print(code, body)
        if not ok:
            sys.exit("ask.py: %s: not %s" % (path, expr))
        sys.exit(0)
    time.sleep(0.05)
