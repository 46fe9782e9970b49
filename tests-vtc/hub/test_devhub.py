#!/usr/bin/env python3
"""Tests of the development Mercure hub (devhub.py), over real sockets.

Each test class starts devhub.py as a subprocess on 127.0.0.1, port 0, in a
temporary directory, and reads the chosen port from its --port-file.  Run by
`make check` (automake runs `$(PYTHON) hub/test_devhub.py`) or by hand:

    python3 tests-vtc/hub/test_devhub.py [-v] [TestClass[.test_name]]

DEVHUB_MANY_SUBSCRIBERS=N changes the size of the concurrency test (default
2000; 0 skips it).  Exits non-zero on failure, after a one-line summary.
"""

import asyncio
import base64
import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DEVHUB = os.path.join(HERE, "devhub.py")
PATH = "/.well-known/mercure"
KEY = "devhub-test-key"


# ---------------------------------------------------------------- helpers

def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def make_jwt(publish=None, subscribe=None, key=KEY, alg="HS256", **claims):
    """An HMAC JWT with mercure claims (alg "none" gives no signature)."""
    mercure = {}
    if publish is not None:
        mercure["publish"] = publish
    if subscribe is not None:
        mercure["subscribe"] = subscribe
    claims["mercure"] = mercure
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signed = (head + "." + body).encode()
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
              "HS512": hashlib.sha512}.get(alg)
    sig = b64url(hmac.new(key.encode(), signed, digest).digest()) \
        if digest else ""
    return head + "." + body + "." + sig


PUBLISHER = make_jwt(publish=["*"])


def load_devhub():
    """devhub.py as a module, for the tests of its pure functions."""
    spec = importlib.util.spec_from_file_location("devhub", DEVHUB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


devhub = load_devhub()


class HubProcess:
    """devhub.py in a subprocess, on a free port, in a temporary dir."""

    def __init__(self, *args, tmpdir=None):
        self.args = list(args)
        self.own_tmpdir = tmpdir is None
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="devhub-test.")
        self.log_path = os.path.join(self.tmpdir, "hub.log")
        self.proc = None
        self.port = None

    def start(self):
        port_file = os.path.join(self.tmpdir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, DEVHUB, "--listen", "127.0.0.1:0",
             "--port-file", port_file, "--log-file", self.log_path]
            + self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                out, err = self.proc.communicate(timeout=5)
                raise RuntimeError("devhub did not start: %s" % err.decode())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        line = self.proc.stdout.readline().decode()
        assert line == "listening on 127.0.0.1:%d\n" % self.port, line
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        if self.own_tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, text, count=1, timeout=5):
        deadline = time.time() + timeout
        while self.log().count(text) < count and time.time() < deadline:
            time.sleep(0.02)
        return self.log().count(text) >= count


def publish(port, fields, token=PUBLISHER, headers=None, conn=None):
    """POST a form to the hub; returns (status, body text, response)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    all_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token is not None:
        all_headers["Authorization"] = "Bearer " + token
    all_headers.update(headers or {})
    conn.request("POST", PATH, body=urllib.parse.urlencode(fields),
                 headers=all_headers)
    response = conn.getresponse()
    body = response.read().decode()
    if own:
        conn.close()
    return response.status, body, response


def publish_ok(port, fields, **kw):
    status, body, _ = publish(port, fields, **kw)
    assert status == 200, (status, body)
    return body


class Stream:
    """A raw-socket SSE subscriber that de-chunks what it reads."""

    def __init__(self, port, topics, token=None, headers=None, query=(),
                 version="HTTP/1.1", rcvbuf=None):
        params = [("topic", t) for t in topics] + list(query)
        target = PATH + "?" + urllib.parse.urlencode(params)
        request = ["GET %s %s" % (target, version), "Host: 127.0.0.1"]
        if token:
            request.append("Authorization: Bearer " + token)
        request.extend("%s: %s" % item for item in (headers or {}).items())
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:                      # before connect: a small window
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode())
        self.raw = b""
        self.body = b""
        self.eof = False
        self.clean_end = False
        self.chunked = False
        self.in_body = False
        while b"\r\n\r\n" not in self.raw and self._recv(5):
            pass
        head, _, self.raw = self.raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.in_body = True
        self._dechunk()

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.raw += data
        self._dechunk()
        return True

    def _dechunk(self):
        if not self.in_body:
            return
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            return
        while b"\r\n" in self.raw:
            size_line, _, rest = self.raw.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            if size == 0:
                self.clean_end = True
            self.body += rest[:size]
            self.raw = rest[size + 2:]

    @property
    def text(self):
        return self.body.decode("utf-8")

    def read_until(self, predicate, timeout=5, raw=False):
        """Read until predicate(text) is true (predicate(body bytes) with
        raw=True, cheaper on big streams), EOF or timeout."""
        check = (lambda: predicate(self.body)) if raw else \
            (lambda: predicate(self.text))
        deadline = time.time() + timeout
        while not check() and not self.eof:
            left = deadline - time.time()
            if left <= 0:
                break
            self._recv(left)
        return check()

    def wait_text(self, needle, timeout=5):
        return self.read_until(lambda text: needle in text, timeout)

    def wait_eof(self, timeout=5):
        deadline = time.time() + timeout
        while not self.eof and time.time() < deadline:
            self._recv(deadline - time.time())
        return self.eof

    def events(self):
        """The events received so far as dicts; comments are skipped."""
        events = []
        for block in self.text.split("\n\n")[:-1]:
            event = {"data": []}
            for line in block.split("\n"):
                if not line or line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    event["data"].append(value)
                else:
                    event[name] = value
            if "id" in event:
                events.append(event)
        return events

    def ids(self):
        return [event["id"] for event in self.events()]

    def heartbeats(self):
        """Comments after the first event (the stream starts with one)."""
        text = self.text
        first = text.find("\n\n")
        return 0 if first < 0 else text[first:].count("\n:\n")

    def close(self):
        self.sock.close()


def unique_topic(name):
    return "https://example.com/%s/%d" % (name, time.monotonic_ns())


class HubTestCase(unittest.TestCase):
    """Starts one hub for the whole class with HUB_ARGS."""

    HUB_ARGS = ("--jwt-key", KEY, "--allow-anonymous", "--heartbeat", "0")

    @classmethod
    def setUpClass(cls):
        cls.hub = HubProcess(*cls.HUB_ARGS).start()
        cls.port = cls.hub.port

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()

    def setUp(self):
        self.streams = []

    def tearDown(self):
        for stream in self.streams:
            stream.close()

    def subscribe(self, topics, **kw):
        stream = Stream(self.port, topics, **kw)
        self.streams.append(stream)
        return stream


# ---------------------------------------------------------------- pure parts

class TemplateTests(unittest.TestCase):
    """Selectors against topics, as the reference hub's URI templates."""

    CASES = [
        ("https://x/books/{id}", "https://x/books/1", True),
        ("https://x/books/{id}", "https://x/books/1/2", False),
        ("https://x/books/{id}", "https://x/books/a%20b", True),
        ("https://x/books/{id}", "https://x/books/a,b", True),
        ("https://x/books/{id}", "https://x/other/1", False),
        ("https://x/{+path}", "https://x/a/b/c", True),
        ("https://x/{+path}", "https://x/a?b=c", True),
        ("https://x/{#frag}", "https://x/#a/b", True),
        ("https://x{/seg}/end", "https://x/a/end", True),
        ("https://x{/seg}/end", "https://x/a/b/end", False),
        ("https://x{/seg*}/end", "https://x/a/b/end", True),
        ("https://x{/a,b}/end", "https://x/1/2/end", True),
        ("https://x/s{?q,page}", "https://x/s?q=a&page=2", True),
        ("https://x/s{?q}", "https://x/s?z=a", False),
        ("https://x/{term:1}/{term}", "https://x/c/cat", True),
        ("https://x/{term:1}/{term}", "https://x/ca/cat", False),
        ("https://x/file{.ext}", "https://x/file.json", True),
        ("https://x/m{;v}", "https://x/m;v=1", True),
    ]

    def test_templates(self):
        matcher = devhub.TopicMatcher()
        for selector, topic, expected in self.CASES:
            self.assertEqual(matcher.matches(selector, topic), expected,
                             (selector, topic))

    def test_star_and_exact(self):
        matcher = devhub.TopicMatcher()
        self.assertTrue(matcher.matches("*", "anything"))
        self.assertTrue(matcher.matches("urn:a", "urn:a"))
        self.assertFalse(matcher.matches("urn:a", "urn:ab"))

    def test_invalid_templates_match_only_exactly(self):
        matcher = devhub.TopicMatcher()
        for selector in ("https://x/{", "https://x/}", "https://x/{}",
                         "https://x/{a.b}", "https://x y/{a}",
                         "https://x/{=a}"):
            self.assertIsNone(devhub.uri_template_regex(selector), selector)
            self.assertTrue(matcher.matches(selector, selector))
            self.assertFalse(matcher.matches(selector, "https://x/1"))

    def test_grants(self):
        matcher = devhub.TopicMatcher()
        granted = ["https://a/{id}", "urn:b"]
        self.assertTrue(matcher.all_granted(granted, ["https://a/1", "urn:b"]))
        self.assertFalse(matcher.all_granted(granted, ["https://a/1",
                                                       "urn:c"]))
        self.assertTrue(matcher.any_match(granted, ["urn:c", "urn:b"]))
        self.assertFalse(matcher.any_match([], ["urn:b"]))


