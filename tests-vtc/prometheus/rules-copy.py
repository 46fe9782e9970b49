#!/usr/bin/env python3
"""Test copies of contrib/prometheus/http-broadcast.rules.yml.

  rules-copy.py bare RULES OUT      the rules without their annotations
  rules-copy.py fast RULES OUT      every "for:" shortened to FOR (default
                                    5s), every range window to WINDOW
                                    (default 15s), every offset to OFFSET
                                    (default 10s)

"bare" lets the unit tests (promtool test rules) name each alert's labels
without repeating its prose: `promtool check rules` checks the annotations'
templates.  "fast" lets the real-scrape test see an alert go firing and
back within seconds.  The rules file is written in one shape: an
"annotations:" key whose block is indented deeper than it.
"""
import os
import re
import sys


def bare(lines):
    out, skip = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skip is not None:
            if line.strip() and indent <= skip:
                skip = None
            else:
                continue
        if line.strip() == "annotations:":
            skip = indent
            continue
        out.append(line)
    return out


def fast(lines, hold, window, offset):
    out = []
    for line in lines:
        line = re.sub(r"^(\s*for:\s*)\S+", r"\g<1>" + hold, line)
        line = re.sub(r"\[\d+[smhd]\]", "[" + window + "]", line)
        line = re.sub(r"\boffset \d+[smhd]\b", "offset " + offset, line)
        out.append(line)
    return out


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("bare", "fast"):
        sys.exit(__doc__)
    with open(sys.argv[2], encoding="utf-8") as f:
        lines = f.read().splitlines()
    if sys.argv[1] == "bare":
        lines = bare(lines)
    else:
        lines = fast(lines, os.environ.get("FOR", "5s"),
                     os.environ.get("WINDOW", "15s"),
                     os.environ.get("OFFSET", "10s"))
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


main()
