#!/usr/bin/env python3
"""An origin that records what reaches it: answers every request (any
method) with 200 and appends "- ReqURL <url>" for it to a file, in the form
e2e/applied-urls reads.  Used where a varnishd restarts and its own log in
memory would be lost.

    recorder.py PORTFILE OUTFILE
"""
import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    def record(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with open(sys.argv[2], "a") as f:
            f.write("- ReqURL %s\n" % self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PURGE = do_BAN = record

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
# TERM ends it with status 0: the test waits for it and checks that.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
os.rename(tmp, sys.argv[1])
server.serve_forever()