class JwtTests(unittest.TestCase):

    def test_valid_tokens(self):
        for alg in ("HS256", "HS384", "HS512"):
            claims = devhub.jwt_verify(make_jwt(publish=["a"], alg=alg),
                                       KEY.encode())
            self.assertEqual(devhub.mercure_selectors(claims, "publish"),
                             ["a"])
            self.assertEqual(devhub.mercure_selectors(claims, "subscribe"),
                             [])

    def test_refused_tokens(self):
        now = time.time()
        for token in (make_jwt(alg="none"), make_jwt(alg="RS256"),
                      make_jwt(key="other"), make_jwt(exp=int(now) - 1),
                      make_jwt(exp="soon"), make_jwt(nbf=int(now) + 60),
                      "a.b", "a.b.c", "", "é.b.c"):
            with self.assertRaises(devhub.AuthError, msg=token):
                devhub.jwt_verify(token, KEY.encode(), now)

    def test_exp_boundary(self):
        token = make_jwt(exp=1000)
        devhub.jwt_verify(token, KEY.encode(), 999.9)
        with self.assertRaises(devhub.AuthError):
            devhub.jwt_verify(token, KEY.encode(), 1000)


class EncodingTests(unittest.TestCase):

    def test_sse_encoding(self):
        update = devhub.Update("i1", ["t"], "a\r\nb\rc\n", True, "purge", 5)
        self.assertEqual(update.sse(), b"event: purge\nretry: 5\nid: i1\n"
                         b"data: a\ndata: b\ndata: c\ndata: \n\n")
        self.assertEqual(devhub.Update("i2", ["t"]).sse(),
                         b"id: i2\ndata: \n\n")

    def test_json_round_trip(self):
        update = devhub.Update("i1", ["t", "u"], "x\ny", True, "purge", 5)
        again = devhub.Update.from_json(update.to_json())
        self.assertEqual(again.sse(), update.sse())
        self.assertEqual((again.topics, again.private), (["t", "u"], True))


# ---------------------------------------------------------------- publish

