#!/usr/bin/env python3
"""The helper container's settings in contrib/k8s/varnish.yaml, as shell
assignments, for k8s_stranger.vtc: every env entry with a literal value
("NAME=VALUE", one a line; entries from a Secret are left to the test),
then "MEMORY_LIMIT=<bytes>" from the container's memory limit.  The
manifest is read as text, in the shape it is written in (no YAML library
needed), and a missing part is an error: the test must follow the file.

    env.py MANIFEST
"""
import re
import sys

lines = open(sys.argv[1]).read().splitlines()
start = next(i for i, l in enumerate(lines)
             if re.match(r"\s+- name: http-broadcast$", l))
indent = len(lines[start]) - len(lines[start].lstrip())
body = []
for l in lines[start + 1:]:
    if l.strip() and len(l) - len(l.lstrip()) <= indent:
        break
    body.append(l)

env, name = [], None
for l in body:
    m = re.match(r"\s+- name: ([A-Z][A-Z0-9_]*)$", l)
    if m:
        name = m.group(1)
        continue
    m = re.match(r"\s+value: (.*)$", l)
    if m and name is not None:
        env.append((name, m.group(1).strip().strip('"')))
    name = None

limit = None
for i, l in enumerate(body):
    if l.strip() == "limits:":
        m = re.match(r"\s+memory: (\d+)Mi$", body[i + 1])
        if m:
            limit = int(m.group(1)) * 1024 * 1024
if not env or limit is None:
    sys.exit("env.py: no env or no memory limit for http-broadcast in %s" %
             sys.argv[1])
for n, v in env:
    if not re.match(r"^[A-Za-z0-9:/.,_\-]*$", v):
        sys.exit("env.py: %s has a value this test cannot pass on: %r" % (n, v))
    print("%s=%s" % (n, v))
print("MEMORY_LIMIT=%d" % limit)
