#!/usr/bin/env bash
# The CPU a reports' listener (REPORT_LISTEN=1) spends under a sustained
# flow of RATE purges a second: NODES nodes each report once per INTERVAL
# seconds (REPORT_INTERVAL) the RATE x INTERVAL events of that interval,
# for SECONDS simulated seconds.  The
# reports go straight to the listener's code (bench/bench_fleet.c), so
# the figure is the listener's own work, on one core, without a hub.
#
# Usage: bench/listener.sh [NODES=2000] [RATE=50] [SECONDS=10] [INTERVAL=1]
# Needs a configured tree (./configure; make).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C bench bench_fleet >/dev/null
bench/bench_fleet "${1:-2000}" "${2:-50}" "${3:-10}" "${4:-1}"