class PublishTests(HubTestCase):

    def test_publish_answers_200_with_a_generated_id(self):
        status, body, response = publish(self.port, [("topic", "t"),
                                                     ("data", "x")])
        self.assertEqual(status, 200)
        self.assertRegex(body, r"^urn:uuid:[0-9a-f-]{36}$")
        self.assertTrue(response.getheader("Content-Type")
                        .startswith("text/plain"))

    def test_given_id_is_kept(self):
        self.assertEqual(publish_ok(self.port, [("topic", "t"),
                                                ("id", "my-id-1")]), "my-id-1")

    def test_id_with_control_character_is_400(self):
        status, _, _ = publish(self.port, [("topic", "t"), ("id", "a\nb")])
        self.assertEqual(status, 400)

    def test_missing_topic_is_400(self):
        status, body, _ = publish(self.port, [("data", "x")])
        self.assertEqual(status, 400)
        self.assertIn("topic", body)

    def test_retry_must_be_digits(self):
        for retry in ("1.5", "-1", "x", "10s"):
            status, _, _ = publish(self.port, [("topic", "t"),
                                               ("retry", retry)])
            self.assertEqual(status, 400, retry)
        publish_ok(self.port, [("topic", "t"), ("retry", "1000")])

    def test_no_token_is_401(self):
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=None)[0], 401)

    def test_bad_signature_is_401(self):
        forged = make_jwt(publish=["*"], key="another key")
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=forged)[0], 401)
        tampered = PUBLISHER[:-2] + ("AA" if PUBLISHER[-2:] != "AA" else "BB")
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=tampered)[0], 401)

    def test_expired_token_is_401(self):
        expired = make_jwt(publish=["*"], exp=int(time.time()) - 10)
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=expired)[0], 401)
        valid = make_jwt(publish=["*"], exp=int(time.time()) + 60)
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=valid)[0], 200)

    def test_alg_none_and_garbage_are_401(self):
        for token in (make_jwt(publish=["*"], alg="none"),
                      make_jwt(publish=["*"], alg="RS256"),
                      "not.a.jwt", "abc"):
            self.assertEqual(publish(self.port, [("topic", "t")],
                                     token=token)[0], 401, token)

    def test_hs384_and_hs512(self):
        for alg in ("HS384", "HS512"):
            token = make_jwt(publish=["*"], alg=alg)
            self.assertEqual(publish(self.port, [("topic", "t")],
                                     token=token)[0], 200, alg)

    def test_every_topic_must_be_granted(self):
        token = make_jwt(publish=["https://a.example/{id}"])
        ok = [("topic", "https://a.example/1")]
        self.assertEqual(publish(self.port, ok, token=token)[0], 200)
        both = ok + [("topic", "https://b.example/1")]
        self.assertEqual(publish(self.port, both, token=token)[0], 401)
        none = make_jwt(subscribe=["*"])
        self.assertEqual(publish(self.port, ok, token=none)[0], 401)

    def test_token_in_query_parameter(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("POST", PATH + "?authorization=" + PUBLISHER,
                     body="topic=t",
                     headers={"Content-Type":
                              "application/x-www-form-urlencoded"})
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_token_in_cookie(self):
        cookie = {"Cookie": "a=b; mercureAuthorization=%s; c=d" % PUBLISHER}
        self.assertEqual(publish(self.port, [("topic", "t")], token=None,
                                 headers=cookie)[0], 200)

    def test_authorization_header_comes_first(self):
        cookie = {"Cookie": "mercureAuthorization=%s" % PUBLISHER}
        self.assertEqual(publish(self.port, [("topic", "t")], token="bad",
                                 headers=cookie)[0], 401)

    def test_keep_alive_serves_many_posts_on_one_connection(self):
        before = self.hub.log().count("connection peer=")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.connect()
        sock = conn.sock
        for i in range(20):
            status, body, response = publish(
                self.port, [("topic", "t"), ("data", str(i))], conn=conn)
            self.assertEqual(status, 200)
            self.assertEqual(response.getheader("Connection"), "keep-alive")
        self.assertIs(conn.sock, sock)
        conn.close()
        self.assertEqual(self.hub.log().count("connection peer="), before + 1)

    def test_chunked_body_and_expect_100_continue(self):
        body = urllib.parse.urlencode([("topic", "t"), ("id", "chunked-1"),
                                       ("data", "y" * 3000)]).encode()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(("POST %s HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer %s\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Transfer-Encoding: chunked\r\n"
                      "Expect: 100-continue\r\n\r\n" % (PATH, PUBLISHER))
                     .encode())
        self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 100 Continue"))
        for start in range(0, len(body), 1000):
            part = body[start:start + 1000]
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        sock.sendall(b"0\r\n\r\n")
        reply = b""
        while not reply.endswith(b"chunked-1"):
            data = sock.recv(4096)
            if not data:
                break
            reply += data
        sock.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply)
        self.assertTrue(reply.endswith(b"\r\n\r\nchunked-1"), reply)

    def test_healthz(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("GET", "/healthz")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_one_log_line_per_publish(self):
        topic = unique_topic("logged")
        event_id = publish_ok(self.port, [("topic", topic), ("data", "abcd"),
                                          ("private", "on")])
        self.assertTrue(self.hub.wait_log(
            "published id=%s topic=%s private=1 bytes=4\n" % (event_id, topic)))


# ---------------------------------------------------------------- subscribe

class SubscribeTests(HubTestCase):

    def test_stream_headers_and_first_comment(self):
        stream = self.subscribe(["*"])
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.headers["content-type"], "text/event-stream")
        self.assertEqual(stream.headers["cache-control"], "no-cache")
        self.assertNotIn("last-event-id", stream.headers)
        self.assertTrue(stream.wait_text(":\n"))
        self.assertEqual(stream.text, ":\n")

    def test_missing_topic_is_400(self):
        self.assertEqual(self.subscribe([]).status, 400)

    def test_event_format(self):
        topic = unique_topic("format")
        stream = self.subscribe([topic])
        publish_ok(self.port, [("topic", topic), ("id", "f1"),
                               ("type", "purge"), ("retry", "2500"),
                               ("data", "line one\nline two\r\nline three")])
        publish_ok(self.port, [("topic", topic), ("id", "f2")])
        self.assertTrue(stream.wait_text("id: f2\n"))
        self.assertTrue(stream.wait_text("id: f2\ndata: \n\n"))
        self.assertEqual(stream.text,
                         ":\n"
                         "event: purge\nretry: 2500\nid: f1\n"
                         "data: line one\ndata: line two\ndata: line three\n"
                         "\n"
                         "id: f2\ndata: \n\n")

    def test_selectors(self):
        base = unique_topic("sel")
        exact = self.subscribe([base + "/a"])
        star = self.subscribe(["*"])
        simple = self.subscribe([base + "/{id}"])
        reserved = self.subscribe([base + "/{+rest}"])
        for suffix in ("/a", "/b", "/b/c"):
            publish_ok(self.port, [("topic", base + suffix),
                                   ("id", base + suffix)])
        publish_ok(self.port, [("topic", base + "/end"), ("id", "sel-end")])
        for stream in (star, simple, reserved):
            self.assertTrue(stream.wait_text("id: sel-end\n"))
        publish_ok(self.port, [("topic", base + "/a"), ("id", "sel-end-a")])
        self.assertTrue(exact.wait_text("id: sel-end-a\n"))
        self.assertEqual(exact.ids(), [base + "/a", "sel-end-a"])
        self.assertEqual(simple.ids(), [base + "/a", base + "/b", "sel-end"])
        self.assertEqual(reserved.ids()[:4], [base + "/a", base + "/b",
                                              base + "/b/c", "sel-end"])
        self.assertIn(base + "/b/c", star.ids())

    def test_any_topic_of_an_update_matches(self):
        topic = unique_topic("multi")
        stream = self.subscribe([topic])
        publish_ok(self.port, [("topic", "https://other.example/x"),
                               ("topic", topic), ("id", "multi-1")])
        self.assertTrue(stream.wait_text("id: multi-1\n"))

    def test_private_updates_follow_subscribe_claims(self):
        topic = unique_topic("private")
        granted = self.subscribe([topic], token=make_jwt(subscribe=[topic]))
        templated = self.subscribe(
            [topic], token=make_jwt(subscribe=[topic.rsplit("/", 1)[0] +
                                               "/{n}"]))
        other = self.subscribe([topic],
                               token=make_jwt(subscribe=["https://x/y"]))
        anonymous = self.subscribe([topic])
        publish_ok(self.port, [("topic", topic), ("private", "on"),
                               ("id", "secret-1")])
        publish_ok(self.port, [("topic", topic), ("id", "public-1")])
        for stream in (granted, templated, other, anonymous):
            self.assertTrue(stream.wait_text("id: public-1\n"))
        self.assertEqual(granted.ids(), ["secret-1", "public-1"])
        self.assertEqual(templated.ids(), ["secret-1", "public-1"])
        self.assertEqual(other.ids(), ["public-1"])
        self.assertEqual(anonymous.ids(), ["public-1"])
        # The same filter applies to the replay.
        replay_other = self.subscribe(
            [topic], token=make_jwt(subscribe=["https://x/y"]),
            headers={"Last-Event-ID": "earliest"})
        replay_granted = self.subscribe(
            [topic], token=make_jwt(subscribe=["*"]),
            headers={"Last-Event-ID": "earliest"})
        for stream in (replay_other, replay_granted):
            self.assertTrue(stream.wait_text("id: public-1\n"))
        self.assertEqual(replay_other.ids(), ["public-1"])
        self.assertEqual(replay_granted.ids(), ["secret-1", "public-1"])

    def test_bad_subscriber_token_is_401_even_if_anonymous_allowed(self):
        forged = make_jwt(subscribe=["*"], key="wrong")
        self.assertEqual(self.subscribe(["*"], token=forged).status, 401)
        expired = make_jwt(subscribe=["*"], exp=int(time.time()) - 1)
        self.assertEqual(self.subscribe(["*"], token=expired).status, 401)

    def publish_three(self, name):
        topic = unique_topic(name)
        ids = [publish_ok(self.port, [("topic", topic), ("data", str(i))])
               for i in range(3)]
        return topic, ids

    def test_replay_after_last_event_id_header(self):
        topic, ids = self.publish_three("replay")
        stream = self.subscribe([topic], headers={"Last-Event-ID": ids[0]})
        self.assertEqual(stream.headers["last-event-id"], ids[0])
        self.assertTrue(stream.wait_text("id: %s\n" % ids[2]))
        self.assertEqual(stream.ids(), ids[1:])

    def test_replay_after_query_parameters(self):
        topic, ids = self.publish_three("replayq")
        for name in ("lastEventID", "Last-Event-ID", "last_event_id"):
            stream = self.subscribe([topic], query=[(name, ids[1])])
            self.assertEqual(stream.headers["last-event-id"], ids[1], name)
            self.assertTrue(stream.wait_text("id: %s\n" % ids[2]), name)
            self.assertEqual(stream.ids(), ids[2:], name)

    def test_unknown_id_gives_newest_id_and_no_replay(self):
        topic, ids = self.publish_three("unknown")
        newest = publish_ok(self.port, [("topic", "elsewhere")])
        stream = self.subscribe([topic],
                                headers={"Last-Event-ID": "no-such-id"})
        self.assertEqual(stream.headers["last-event-id"], newest)
        live = publish_ok(self.port, [("topic", topic)])
        self.assertTrue(stream.wait_text("id: %s\n" % live))
        self.assertEqual(stream.ids(), [live])

    def test_non_ascii_id_in_last_event_id_header(self):
        topic = unique_topic("utf8")
        event_id = publish_ok(self.port, [("topic", topic),
                                          ("id", "caf\u00e9-\u2603")])
        stream = self.subscribe([topic], headers={"Last-Event-ID": "nope"})
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.headers["last-event-id"].encode("latin-1"),
                         event_id.encode("utf-8"))
        again = self.subscribe([topic], query=[("lastEventID", "earliest")])
        self.assertTrue(again.wait_text("id: %s\n" % event_id))

    def test_other_paths_and_methods(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("GET", "/elsewhere")
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 404)
        conn.request("PUT", PATH, body="topic=t")
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 405)
        conn.close()

    def test_earliest_replays_whole_history(self):
        topic, ids = self.publish_three("earliest")
        stream = self.subscribe([topic], query=[("lastEventID", "earliest")])
        self.assertEqual(stream.headers["last-event-id"], "earliest")
        self.assertTrue(stream.wait_text("id: %s\n" % ids[2]))
        self.assertEqual(stream.ids(), ids)

    def test_stream_closes_before_token_expires(self):
        exp = int(time.time()) + 3
        stream = self.subscribe(["*"], token=make_jwt(subscribe=["*"],
                                                      exp=exp))
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.wait_eof(6))
        self.assertLess(time.time(), exp)
        self.assertTrue(stream.clean_end)

    def test_http_1_0_subscriber_gets_a_plain_stream(self):
        topic = unique_topic("http10")
        stream = self.subscribe([topic], version="HTTP/1.0")
        self.assertEqual(stream.status, 200)
        self.assertFalse(stream.chunked)
        publish_ok(self.port, [("topic", topic), ("id", "h10")])
        self.assertTrue(stream.wait_text(":\nid: h10\ndata: \n\n"))


