#!/usr/bin/env bash
# The multi-hub EventID table under ids crafted to collide in plain
# FNV-1a (issue 23): N of them into a window of WINDOW, with the table's
# hash of before (FNV-1a) and of now (SipHash, random key), and ordinary
# ids as the reference, in one run (bench/bench_dedup.c).
#
# Usage: bench/dedup.sh [N=50000] [WINDOW=50000]
# Needs a configured tree (./configure; make).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C bench bench_dedup >/dev/null
bench/bench_dedup "${1:-50000}" "${2:-50000}"
