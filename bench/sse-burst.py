#!/usr/bin/env python3
"""One round of the replay benchmark (bench/replay.sh runs it).

Serves a precomputed text/event-stream body of N events (the project's
JSON, with ids) to the first GET, then keeps every connection open; starts
the helper with HUB_ENDPOINT pointing here (anonymous subscription) and
AGENT_ENDPOINT at the local varnishd; measures the time from the first
event byte written until varnishd's MAIN.n_purges has grown by N, and
samples the helper's memory (every 50 ms) idle, during and after the burst.
Prints one JSON object.  Python 3 standard library only.
"""

import argparse
import asyncio
import json
import os
import signal
import time


def event_stream(n):
    parts = [":\n\n"]
    for i in range(n):
        ev = {"Method": "PURGE", "Host": "bench.example",
              "Path": "/bench/%d" % i, "RawQuery": "",
              "Header": {"X-Httpbroadcast-Guard": ["http-broadcast"]},
              "Body": ""}
        parts.append("id: urn:uuid:00000000-0000-4000-8000-%012d\n"
                     "data: %s\n\n" % (i, json.dumps(ev, separators=(",", ":"))))
    return "".join(parts).encode()


def cpu_seconds(pid):
    """(user, system) CPU time of the process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / hz, int(fields[12]) / hz


def run_delay(pid):
    """Seconds the process spent runnable but waiting for a CPU."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[1]) / 1e9


def memory(pid):
    """VmRSS, VmHWM, Pss, Private_Dirty, Private_Clean in kB."""
    m = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    m[k] = int(v.split()[0])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Pss", "Private_Dirty", "Private_Clean"):
                    m[k] = int(v.split()[0])
    except (OSError, ValueError):
        return None
    return m


async def n_purges(vname):
    p = await asyncio.create_subprocess_exec(
        "varnishstat", "-n", vname, "-1", "-f", "MAIN.n_purges",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await p.communicate()
    for line in out.decode().splitlines():
        f = line.split()
        if f and f[0] == "MAIN.n_purges":
            return int(f[1])
    raise RuntimeError("varnishstat: no MAIN.n_purges")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--varnish-name", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--helper", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--concurrency", default="16")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--wrapper", default="", help="command prefix (valgrind ...)")
    ap.add_argument("--idle", type=float, default=1.0)
    ap.add_argument("--settle-kb", type=int, default=0,
                    help="after the burst, wait (at most --settle-seconds) "
                    "for Private_Dirty to fall under this many kB")
    ap.add_argument("--settle-seconds", type=float, default=10.0)
    a = ap.parse_args()

    body = event_stream(a.events)
    first_get = asyncio.get_running_loop().create_future()
    conns = []

    async def serve(reader, writer):
        conns.append(writer)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await reader.read(4096)
            if not chunk:
                return
            head += chunk
        # Plain HTTP/1.0-style stream: no chunking, ends when we close.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n")
        await writer.drain()
        if not first_get.done():
            first_get.set_result(writer)
        try:
            await reader.read()      # until the helper hangs up
        except (asyncio.CancelledError, ConnectionError):
            pass

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = dict(os.environ,
               HUB_ENDPOINT="http://127.0.0.1:%d/.well-known/mercure" % port,
               AGENT_ENDPOINT=a.agent, AGENT_MAX_CONCURRENCY=a.concurrency,
               STATE_FILE=os.path.join(a.workdir, "cursor"),
               LOG_LEVEL="info")
    try:
        os.unlink(env["STATE_FILE"])
    except FileNotFoundError:
        pass
    log = open(os.path.join(a.workdir, "helper.log"), "w")
    argv = a.wrapper.split() + [a.helper]
    helper = await asyncio.create_subprocess_exec(*argv, env=env, stderr=log)
    res = {"events": a.events, "concurrency": int(a.concurrency)}
    try:
        writer = await asyncio.wait_for(first_get, 30)
        await asyncio.sleep(a.idle)
        res["idle"] = memory(helper.pid)
        base = await n_purges(a.varnish_name)
        samples = []
        cpu0 = cpu_seconds(helper.pid)
        wait0 = run_delay(helper.pid)
        t0 = time.monotonic()
        writer.write(body)
        # varnishstat costs a few ms of CPU per call on a machine the
        # helper and varnishd share: poll it sparingly while far from the
        # end (half the expected remaining time, at most 100 ms), every
        # 10 ms near it.  Memory is read every 50 ms (cheap /proc reads).
        next_poll = t0
        while True:
            now = time.monotonic()
            m = memory(helper.pid)
            if m:
                samples.append(m)
            if now >= next_poll:
                done = await n_purges(a.varnish_name) - base
                if done >= a.events:
                    break
                now = time.monotonic()
                if now - t0 > a.timeout:
                    raise RuntimeError("timeout: %d of %d applied" % (done, a.events))
                eta = (a.events - done) * (now - t0) / done if done > 0 else 0.1
                next_poll = now + min(max(eta / 2, 0.01), 0.1)
            await asyncio.sleep(max(min(next_poll - time.monotonic(), 0.05), 0))
        t1 = time.monotonic()
        cpu1 = cpu_seconds(helper.pid)
        res["run_delay"] = run_delay(helper.pid) - wait0
        res["cpu_user"] = cpu1[0] - cpu0[0]
        res["cpu_sys"] = cpu1[1] - cpu0[1]
        res["cpu"] = res["cpu_user"] + res["cpu_sys"]
        res["seconds"] = t1 - t0
        res["rate"] = a.events / (t1 - t0)
        res["applied"] = done
        res["peak"] = {k: max(s[k] for s in samples) for k in samples[0]}
        await asyncio.sleep(a.idle)
        res["after"] = memory(helper.pid)
        if a.settle_kb > 0:
            # The backlog drained at t1: how long until the memory is back
            # (a bounded wait for evidence, not a timing).
            while True:
                m = memory(helper.pid)
                waited = time.monotonic() - t1
                if m["Private_Dirty"] < a.settle_kb or waited >= a.settle_seconds:
                    break
                await asyncio.sleep(0.1)
            res["settled"] = m
            res["settled_seconds"] = waited
        if os.environ.get("SMAPS_COPY"):
            with open("/proc/%d/smaps" % helper.pid) as f, \
                    open(os.environ["SMAPS_COPY"], "w") as o:
                o.write(f.read())
    finally:
        if helper.returncode is None:
            helper.send_signal(signal.SIGTERM)
        try:
            res["exit"] = await asyncio.wait_for(helper.wait(), 60)
        except asyncio.TimeoutError:
            helper.kill()
            res["exit"] = "killed"
        for w in conns:
            w.close()
        server.close()
    print(json.dumps(res))


asyncio.run(main())