class SignalTests(HubTestCase):

    def test_sigusr1_drops_every_subscriber(self):
        streams = [self.subscribe(["*"]) for _ in range(5)]
        for stream in streams:
            self.assertTrue(stream.wait_text(":\n"))
        self.hub.proc.send_signal(signal.SIGUSR1)
        for stream in streams:
            self.assertTrue(stream.wait_eof(5))
            self.assertTrue(stream.clean_end)
        self.assertTrue(self.hub.wait_log("reason=signal", 5))
        # The hub itself keeps serving.
        again = self.subscribe(["*"])
        event_id = publish_ok(self.port, [("topic", "t")])
        self.assertTrue(again.wait_text("id: %s\n" % event_id))


class AnonymousRefusedTests(HubTestCase):
    HUB_ARGS = ("--publisher-jwt-key", KEY, "--subscriber-jwt-key", "sub-key")

    def test_anonymous_subscriber_is_401(self):
        self.assertEqual(self.subscribe(["*"]).status, 401)

    def test_separate_subscriber_key(self):
        good = make_jwt(subscribe=["*"], key="sub-key")
        self.assertEqual(self.subscribe(["*"], token=good).status, 200)
        publisher_keyed = make_jwt(subscribe=["*"])
        self.assertEqual(self.subscribe(["*"], token=publisher_keyed).status,
                         401)
        self.assertEqual(publish(self.port, [("topic", "t")],
                                 token=make_jwt(publish=["*"],
                                                key="sub-key"))[0], 401)
        self.assertEqual(publish(self.port, [("topic", "t")])[0], 200)

    def test_token_in_query_and_cookie(self):
        good = make_jwt(subscribe=["*"], key="sub-key")
        query = self.subscribe(["*"], query=[("authorization", good)])
        self.assertEqual(query.status, 200)
        cookie = self.subscribe(
            ["*"], headers={"Cookie": "mercureAuthorization=" + good})
        self.assertEqual(cookie.status, 200)


class HeartbeatTests(HubTestCase):
    HEARTBEAT = 0.6
    HUB_ARGS = ("--jwt-key", KEY, "--allow-anonymous",
                "--heartbeat", str(HEARTBEAT))

    def test_heartbeat_comments(self):
        stream = self.subscribe(["*"])
        self.assertTrue(stream.read_until(lambda t: t.count(":\n") >= 4, 4))
        self.assertEqual(stream.text[:8], ":\n:\n:\n:\n")

    def test_an_event_restarts_the_heartbeat_timer(self):
        # Publish half-way between two heartbeats: a timer that kept its
        # phase would beat about HEARTBEAT/2 after the event, a restarted
        # one a whole HEARTBEAT after it.
        topic = unique_topic("hb")
        stream = self.subscribe([topic])
        self.assertTrue(stream.read_until(lambda t: t == ":\n:\n", 3))
        time.sleep(self.HEARTBEAT / 2)
        publish_ok(self.port, [("topic", topic), ("id", "hb1")])
        self.assertTrue(stream.wait_text("id: hb1\ndata: \n\n"))
        received = time.time()
        self.assertTrue(stream.wait_text("data: \n\n:\n", 3))
        self.assertGreater(time.time() - received, self.HEARTBEAT * 0.75)


class WriteTimeoutTests(HubTestCase):
    HUB_ARGS = ("--jwt-key", KEY, "--allow-anonymous", "--heartbeat", "0",
                "--write-timeout", "1.5")

    def test_stream_ends_in_the_last_part_of_the_write_timeout(self):
        start = time.time()
        stream = self.subscribe(["*"])
        self.assertTrue(stream.wait_eof(5))
        elapsed = time.time() - start
        self.assertGreaterEqual(elapsed, 1.5 * 0.8 - 0.05)
        self.assertLess(elapsed, 2.5)
        self.assertTrue(stream.clean_end)
        self.assertTrue(self.hub.wait_log("reason=timeout"))


# ---------------------------------------------------------------- history

class HistoryTests(unittest.TestCase):

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="devhub-test.")
        self.hubs = []

    def tearDown(self):
        for hub in self.hubs:
            hub.stop()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def start(self, *args):
        hub = HubProcess("--jwt-key", KEY, "--allow-anonymous",
                         "--heartbeat", "0", *args, tmpdir=self.tmpdir)
        self.hubs.append(hub)
        return hub.start()

    def replay(self, hub, cursor, until):
        stream = Stream(hub.port, ["*"], headers={"Last-Event-ID": cursor})
        if until:
            self.assertTrue(stream.wait_text("id: %s\n" % until))
        stream.close()
        return stream

    def test_history_keeps_the_last_n_events(self):
        hub = self.start("--history-size", "3")
        ids = [publish_ok(hub.port, [("topic", "t")]) for _ in range(5)]
        self.assertEqual(self.replay(hub, "earliest", ids[4]).ids(), ids[2:])
        evicted = self.replay(hub, ids[0], None)
        self.assertEqual(evicted.headers["last-event-id"], ids[4])

    def test_no_history(self):
        hub = self.start("--history-size", "0")
        first = Stream(hub.port, ["*"], headers={"Last-Event-ID": "x"})
        self.assertEqual(first.headers["last-event-id"], "earliest")
        first.close()
        ids = [publish_ok(hub.port, [("topic", "t")]) for _ in range(2)]
        newest = self.replay(hub, ids[0], None)
        self.assertEqual(newest.headers["last-event-id"], ids[1])
        self.assertEqual(newest.ids(), [])
        current = self.replay(hub, ids[1], None)
        self.assertEqual(current.headers["last-event-id"], ids[1])

    def test_history_file_survives_restart(self):
        path = os.path.join(self.tmpdir, "history.jsonl")
        hub = self.start("--history-file", path)
        ids = [publish_ok(hub.port, [("topic", "t"), ("data", "a\nb")])
               for _ in range(3)]
        ids.append(publish_ok(hub.port, [("topic", "t"), ("private", "on"),
                                         ("id", "kept-id"), ("type", "x"),
                                         ("retry", "7")]))
        self.assertEqual(hub.stop(), 0)
        hub = self.start("--history-file", path)
        stream = Stream(hub.port, ["*"], token=make_jwt(subscribe=["*"]),
                        headers={"Last-Event-ID": ids[0]})
        self.assertEqual(stream.headers["last-event-id"], ids[0])
        self.assertTrue(stream.wait_text("id: kept-id\n"))
        stream.close()
        self.assertEqual(stream.ids(), ids[1:])
        self.assertIn("event: x\nretry: 7\nid: kept-id\n", stream.text)
        self.assertIn("data: a\ndata: b\n", stream.text)
        # A fresh publish continues after the reloaded history.
        new = publish_ok(hub.port, [("topic", "t")])
        self.assertEqual(self.replay(hub, "kept-id", new).ids(), [new])

    def test_history_file_survives_sigkill(self):
        path = os.path.join(self.tmpdir, "history.jsonl")
        hub = self.start("--history-file", path)
        ids = [publish_ok(hub.port, [("topic", "t")]) for _ in range(3)]
        hub.stop(signal.SIGKILL)
        hub = self.start("--history-file", path)
        self.assertEqual(self.replay(hub, "earliest", ids[2]).ids(), ids)

    def test_unreadable_history_lines_are_skipped(self):
        path = os.path.join(self.tmpdir, "history.jsonl")
        good = {"id": "good-1", "topics": ["t"], "data": "d",
                "private": False, "type": None, "retry": None}
        with open(path, "wb") as f:
            f.write(json.dumps(good).encode() + b"\n")
            f.write(b'{"id": "bad-retry", "topics": ["t"], "retry": "x"}\n')
            f.write(b'{"id": "no-topics"}\n\xff\xfe garbage\n')
            f.write(b'{"id": "truncated", "top')
        hub = self.start("--history-file", path)
        self.assertEqual(self.replay(hub, "earliest", "good-1").ids(),
                         ["good-1"])
        self.assertEqual(hub.log().count("unreadable%20history%20line"), 4)

    def test_history_file_is_compacted(self):
        path = os.path.join(self.tmpdir, "history.jsonl")
        hub = self.start("--history-size", "5", "--history-file", path)
        conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
        ids = [publish(hub.port, [("topic", "t")], conn=conn)[1]
               for _ in range(150)]
        conn.close()
        with open(path) as f:
            self.assertLessEqual(len(f.readlines()), 2 * 5 + 100)
        hub.stop()
        with open(path) as f:
            self.assertEqual([json.loads(line)["id"] for line in f], ids[-5:])


class HistoryLookupTests(unittest.TestCase):
    """History.after: the walk from the oldest entry, without a hub."""

    def history(self, ids, size=100):
        history = devhub.History(size, None, lambda *a, **k: None)
        for event_id in ids:
            history.add(devhub.Update(event_id, ["t"]))
        return history

    @staticmethod
    def ids(updates):
        return None if updates is None else [u.id for u in updates]

    def test_a_recurring_id_resumes_after_its_oldest_entry(self):
        history = self.history(["a", "dup", "b", "dup", "c"])
        self.assertEqual(self.ids(history.after("dup")), ["b", "dup", "c"])
        # Once the oldest "dup" is evicted, the next one is the oldest.
        history = self.history(["dup", "x", "dup", "y"], size=3)
        self.assertEqual(self.ids(history.after("dup")), ["y"])
        self.assertEqual(self.ids(history.after("x")), ["dup", "y"])
        history.add(devhub.Update("z", ["t"]))
        history.add(devhub.Update("w", ["t"]))
        self.assertIsNone(history.after("dup"))
        self.assertEqual(history.seq_of.keys(), {"y", "z", "w"})

    def test_scan_limit_counts_from_the_oldest_entry(self):
        ids = ["e%d" % i for i in range(10)]
        history = self.history(ids)
        self.assertEqual(self.ids(history.after("e4", 5)), ids[5:])
        self.assertIsNone(history.after("e5", 5))
        self.assertEqual(self.ids(history.after("e9", 0)), [])
        self.assertEqual(self.ids(history.after("earliest", 1)), ids)
        history = self.history(["x", "dup", "y", "dup"])
        self.assertEqual(self.ids(history.after("dup", 2)), ["y", "dup"])


class HistoryScanLimitTests(HubTestCase):
    HUB_ARGS = ("--jwt-key", KEY, "--allow-anonymous", "--heartbeat", "0",
                "--history-size", "20", "--history-scan-limit", "5")

    def test_cursor_within_the_limit_is_found_beyond_it_is_a_gap(self):
        topic = unique_topic("scan")
        ids = [publish_ok(self.port, [("topic", topic)]) for _ in range(10)]
        found = self.subscribe([topic], headers={"Last-Event-ID": ids[4]})
        self.assertEqual(found.headers["last-event-id"], ids[4])
        self.assertTrue(found.wait_text("id: %s\n" % ids[9]))
        self.assertEqual(found.ids(), ids[5:])
        gap = self.subscribe([topic], headers={"Last-Event-ID": ids[5]})
        self.assertEqual(gap.headers["last-event-id"], ids[9])
        live = publish_ok(self.port, [("topic", topic)])
        self.assertTrue(gap.wait_text("id: %s\n" % live))
        self.assertEqual(gap.ids(), [live])
        # earliest is not a lookup: the whole history.
        whole = self.subscribe([topic], headers={"Last-Event-ID": "earliest"})
        self.assertTrue(whole.wait_text("id: %s\n" % live))
        self.assertEqual(whole.ids(), ids + [live])


# ---------------------------------------------------------------- buffer

class BufferTests(unittest.TestCase):
    """The per-subscriber buffer of --subscriber-buffer updates, replay
    included, and what --overflow does when it overflows.  Each test starts
    its own hub, most with a history file written beforehand."""

    HEARTBEAT = 0.2

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="devhub-test.")
        self.hub = None
        self.streams = []

    def tearDown(self):
        for stream in self.streams:
            stream.close()
        if self.hub:
            self.hub.stop()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def start(self, *args, history=0):
        """A hub whose history holds `history` events c0, c1, ... (their
        ids are returned) on topic "t"."""
        path = os.path.join(self.tmpdir, "history.jsonl")
        ids = ["c%d" % i for i in range(history)]
        with open(path, "w") as f:
            for event_id in ids:
                f.write(devhub.Update(event_id, ["t"], "d").to_json() + "\n")
        self.hub = HubProcess("--jwt-key", KEY, "--allow-anonymous",
                              "--heartbeat", str(self.HEARTBEAT),
                              "--history-size", str(max(history, 10)),
                              "--history-file", path, *args,
                              tmpdir=self.tmpdir).start()
        return ids

    def subscribe(self, cursor=None, **kw):
        headers = {"Last-Event-ID": cursor} if cursor else None
        stream = Stream(self.hub.port, ["t"], headers=headers, **kw)
        self.streams.append(stream)
        return stream

    def wait_idle(self, stream, timeout=10):
        """Read until a heartbeat follows the events: the queue is empty."""
        self.assertTrue(stream.read_until(
            lambda body: b"\n\n:\n" in body[-4096:], timeout, raw=True),
            stream.body[-200:])

    def assert_stalled(self, stream):
        """Nothing more is written although an update is published, while
        heartbeats go on."""
        before = stream.ids()
        beats = stream.heartbeats()
        publish_ok(self.hub.port, [("topic", "t"), ("id", "after-drop")])
        self.assertTrue(stream.read_until(
            lambda _: stream.heartbeats() >= beats + 2, 5))
        self.assertEqual(stream.ids(), before)
        self.assertFalse(stream.eof)

    def dropped_lines(self):
        return re.findall(r"^dropped peer=127\.0\.0\.1:\d+ reason=overflow "
                          r"events=(\d+)$", self.hub.log(), re.M)

    def test_catch_up_over_the_buffer_stalls_by_default(self):
        ids = self.start(history=3001)
        stream = self.subscribe(ids[0])
        self.assertEqual(stream.headers["last-event-id"], ids[0])
        self.wait_idle(stream)
        got = stream.ids()
        self.assertGreaterEqual(len(got), 1000)
        self.assertLess(len(got), 3000)
        self.assertEqual(got, ids[1:len(got) + 1])
        self.assertEqual(len(self.dropped_lines()), 1)
        self.assertLess(int(self.dropped_lines()[0]), len(got))
        self.assert_stalled(stream)

    def test_catch_up_over_the_buffer_closes_in_close_mode(self):
        ids = self.start("--overflow", "close", history=3001)
        got, cursor, pages = [], ids[0], 0
        while len(got) < 3000:
            stream = self.subscribe(cursor)
            self.assertEqual(stream.headers["last-event-id"], cursor)
            stream.read_until(lambda t: "id: %s\n" % ids[-1] in t, 10)
            page = stream.ids()
            self.assertTrue(page)
            if ids[-1] not in page:
                self.assertTrue(stream.wait_eof())
                self.assertTrue(stream.clean_end)
                self.assertGreaterEqual(len(page), 1000)
            got.extend(page)
            cursor = page[-1]
            pages += 1
            self.assertLessEqual(pages, 3)
        self.assertEqual(got, ids[1:])
        self.assertGreaterEqual(pages, 2)
        self.assertEqual(len(self.dropped_lines()), pages - 1)
        self.assertEqual(len(re.findall(r"^unsubscribed \S+ reason=overflow ",
                                        self.hub.log(), re.M)), pages - 1)

    def test_catch_up_within_the_buffer_is_delivered_whole(self):
        ids = self.start(history=1001)
        stream = self.subscribe(ids[0])
        self.assertTrue(stream.wait_text("id: %s\n" % ids[-1]))
        self.assertEqual(stream.ids(), ids[1:])
        live = publish_ok(self.hub.port, [("topic", "t")])
        self.assertTrue(stream.wait_text("id: %s\n" % live))
        self.assertEqual(self.dropped_lines(), [])

    def test_subscriber_buffer_option(self):
        ids = self.start("--subscriber-buffer", "50", history=201)
        whole = self.subscribe(ids[150])
        self.assertTrue(whole.wait_text("id: %s\n" % ids[-1]))
        self.assertEqual(whole.ids(), ids[151:])
        self.assertEqual(self.dropped_lines(), [])
        stream = self.subscribe(ids[0])
        self.wait_idle(stream)
        got = stream.ids()
        self.assertGreaterEqual(len(got), 50)
        self.assertLess(len(got), 200)
        self.assertEqual(got, ids[1:len(got) + 1])
        self.assertEqual(len(self.dropped_lines()), 1)
        self.assert_stalled(stream)

    def test_reader_that_stops_during_a_live_burst_is_dropped(self):
        self.start("--subscriber-buffer", "50")
        stream = self.subscribe(rcvbuf=4096)
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port,
                                          timeout=5)
        published = []
        while not self.dropped_lines() and len(published) < 3000:
            published.append(publish(self.hub.port,
                                     [("topic", "t"), ("data", "x" * 65536)],
                                     conn=conn)[1])
        conn.close()
        self.assertTrue(self.dropped_lines(), len(published))
        self.wait_idle(stream)                      # reads again
        got = stream.ids()
        self.assertLess(len(got), len(published))
        self.assertEqual(got, published[:len(got)])
        self.assert_stalled(stream)

    def test_prompt_reader_keeps_up_with_a_publish_burst(self):
        self.start("--subscriber-buffer", "50")
        stream = self.subscribe()
        count = 1000
        done = threading.Event()

        def read():
            stream.read_until(lambda t: t.count("\n\n") >= count, 30)
            done.set()
        reader = threading.Thread(target=read)
        reader.start()
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port,
                                          timeout=5)
        published = [publish(self.hub.port, [("topic", "t")], conn=conn)[1]
                     for _ in range(count)]
        conn.close()
        reader.join(35)
        self.assertTrue(done.is_set())
        self.assertEqual(stream.ids(), published)
        self.assertEqual(self.dropped_lines(), [])

    def test_write_timeout_ends_a_stalled_stream(self):
        ids = self.start("--subscriber-buffer", "50", "--write-timeout", "1.5",
                         history=201)
        start = time.time()
        stream = self.subscribe(ids[0])
        self.assertTrue(stream.wait_eof(5))
        self.assertGreaterEqual(time.time() - start, 1.5 * 0.8 - 0.05)
        self.assertTrue(stream.clean_end)
        self.assertEqual(stream.ids(), ids[1:51])
        self.assertGreaterEqual(stream.heartbeats(), 2)
        self.assertEqual(len(self.dropped_lines()), 1)
        self.assertTrue(self.hub.wait_log("reason=timeout events=50\n"))


class LiveDuringReplayTests(unittest.TestCase):
    """A hub in this process, so that a publish can be made exactly while a
    replay is being queued."""

    def test_live_updates_during_a_replay_come_after_it_in_order(self):
        tmpdir = tempfile.mkdtemp(prefix="devhub-test.")
        try:
            asyncio.run(self.scenario(os.path.join(tmpdir, "hub.log")))
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    async def scenario(self, log_path):
        args = devhub.parse_args(["--jwt-key", KEY, "--allow-anonymous",
                                  "--heartbeat", "0", "--history-size",
                                  "5000", "--subscriber-buffer", "5000"])
        log = devhub.Log(log_path)
        hub = devhub.Hub(args, log)
        history = ["h%d" % i for i in range(3 * devhub.REPLAY_BATCH)]
        for event_id in history:
            hub.history.add(devhub.Update(event_id, ["t"]))
        server = await asyncio.start_server(hub.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(("GET %s?topic=t HTTP/1.1\r\nHost: x\r\n"
                      "Last-Event-ID: h0\r\n\r\n" % PATH).encode())
        # Wait, turn by turn, for the replay to be under way.
        for _ in range(100000):
            replaying = [s for s in hub.subscribers
                         if s.replay is not None and s.queue]
            if replaying:
                break
            await asyncio.sleep(0)
        self.assertTrue(replaying)
        live = ["live-%d" % n for n in range(3)]
        for n, event_id in enumerate(live):
            if n == 2:                  # one more turn of the replay
                await asyncio.sleep(0)
            self.assertIsNotNone(replaying[0].replay)   # still replaying
            request = devhub.Request(
                "POST", PATH, "HTTP/1.1",
                {"authorization": ["Bearer " + PUBLISHER]}, "test")
            request.body = b"topic=t&id=" + event_id.encode()
            self.assertEqual(hub.publish(request)[:2], (200, event_id))
        data = b""
        while b"id: live-2\n" not in data:
            chunk = await asyncio.wait_for(reader.read(65536), 5)
            self.assertTrue(chunk)
            data += chunk
        got = [i.decode() for i in re.findall(rb"id: ([^\r\n]*)\n", data)]
        self.assertEqual(got, history[1:] + live)
        writer.close()
        server.close()
        hub.drop_subscribers("shutdown")
        await asyncio.sleep(0.05)
        if log.out is not sys.stderr:
            log.out.close()


# ---------------------------------------------------------------- scale

MANY = int(os.environ.get("DEVHUB_MANY_SUBSCRIBERS", "2000"))


@unittest.skipUnless(MANY > 0, "DEVHUB_MANY_SUBSCRIBERS=0")
class ManySubscribersTests(HubTestCase):

    def test_many_concurrent_subscribers_get_one_publish(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < MANY + 200:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            except (ValueError, OSError):
                pass
            if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < MANY + 200:
                self.skipTest("open file limit too low for %d sockets" % MANY)
        topic = unique_topic("many")
        received = asyncio.run(self.fan_out(topic))
        self.assertEqual(received, MANY)

    async def fan_out(self, topic):
        target = "%s?topic=%s" % (PATH, urllib.parse.quote(topic, safe=""))
        request = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target).encode()
        ready = asyncio.Semaphore(200)          # connect in waves
        connections = []

        async def connect():
            async with ready:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200"), head
                first = await reader.readuntil(b":\n")     # registered
                assert first.endswith(b"2\r\n:\n"), first
                connections.append((reader, writer))

        async def receive(reader, needle):
            data = b""
            while needle not in data:
                chunk = await reader.read(4096)
                if not chunk:
                    return False
                data += chunk
            return True

        await asyncio.wait_for(
            asyncio.gather(*(connect() for _ in range(MANY))), 60)
        loop = asyncio.get_running_loop()
        event_id = await loop.run_in_executor(
            None, publish_ok, self.port, [("topic", topic), ("data", "fan")])
        needle = ("id: %s\ndata: fan\n\n" % event_id).encode()
        results = await asyncio.wait_for(asyncio.gather(
            *(receive(reader, needle) for reader, _ in connections)), 60)
        for _, writer in connections:
            writer.close()
        return sum(results)


class TlsTests(unittest.TestCase):
    """--tls-cert and --tls-client-ca, with the test PKI of tls/pki.sh."""

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.mkdtemp(prefix="devhub-tls.")
        cls.pki = os.path.join(cls.tmpdir, "pki")
        subprocess.run(["sh", os.path.join(HERE, "..", "tls", "pki.sh"),
                        cls.pki], check=True)
        cls.hub = HubProcess(
            "--jwt-key", KEY, "--allow-anonymous", "--heartbeat", "0",
            "--tls-cert", cls.file("hub.pem"), "--tls-key",
            cls.file("hub.key"), "--tls-client-ca",
            cls.file("client-ca.pem"), tmpdir=cls.tmpdir).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()
        shutil.rmtree(cls.tmpdir, ignore_errors=True)

    @classmethod
    def file(cls, name):
        return os.path.join(cls.pki, name)

    def connection(self, client=None):
        ctx = ssl.create_default_context(cafile=self.file("ca.pem"))
        ctx.set_alpn_protocols(["h2", "http/1.1"])   # as libcurl offers
        if client is not None:
            ctx.load_cert_chain(self.file(client + ".pem"),
                                self.file(client + ".key"))
        return http.client.HTTPSConnection("localhost", self.hub.port,
                                           timeout=5, context=ctx)

    def test_publish_with_a_client_certificate(self):
        conn = self.connection("client")
        event_id = publish_ok(self.hub.port, [("topic", "t"), ("data", "x")],
                              conn=conn)
        self.assertEqual(conn.sock.version(), "TLSv1.3")
        self.assertEqual(conn.sock.selected_alpn_protocol(), "http/1.1")
        conn.close()
        self.assertTrue(event_id.startswith("urn:uuid:"))
        self.assertTrue(self.hub.wait_log("tls=TLSv1.3 client=node-1"))

    def test_no_client_certificate_gets_the_alert(self):
        conn = self.connection()
        with self.assertRaisesRegex(ssl.SSLError, "CERTIFICATE_REQUIRED"):
            publish(self.hub.port, [("topic", "t")], conn=conn)
        conn.close()

    def test_another_cas_client_certificate_gets_the_alert(self):
        conn = self.connection("rogue")
        with self.assertRaisesRegex(ssl.SSLError, "UNKNOWN_CA"):
            publish(self.hub.port, [("topic", "t")], conn=conn)
        conn.close()

    def test_the_hub_still_serves_after_refusals(self):
        conn = self.connection("client2")
        status, _, _ = publish(self.hub.port, [("topic", "t")], conn=conn)
        conn.close()
        self.assertEqual(status, 200)

    def test_tls_options_need_a_certificate(self):
        with self.assertRaises(SystemExit):
            devhub.parse_args(["--jwt-key", KEY, "--tls-client-ca", "x"])


# ---------------------------------------------------------------- main

# ---------------------------------------------------------------- Mercure 1.0

def access_token(action, topic, aud, key=KEY, typ="at+jwt", **claims):
    """A Mercure 1.0 access token (draft-08) as the 1.0 hub wants it;
    a claim given as None is left out."""
    body = {"iss": "https://localhost", "aud": aud,
            "exp": int(time.time()) + 600,
            "authorization_details": [{
                "type": "https://mercure.rocks/authorization-detail",
                "actions": [action], "topics": [{"match": topic}]}]}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    head = b64url(json.dumps({"alg": "HS256", "typ": typ}).encode())
    payload = b64url(json.dumps(body).encode())
    sig = b64url(hmac.new(key.encode(), (head + "." + payload).encode(),
                          hashlib.sha256).digest())
    return head + "." + payload + "." + sig


class Protocol1Tests(HubTestCase):
    """--protocol 1: what the 1.0.0-alpha.3 hub answered, with its
    defaults, to the same requests (measured; see hub/README.md)."""

    HUB_ARGS = ("--jwt-key", KEY, "--heartbeat", "0", "--protocol", "1")

    def aud(self):
        return "http://127.0.0.1:%d%s" % (self.port, PATH)

    def publish_with(self, token):
        return publish(self.port, [("topic", "t"), ("data", "x")],
                       token=token)

    def test_access_token_publishes(self):
        status, body, _ = self.publish_with(
            access_token("publish", "t", self.aud()))
        self.assertEqual(status, 200, body)
        # One token for several hubs names each; a hub finds itself.
        status, body, _ = self.publish_with(access_token(
            "publish", "*", ["https://other/.well-known/mercure", self.aud()]))
        self.assertEqual(status, 200, body)

    def test_invalid_tokens_are_401_with_a_challenge(self):
        aud = self.aud()
        for token in (make_jwt(publish=["*"]),                  # 0.x
                      access_token("publish", "t", aud, typ="JWT"),
                      access_token("publish", "t", aud, iss="https://x"),
                      access_token("publish", "t", "http://x" + PATH),
                      access_token("publish", "t", aud, exp=None),
                      access_token("publish", "t", aud, exp=1000),
                      access_token("publish", "t", aud, key="other")):
            status, _, response = self.publish_with(token)
            self.assertEqual(status, 401, token)
            self.assertIn('Bearer error="invalid_token", resource_metadata=',
                          response.getheader("WWW-Authenticate"))
        status, _, response = self.publish_with(None)
        self.assertEqual(status, 401)
        self.assertTrue(response.getheader("WWW-Authenticate").startswith(
            'Bearer resource_metadata="http://127.0.0.1:%d/.well-known/'
            'oauth-protected-resource/.well-known/mercure"' % self.port))

    def test_missing_grant_is_403(self):
        for token in (access_token("subscribe", "t", self.aud()),
                      access_token("publish", "other", self.aud())):
            status, _, response = self.publish_with(token)
            self.assertEqual(status, 403)
            self.assertIn('error="insufficient_scope"',
                          response.getheader("WWW-Authenticate"))

    def subscribe_match(self, query, token=True):
        aud = "http://127.0.0.1" + PATH      # Stream sends Host: 127.0.0.1
        return self.subscribe(
            [], query=query,
            token=access_token("subscribe", "*", aud) if token else None)

    def test_match_not_topic(self):
        self.assertEqual(self.subscribe_match([("topic", "t")]).status, 400)
        self.assertEqual(self.subscribe_match([]).status, 400)
        stream = self.subscribe_match([("match", "t")])
        self.assertEqual(stream.status, 200)
        self.assertEqual(self.subscribe_match([("match", "t")],
                                              token=False).status, 401)

    def test_cursor_answers(self):
        first = publish_ok(self.port, [("topic", "c"), ("private", "on")],
                           token=access_token("publish", "c", self.aud()))
        publish_ok(self.port, [("topic", "c"), ("id", "c2"),
                               ("private", "on")],
                   token=access_token("publish", "c", self.aud()))
        stream = self.subscribe_match([("match", "c"),
                                       ("last_event_id", first)])
        self.assertEqual(stream.headers.get("mercure-last-event-id"), first)
        self.assertNotIn("last-event-id", stream.headers)
        self.assertTrue(stream.wait_text("id: c2\n"))
        stream = self.subscribe_match([("match", "c"),
                                       ("last_event_id", "unknown")])
        self.assertEqual(stream.headers.get("mercure-last-event-id"),
                         "earliest")
        # lastEventID is the 0.x name: 1.0 does not read it.
        stream = self.subscribe_match([("match", "c"),
                                       ("lastEventID", first)])
        self.assertNotIn("mercure-last-event-id", stream.headers)

    def test_stream_ends_5s_before_exp(self):
        aud = "http://127.0.0.1" + PATH
        stream = self.subscribe([], query=[("match", "t")],
                                token=access_token(
                                    "subscribe", "*", aud,
                                    exp=int(time.time()) + 7))
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.wait_eof(timeout=5))
        self.assertTrue(self.hub.wait_log("reason=exp"))


class Protocol8Tests(HubTestCase):
    """--protocol 8: 1.0 in its compatibility mode also takes the 0.x
    tokens and ?topic=, and answers as 1.0 otherwise."""

    HUB_ARGS = ("--jwt-key", KEY, "--heartbeat", "0", "--protocol", "8")

    def test_both_generations(self):
        aud = "http://127.0.0.1:%d%s" % (self.port, PATH)
        first = publish_ok(self.port, [("topic", "t"), ("private", "on")])
        publish_ok(self.port, [("topic", "t"), ("private", "on")],
                   token=access_token("publish", "t", aud))
        status, _, _ = publish(self.port, [("topic", "t")],
                               token=access_token("publish", "t", "x"))
        self.assertEqual(status, 401)
        old = make_jwt(subscribe=["*"])
        stream = self.subscribe(["t"], token=old,
                                headers={"Last-Event-ID": first})
        self.assertEqual(stream.headers.get("mercure-last-event-id"), first)
        self.assertTrue(stream.wait_text("id: "))
        stream = self.subscribe(["t"], token=old,
                                query=[("lastEventID", first)])
        self.assertNotIn("mercure-last-event-id", stream.headers)
        stream = self.subscribe([], token=old, query=[("match", "t")])
        self.assertEqual(stream.status, 200)



def main():
    program = unittest.main(exit=False, verbosity=2, argv=sys.argv)
    result = program.result
    bad = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    print("devhub tests: %d run, %d failures, %d errors, %d skipped: %s"
          % (result.testsRun, len(result.failures), len(result.errors),
             len(result.skipped), "FAILED" if bad else "OK"), flush=True)
    return 1 if bad or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
