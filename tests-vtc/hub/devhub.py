#!/usr/bin/env python3
"""devhub -- a development Mercure hub for http-broadcast's tests and demo.

DEVELOPMENT AND TEST USE ONLY.  NOT FOR PRODUCTION.  In production run the
reference hub (dunglas/mercure).  This one exists because the reference hub
cannot be installed on the build machines; it has no CORS, no
subscription API, no rate limits, and it was written to be read, not to be
fast.  It serves HTTPS (HTTP/1.1 only) when given --tls-cert, for the tests
of TLS, private CAs and client certificates.  It binds 127.0.0.1 unless told otherwise.

It speaks the Mercure 0.x wire format the way the reference hub v0.14-v0.24
does (see tests-vtc/hub/README.md), limits included:

  POST <path>   form fields topic (repeatable, required), data, private, id,
                type, retry.  200 with the event id as text/plain body.
                The publisher's JWT must grant every topic (mercure.publish).
  GET <path>?topic=<selector>...   text/event-stream.  Selectors: "*", an
                exact topic, or an RFC 6570 URI template.  Resume with the
                Last-Event-ID header or the lastEventID / Last-Event-ID /
                last_event_id query parameters; "earliest" = whole history.
  GET /healthz  200.

  Each subscriber has a queue of --subscriber-buffer updates (1000), which
  a replay for a cursor goes through too, read from the history much faster
  than it is written: a larger catch-up, or a live burst the subscriber
  reads too slowly, overflows it and the subscriber is dropped.  Its stream
  then stalls (stays open with heartbeats only, hubs up to v0.19, the
  default) or ends (--overflow close, v0.20+).  --history-scan-limit N:
  a Last-Event-ID not among the N oldest history entries is unknown, as
  from v0.24.2 (N = 10000); 0, the default, looks through all of it.

JWTs: HS256/HS384/HS512 only, from the Authorization: Bearer header, the
"authorization" query parameter or the mercureAuthorization cookie.

--protocol 1 speaks Mercure 1.0 (draft-08) as the 1.0.0-alpha.3 hub does
with its defaults: tokens are at+jwt access tokens (header typ "at+jwt";
iss = --issuer; aud names <scheme>://<Host>/<path>, or
--resource-identifier; exp required; authorization_details entries of type
https://mercure.rocks/authorization-detail give the actions and the topic
selectors); an invalid token gets 401, a valid one without the grant 403,
each with a WWW-Authenticate challenge.  Subscribers use ?match= (topic=
gets 400), resume with the Last-Event-ID header or last_event_id (not
lastEventID), get the cursor back in Mercure-Last-Event-ID, and "earliest"
for an unknown one.  A stream ends before its token's exp, at 80-100 % of
the time left, minus 5 s.  --protocol 8 is 1.0's compatibility mode
(PROTOCOL_VERSION_COMPATIBILITY=8): 0.x tokens and ?topic= work too, the
rest is 1.0's.

Signals: SIGUSR1 ends every subscriber stream (tests use it to force
reconnects); SIGTERM/SIGINT end the hub cleanly and flush the history file.

Log lines (stderr or --log-file), one per fact, easy to count with grep:
  connection peer=H:P [tls=<TLS version> client=<client certificate CN|->]
  published id=<id> topic=<t> [topic=<t2>...] private=<0|1> bytes=<n>
  rejected method=POST status=<code> reason=<...>
  subscribed peer=H:P topic=<sel>... anonymous=<0|1> last_event_id=<id|->
  dropped peer=H:P reason=overflow events=<n written so far>
  unsubscribed peer=H:P reason=<eof|timeout|exp|signal|slow|overflow|shutdown>
               events=<n written>

Python 3 standard library only; one asyncio event loop, no threads.
"""

import argparse
import asyncio
import asyncio.sslproto
import base64
import collections
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import resource
import signal
import socket
import ssl
import sys
import tempfile
import time
import urllib.parse
import uuid

DEFAULT_PATH = "/.well-known/mercure"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
IDLE_TIMEOUT = 120.0            # keep-alive connections idle longer are closed
BODY_TIMEOUT = 30.0             # a request body must arrive within this
DRAIN_TIMEOUT = 30.0            # a subscriber that cannot take data is dropped
REPLAY_BATCH = 500              # history updates queued per turn of the loop
WRITE_BATCH = 50                # queued updates written per turn of the loop
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


# ---------------------------------------------------------------- logging

class Log:
    """One line per fact, "<what> key=value ...", to stderr or a file."""

    def __init__(self, path=None):
        self.out = open(path, "a", buffering=1, encoding="utf-8",
                        errors="backslashreplace") if path else sys.stderr

    def __call__(self, what, **fields):
        parts = [what]
        for key, value in fields.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            parts.extend("%s=%s" % (key, log_value(v)) for v in values)
        self.out.write(" ".join(parts) + "\n")
        self.out.flush()


def log_value(value):
    """Keep a log line one line: escape spaces and control characters."""
    text = str(value)
    if text == "":
        return "-"
    return re.sub(r"[\x00-\x20\x7f%]",
                  lambda m: "%%%02X" % ord(m.group()), text)


# ---------------------------------------------------------------- JWT

class AuthError(Exception):
    """The request carries no usable token; the hub answers 401."""


HMAC_ALGORITHMS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
                   "HS512": hashlib.sha512}


def b64url_decode(part):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part):
        raise AuthError("token is not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_verify(token, key, now=None, with_header=False):
    """Return the claims of an HMAC-signed JWT (with its header first when
    with_header), or raise AuthError.

    Only HS256/HS384/HS512 are accepted: "none" and the asymmetric
    algorithms are refused, so a token cannot choose its own check."""
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthError("malformed token")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as err:
        raise AuthError("malformed token: %s" % err) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AuthError("malformed token")
    digest = HMAC_ALGORITHMS.get(header.get("alg"))
    if digest is None:
        raise AuthError("unsupported alg %r" % header.get("alg"))
    signed = (parts[0] + "." + parts[1]).encode("ascii")
    if not hmac.compare_digest(hmac.new(key, signed, digest).digest(),
                               signature):
        raise AuthError("bad signature")
    now = time.time() if now is None else now
    for name in ("exp", "nbf"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, (int, float))):
            raise AuthError("%s is not a number" % name)
    if claims.get("exp") is not None and now >= claims["exp"]:
        raise AuthError("token expired")
    if claims.get("nbf") is not None and now < claims["nbf"]:
        raise AuthError("token not valid yet")
    return (header, claims) if with_header else claims


AUTHORIZATION_DETAIL = "https://mercure.rocks/authorization-detail"


def access_token_check(header, claims, issuer, audience, now=None):
    """Mercure 1.0: raise AuthError unless an at+jwt access token for this
    hub (issuer, audience), with an exp."""
    if str(header.get("typ", "")).lower() not in ("at+jwt",
                                                  "application/at+jwt"):
        raise AuthError("not an access token (typ %r)" % header.get("typ"))
    if claims.get("exp") is None:
        raise AuthError("no exp")
    if claims.get("iss") != issuer:
        raise AuthError("issuer %r is not %r" % (claims.get("iss"), issuer))
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if audience not in auds:
        raise AuthError("audience %r does not name %r" % (aud, audience))


def detail_selectors(claims, action):
    """Mercure 1.0: the topic selectors the authorization_details of an
    access token grant for action ("publish" or "subscribe")."""
    out = []
    details = claims.get("authorization_details")
    for d in details if isinstance(details, list) else []:
        if not isinstance(d, dict) or d.get("type") != AUTHORIZATION_DETAIL:
            continue
        actions = d.get("actions")
        if not isinstance(actions, list) or action not in actions:
            continue
        for t in d.get("topics") or []:
            if isinstance(t, dict) and isinstance(t.get("match"), str):
                out.append(t["match"])
    return out


def mercure_selectors(claims, kind):
    """The "mercure.publish" or "mercure.subscribe" selectors of a token."""
    mercure = claims.get("mercure") if claims else None
    values = mercure.get(kind) if isinstance(mercure, dict) else None
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, str)]


# ---------------------------------------------------------------- topics

_UNRESERVED = r"A-Za-z0-9\-._~"
_RESERVED = r":/?#\[\]@!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
# operator -> (first, separator, named, string if empty, allowed characters)
_OPERATORS = {
    "": ("", ",", False, "", _UNRESERVED),
    "+": ("", ",", False, "", _UNRESERVED + _RESERVED),
    "#": ("#", ",", False, "", _UNRESERVED + _RESERVED),
    ".": (".", ".", False, "", _UNRESERVED),
    "/": ("/", "/", False, "", _UNRESERVED),
    ";": (";", ";", True, "", _UNRESERVED),
    "?": ("?", "&", True, "=", _UNRESERVED),
    "&": ("&", "&", True, "=", _UNRESERVED),
}
_VARSPEC = re.compile(r"((?:[A-Za-z0-9_]|%s)+)(?::([1-9][0-9]{0,2})|(\*))?"
                      % _PCT)
_LITERALS = re.compile(r"(?:[!#$&(-;=?-\[\]_a-z~\u00a0-\ud7ff\ue000-\ufdcf"
                       r"\ufdf0-\uffef\U00010000-\U0010fffd]|%s)*" % _PCT)


def uri_template_regex(template):
    """Compile an RFC 6570 template into an anchored regex matching its
    expansions, or return None if it is not a valid template (the hub then
    matches the selector as an exact topic only).

    Built to agree with the reference hub's matcher (yosida95/uritemplate):
    a value is one or more allowed characters, or a ","-separated list of
    them; "{var}" allows unreserved and %-encoded characters, so it matches
    within one path segment; "{+var}" and "{#var}" also allow reserved ones,
    so they match across segments; "{/var}", "{.var}", "{;var}", "{?var}",
    "{&var}" match their prefixed forms.  An undefined variable expands to
    nothing, so an expression may match the empty string.  Multi-variable
    expressions do not enforce the variables' order."""
    out = []
    pos = 0
    for match in re.finditer(r"\{([^{}]*)\}|[{}]", template):
        literal = template[pos:match.start()]
        if match.group(1) is None or not _LITERALS.fullmatch(literal):
            return None
        out.append(re.escape(literal))
        pos = match.end()
        body = match.group(1)
        op = body[0] if body[:1] and body[0] in "+#./;?&" else ""
        first, sep, named, ifemp, allowed = _OPERATORS[op]
        char = "(?:[%s]|%s)" % (allowed, _PCT)
        alternatives = []
        for spec in body[len(op):].split(","):
            parsed = _VARSPEC.fullmatch(spec)
            if parsed is None:
                return None
            name, maxlen, explode = parsed.groups()
            value = "%s{1,%s}" % (char, maxlen) if maxlen else char + "+"
            if named and explode:
                item = "%s=%s" % (re.escape(name), value)
                alternatives.append("%s(?:%s%s)*|%s%s" % (
                    item, re.escape(sep), item, re.escape(name), ifemp))
            elif named:
                alternatives.append("%s(?:=%s(?:,%s)*|%s)" % (
                    re.escape(name), value, value, ifemp))
            else:
                list_sep = re.escape(sep if explode else ",")
                alternatives.append("%s(?:%s%s)*" % (value, list_sep, value))
        item = "(?:%s)" % "|".join(alternatives)
        if not named:
            item += "?"
        out.append("(?:%s%s(?:%s%s){0,%d})?" % (
            re.escape(first), item, re.escape(sep), item,
            len(alternatives) - 1))
    literal = template[pos:]
    if not _LITERALS.fullmatch(literal):
        return None
    out.append(re.escape(literal))
    return re.compile("".join(out), re.DOTALL)


class TopicMatcher:
    """Topic selectors: "*", an exact topic, or a URI template (cached)."""

    def __init__(self):
        self.templates = {}

    def matches(self, selector, topic):
        if selector == "*" or selector == topic:
            return True
        if "{" not in selector:
            return False
        if selector not in self.templates:
            if len(self.templates) > 10000:
                self.templates.clear()
            self.templates[selector] = uri_template_regex(selector)
        regex = self.templates[selector]
        return regex is not None and regex.fullmatch(topic) is not None

    def any_match(self, selectors, topics):
        """True if one selector matches one topic."""
        return any(self.matches(s, t) for t in topics for s in selectors)

    def all_granted(self, selectors, topics):
        """True if every topic is matched by a selector."""
        return all(any(self.matches(s, t) for s in selectors) for t in topics)


# ---------------------------------------------------------------- updates

class Update:
    """One published event.  Its SSE encoding is computed once."""

    __slots__ = ("id", "topics", "data", "private", "type", "retry", "_sse")

    def __init__(self, id, topics, data="", private=False, type=None,
                 retry=None):
        self.id = id
        self.topics = list(topics)
        self.data = data
        self.private = private
        self.type = type
        self.retry = retry
        self._sse = None

    def sse(self):
        """event:, retry:, id:, one data: line per line of data, blank."""
        if self._sse is None:
            lines = []
            if self.type:
                lines.append("event: " + self.type)
            if self.retry is not None:
                lines.append("retry: %d" % self.retry)
            lines.append("id: " + self.id)
            data = self.data.replace("\r\n", "\n").replace("\r", "\n")
            lines.extend("data: " + line for line in data.split("\n"))
            self._sse = ("\n".join(lines) + "\n\n").encode("utf-8")
        return self._sse

    def to_json(self):
        return json.dumps({"id": self.id, "topics": self.topics,
                           "data": self.data, "private": self.private,
                           "type": self.type, "retry": self.retry})

    @classmethod
    def from_json(cls, line):
        """The inverse of to_json; ValueError for anything else."""
        obj = json.loads(line)
        retry, kind = obj.get("retry"), obj.get("type")
        if not isinstance(obj.get("id"), str) or \
                not isinstance(obj.get("topics"), list) or not obj["topics"] \
                or not all(isinstance(t, str) for t in obj["topics"]) or \
                not isinstance(obj.get("data", ""), str) or \
                not (retry is None or type(retry) is int and retry >= 0) or \
                not (kind is None or isinstance(kind, str)):
            raise ValueError("not an update")
        return cls(obj["id"], obj["topics"], obj.get("data", ""),
                   bool(obj.get("private")), kind, retry)


# ---------------------------------------------------------------- history

class History:
    """The last `size` updates, in memory and optionally in a JSON-lines file.

    The file is appended to (and flushed) on every publish, so a killed hub
    loses nothing; it is rewritten (temp file + rename) once it holds twice
    the history, and on exit.  `last_id` is the newest id ever seen, kept
    even with no history, as the reference hub's transports do."""

    def __init__(self, size, path, log):
        self.size = size
        self.path = path if size > 0 else None
        self.log = log
        self.events = collections.deque()
        self.seq_of = {}        # id -> sequence number(s) of its events:
                                # an int, or a deque when it recurs
        self.first_seq = 0      # sequence number of events[0]
        self.last_id = None
        self.file = None
        self.file_lines = 0
        if path and size <= 0:
            log("warning", reason="--history-file ignored: history size is 0")
        if self.path:
            self._load()

    def _load(self):
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    self.file_lines += 1
                    try:
                        self._remember(Update.from_json(line))
                    except ValueError as err:
                        self.log("warning", file=self.path, line=number,
                                 reason="unreadable history line: %s" % err)
        self.log("history", file=self.path, events=len(self.events),
                 last_id=self.last_id or "")
        self.compact()

    def _remember(self, update):
        self.last_id = update.id
        if self.size <= 0:
            return
        seq = self.first_seq + len(self.events)
        seqs = self.seq_of.get(update.id)
        if seqs is None:
            self.seq_of[update.id] = seq
        elif isinstance(seqs, int):
            self.seq_of[update.id] = collections.deque((seqs, seq))
        else:
            seqs.append(seq)
        self.events.append(update)
        if len(self.events) > self.size:
            old = self.events.popleft()
            seqs = self.seq_of[old.id]
            if isinstance(seqs, int):
                del self.seq_of[old.id]
            else:
                seqs.popleft()
                if len(seqs) == 1:
                    self.seq_of[old.id] = seqs[0]
            self.first_seq += 1

    def add(self, update):
        self._remember(update)
        if self.file is not None:
            self.file.write(update.to_json() + "\n")
            self.file.flush()
            self.file_lines += 1
            if self.file_lines > 2 * self.size + 100:
                self.compact()

    def after(self, last_event_id, scan_limit=0):
        """The updates after `last_event_id`, or None if it is unknown.

        As the reference hub, the id is looked for from the OLDEST entry
        on, and the first match wins; with `scan_limit` > 0 the search
        gives up after that many entries (an id further on is unknown).
        `seq_of` gives the position of an id's oldest occurrence, so the
        answer is the walk's without walking."""
        if last_event_id == "earliest":
            return list(self.events)
        seqs = self.seq_of.get(last_event_id)
        if seqs is None:
            return None
        index = (seqs if isinstance(seqs, int) else seqs[0]) - self.first_seq
        if 0 < scan_limit <= index:
            return None
        return list(itertools.islice(self.events, index + 1, None))

    def compact(self):
        """Rewrite the file with the current history, atomically."""
        if not self.path:
            return
        if self.file is not None:
            self.file.close()
        directory = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(prefix=".devhub-history.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for update in self.events:
                f.write(update.to_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self.file_lines = len(self.events)
        self.file = open(self.path, "a", encoding="utf-8")

    def close(self):
        if self.file is not None:
            self.compact()
            self.file.close()
            self.file = None


# ---------------------------------------------------------------- HTTP

class BadRequest(Exception):
    """Malformed HTTP: answer 400 (or the given status) and close."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class Request:
    def __init__(self, method, target, version, headers, peer):
        self.method = method
        self.version = version
        self.headers = headers          # lower-case name -> [values]
        self.peer = peer
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query = parse_form(split.query)
        self.body = b""

    def header(self, name, default=None):
        values = self.headers.get(name)
        return values[0] if values else default

    def keep_alive(self):
        tokens = ",".join(self.headers.get("connection", [])).lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


def parse_form(text):
    """application/x-www-form-urlencoded -> {name: [values]} (blanks kept)."""
    form = {}
    for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True,
                                              errors="replace"):
        form.setdefault(name, []).append(value)
    return form


async def read_request(reader, writer, peer):
    """Read one request with its body; None on a clean end of connection."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"),
                                      IDLE_TIMEOUT)
    except asyncio.IncompleteReadError as err:
        if err.partial.strip():
            raise BadRequest("incomplete request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too large", 431) from None
    except asyncio.TimeoutError:
        return None
    # surrogateescape: any byte survives a round trip into a response header
    lines = head.decode("utf-8", "surrogateescape").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise BadRequest("bad request line")
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest("bad header line")
        headers.setdefault(name.lower(), []).append(value.strip())
    request = Request(parts[0], parts[1], parts[2], headers, peer)
    if request.header("expect", "").lower() == "100-continue" and \
            request.version == "HTTP/1.1":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    try:
        request.body = await asyncio.wait_for(read_body(reader, request),
                                              BODY_TIMEOUT)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError):
        raise BadRequest("incomplete request body") from None
    except asyncio.LimitOverrunError:
        raise BadRequest("chunk header too long") from None
    return request


async def read_body(reader, request):
    encoding = request.header("transfer-encoding", "").lower()
    if encoding:
        if encoding != "chunked":
            raise BadRequest("unsupported transfer-encoding", 501)
        return await read_chunked(reader)
    length = request.header("content-length", "0")
    if not length.isdigit():
        raise BadRequest("bad content-length")
    if int(length) > MAX_BODY_BYTES:
        raise BadRequest("request body too large", 413)
    return await reader.readexactly(int(length))


async def read_chunked(reader):
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        size = line.split(b";")[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size):
            raise BadRequest("bad chunk size")
        size = int(size, 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass                    # trailers are ignored
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise BadRequest("request body too large", 413)
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise BadRequest("bad chunk end")


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized",
           404: "Not Found", 405: "Method Not Allowed",
           413: "Payload Too Large", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented"}


def response_head(status, headers, version="HTTP/1.1"):
    lines = ["%s %d %s" % (version, status, REASONS.get(status, "Status"))]
    lines.append("Server: devhub (development only)")
    lines.extend("%s: %s" % (name, re.sub(r"[\r\n]", " ", value))
                 for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8",
                                                   "surrogateescape")


def send_text(writer, status, text, keep_alive, extra=()):
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"),
               ("Content-Length", str(len(body))),
               ("Connection", "keep-alive" if keep_alive else "close")]
    writer.write(response_head(status, headers + list(extra)) + body)


# ---------------------------------------------------------------- subscribers

class Subscriber:
    """One open event stream, with its queue of updates, as the reference
    hub's per-subscriber buffer: `buffer` updates at most.

    Live publishes append to the queue and wake the stream's writer, so a
    slow subscriber never slows the others.  A replay for a cursor is fed
    into the same queue by its own task at "storage speed", REPLAY_BATCH
    updates per turn of the loop, while the writer takes WRITE_BATCH per
    turn: a backlog well above the buffer overflows, as on the reference
    hub, which reads its history much faster than it writes to the socket.
    Live updates published during the replay are held, and count towards
    the buffer, until the history is queued.  An update is in the queue
    until the writer has taken it.

    On overflow the subscriber is dropped: what is queued is still written,
    then either nothing more is ever written but heartbeats ("stall", hubs
    up to v0.19) or the response ends ("close", v0.20+)."""

    def __init__(self, hub, request, reader, writer, selectors, granted):
        self.hub = hub
        self.peer = request.peer
        self.reader = reader
        self.writer = writer
        self.selectors = selectors      # what it asked for (?topic=)
        self.granted = granted          # mercure.subscribe of its token
        self.chunked = request.version == "HTTP/1.1"
        self.buffer = hub.args.subscriber_buffer
        self.queue = collections.deque()    # updates the writer will take
        self.held = []                  # live updates held during a replay
        self.replay = None              # history updates to replay
        self.dropped = False            # overflowed: nothing more is queued
        self.events = 0                 # updates taken by the writer
        self.wake = asyncio.Event()
        self.reason = None              # set when the stream must end
        self.draining = False
        self.timers = []

    def wants(self, update):
        match = self.hub.matcher.any_match
        if not match(self.selectors, update.topics):
            return False
        return not update.private or match(self.granted, update.topics)

    def _full(self):
        """True, and the subscriber dropped, if one more update would not
        fit in the buffer."""
        if len(self.queue) + len(self.held) < self.buffer:
            return False
        self.dropped = True
        self.held = []
        self.hub.log("dropped", peer=self.peer, reason="overflow",
                     events=self.events)
        if self.hub.args.overflow == "close":
            self.close("overflow")
        return True

    def push(self, update):
        """A live update (the caller checked `wants`)."""
        if self.reason is not None or self.dropped or self._full():
            return
        if self.replay is not None:
            self.held.append(update)
        else:
            self.queue.append(update)
            self.wake.set()

    def start_replay(self, updates):
        """Replay these history updates (a snapshot taken when the
        subscriber was registered) before any live one."""
        self.replay = updates

    async def _feed_replay(self):
        pushed = 0
        for scanned, update in enumerate(self.replay, 1):
            if self.reason is not None or self.dropped:
                return
            if self.wants(update):
                if self._full():
                    return
                self.queue.append(update)
                pushed += 1
                if pushed % REPLAY_BATCH == 0:
                    self.wake.set()
                    await asyncio.sleep(0)
            elif scanned % (10 * REPLAY_BATCH) == 0:
                self.wake.set()
                await asyncio.sleep(0)
        self.replay = None
        self.queue.extend(self.held)
        self.held = []
        self.wake.set()

    def close(self, reason):
        if self.reason is None:
            self.reason = reason
            self.wake.set()
            if self.draining and reason in ("eof", "slow"):
                self.writer.transport.abort()

    def close_at(self, delay, reason):
        loop = asyncio.get_running_loop()
        self.timers.append(loop.call_later(max(delay, 0), self.close, reason))

    def _write(self, data):
        if self.chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.writer.write(data)

    async def _drain(self):
        """Wait while the transport holds more than its high-water mark, as
        a Go writer blocks on a full socket."""
        transport = self.writer.transport
        if transport.is_closing():
            raise ConnectionResetError("stream closed")
        if transport.get_write_buffer_size() <= \
                transport.get_write_buffer_limits()[1]:
            return
        self.draining = True
        try:
            await asyncio.wait_for(self.writer.drain(), DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            self.close("slow")
            self.writer.transport.abort()
        finally:
            self.draining = False

    async def _watch_eof(self):
        """The client sends nothing on a stream: any read end means gone."""
        try:
            while await self.reader.read(65536):
                pass
        except (ConnectionError, OSError):
            pass
        self.close("eof")

    def _more_to_send(self):
        """Until the end is decided; then flush, unless the peer is gone."""
        if self.reason is None:
            return True
        return bool(self.queue) and self.reason not in ("eof", "slow")

    def _beat_due(self):
        self.beat = True
        self.wake.set()

    async def run(self, head, heartbeat):
        """The writer: WRITE_BATCH queued updates per turn of the loop, a
        heartbeat comment when nothing was written for `heartbeat` s."""
        loop = asyncio.get_running_loop()
        watcher = asyncio.ensure_future(self._watch_eof())
        feeder = None
        if self.replay is not None:
            feeder = asyncio.ensure_future(self._feed_replay())
        beat_timer = None
        self.beat = False
        try:
            self.writer.write(head)
            self._write(b":\n")
            last_write = loop.time()
            if heartbeat > 0:
                beat_timer = loop.call_later(heartbeat, self._beat_due)
            await self._drain()
            while self._more_to_send():
                if self.queue:
                    take = min(len(self.queue), WRITE_BATCH)
                    data = b"".join(self.queue.popleft().sse()
                                    for _ in range(take))
                    self.events += take
                    self._write(data)
                    last_write = loop.time()
                    await self._drain()
                    await asyncio.sleep(0)      # WRITE_BATCH per turn
                    continue
                if self.beat:           # the timer restarts at each write
                    self.beat = False
                    idle = loop.time() - last_write
                    if idle >= heartbeat * 0.999:
                        self._write(b":\n")
                        last_write = loop.time()
                        idle = 0.0
                    beat_timer = loop.call_later(heartbeat - idle,
                                                 self._beat_due)
                    await self._drain()
                    continue
                self.wake.clear()
                await self.wake.wait()
            if self.chunked and self.reason not in ("eof", "slow"):
                self.writer.write(b"0\r\n\r\n")
                await self._drain()
        except (ConnectionError, OSError):
            self.close("eof")
        finally:
            watcher.cancel()
            if feeder is not None:
                feeder.cancel()
            if beat_timer is not None:
                beat_timer.cancel()
            for timer in self.timers:
                timer.cancel()


# ---------------------------------------------------------------- the hub

class Hub:
    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.path = args.path
        self.publisher_key = key_bytes(args.publisher_jwt_key or args.jwt_key)
        self.subscriber_key = key_bytes(args.subscriber_jwt_key or
                                        args.jwt_key)
        self.matcher = TopicMatcher()
        self.protocol = args.protocol       # "0", "1" or "8"
        self.history = History(args.history_size, args.history_file, log)
        self.subscribers = set()
        self.writers = set()            # every open client connection

    # -- connections

    def close_connections(self):
        """At stop: end every client connection, idle keep-alive ones
        included, as a hub that stops does (no waiting for their idle
        timeout)."""
        for writer in list(self.writers):
            writer.close()

    async def serve(self, reader, writer):
        self.writers.add(writer)
        try:
            await self.serve_one(reader, writer)
        finally:
            self.writers.discard(writer)

    async def serve_one(self, reader, writer):
        peername = writer.get_extra_info("peername") or ("?", 0)
        peer = "%s:%s" % peername[:2]
        tls = writer.get_extra_info("ssl_object")
        if tls is None:
            self.log("connection", peer=peer)
        else:
            self.log("connection", peer=peer, tls=tls.version(),
                     client=client_name(tls))
        try:
            while True:
                try:
                    request = await read_request(reader, writer, peer)
                except BadRequest as err:
                    send_text(writer, err.status, str(err) + "\n", False)
                    await writer.drain()
                    break
                if request is None:
                    break
                if not await self.route(request, reader, writer):
                    break
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        except Exception as err:            # a bug: say so, keep serving
            self.log("error", peer=peer, reason=repr(err))
            send_text(writer, 500, "internal error\n", False)
        finally:
            writer.close()

    async def route(self, request, reader, writer):
        """Answer one request; False when the connection must end."""
        keep = request.keep_alive()
        if request.path == self.path:
            if request.method == "POST":
                status, text, extra = self.publish(request)
                send_text(writer, status, text, keep, extra)
                return keep
            if request.method == "GET":
                return await self.subscribe(request, reader, writer)
            send_text(writer, 405, "Method Not Allowed\n", keep,
                      [("Allow", "GET, POST")])
            return keep
        if request.path == "/healthz" and request.method == "GET":
            send_text(writer, 200, "ok\n", keep)
            return keep
        send_text(writer, 404, "Not Found\n", keep)
        return keep

    # -- authorization

    @staticmethod
    def find_token(request):
        """The JWT in the hub's order: header, query parameter, cookie.
        "" means a token was sent but is unusable."""
        auth = request.header("authorization")
        if auth is not None:
            scheme, _, token = auth.strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
        if "authorization" in request.query:
            return request.query["authorization"][0]
        for header in request.headers.get("cookie", []):
            for pair in header.split(";"):
                name, _, value = pair.strip().partition("=")
                if name == "mercureAuthorization":
                    return value.strip().strip('"')
        return None

    def audience(self, request):
        """Mercure 1.0: the aud a token must name, from the Host the
        client sent, as the reference hub builds it."""
        if self.args.resource_identifier:
            return self.args.resource_identifier
        scheme = "https" if self.args.tls_cert else "http"
        return "%s://%s%s" % (scheme, request.header("host", ""), self.path)

    def grants(self, request, token, key, action):
        """(claims, the topic selectors granted for action), or AuthError.
        0: the "mercure" claim.  1: an access token's
        authorization_details.  8: either, by the token's typ."""
        header, claims = jwt_verify(token, key, with_header=True)
        if self.protocol == "0":
            return claims, mercure_selectors(claims, action)
        if self.protocol == "8" and str(header.get("typ", "")).lower() \
                not in ("at+jwt", "application/at+jwt"):
            return claims, mercure_selectors(claims, action)
        access_token_check(header, claims, self.args.issuer,
                           self.audience(request))
        return claims, detail_selectors(claims, action)

    def challenge(self, request, error):
        """Mercure 1.0's WWW-Authenticate on a 401 or 403."""
        if self.protocol == "0":
            return []
        scheme = "https" if self.args.tls_cert else "http"
        meta = "%s://%s/.well-known/oauth-protected-resource%s" % (
            scheme, request.header("host", ""), self.path)
        value = 'Bearer resource_metadata="%s"' % meta
        if error:
            value = 'Bearer error="%s", resource_metadata="%s"' % (error, meta)
        return [("WWW-Authenticate", value)]

    # -- publishing

    def publish(self, request):
        """POST: (status, body text, extra headers)."""
        status, text, *extra = self._publish(request)
        if status != 200:
            self.log("rejected", method="POST", peer=request.peer,
                     status=status, reason=text.strip())
        return status, text, extra[0] if extra else []

    def _publish(self, request):
        token = self.find_token(request)
        if not token:
            return (401, "Unauthorized: no publisher token\n",
                    self.challenge(request, None))
        try:
            claims, granted = self.grants(request, token, self.publisher_key,
                                          "publish")
        except AuthError as err:
            return (401, "Unauthorized: %s\n" % err,
                    self.challenge(request, "invalid_token"))
        ctype = request.header("content-type", "")
        ctype = ctype.split(";")[0].strip().lower()
        form = {}
        if ctype in ("", "application/x-www-form-urlencoded"):
            form = parse_form(request.body.decode("utf-8", "replace"))
        topics = form.get("topic", [])
        if not topics:
            return 400, 'Missing "topic" parameter\n'
        if not self.matcher.all_granted(granted, topics):
            if self.protocol == "0":
                return 401, "Unauthorized: topic not granted to publisher\n"
            return (403, "Forbidden: topic not granted to publisher\n",
                    self.challenge(request, "insufficient_scope"))
        first = {name: values[0] for name, values in form.items()}
        retry = first.get("retry", "")
        if retry and (not re.fullmatch(r"[0-9]+", retry) or
                      int(retry) >= 2 ** 64):
            return 400, 'Invalid "retry" parameter\n'
        event_id = first.get("id", "")
        if CONTROL_CHARS.search(event_id):
            return 400, 'Invalid "id" parameter\n'
        event_type = first.get("type") or None
        if event_type and CONTROL_CHARS.search(event_type):
            return 400, 'Invalid "type" parameter\n'
        update = Update(event_id or "urn:uuid:%s" % uuid.uuid4(), topics,
                        first.get("data", ""), "private" in form, event_type,
                        int(retry) if retry else None)
        try:
            self.history.add(update)
        except OSError as err:
            return 500, "history storage failed: %s\n" % err
        for subscriber in self.subscribers:
            if subscriber.wants(update):
                subscriber.push(update)
        self.log("published", id=update.id, topic=update.topics,
                 private=int(update.private),
                 bytes=len(update.data.encode("utf-8")))
        return 200, update.id

    # -- subscribing

    def authorize_subscriber(self, request):
        """(claims ({} = anonymous), granted selectors) or AuthError."""
        token = self.find_token(request)
        if token is None or self.subscriber_key is None:
            if self.args.allow_anonymous:
                return {}, []
            raise AuthError("no subscriber token (anonymous not allowed)")
        if not token:
            raise AuthError("unusable token")
        return self.grants(request, token, self.subscriber_key, "subscribe")

    def cursor(self, request):
        value = request.header("last-event-id")
        if value:
            return value
        # 1.0 reads last_event_id only, also in compatibility mode.
        names = ("lastEventID", "Last-Event-ID", "last_event_id") \
            if self.protocol == "0" else ("last_event_id",)
        for name in names:
            if request.query.get(name, [""])[0]:
                return request.query[name][0]
        return None

    def selectors(self, request):
        """The subscription's topic selectors, or (400 text) when the
        request has none the protocol reads."""
        names = {"0": ("topic",), "1": ("match",), "8": ("topic", "match")}
        out = []
        for name in names[self.protocol]:
            out.extend(request.query.get(name, []))
        if self.protocol == "1" and "topic" in request.query:
            return None, 'Use "match": "topic" is not Mercure 1.0\n'
        if not out:
            return None, 'Missing "%s" parameter\n' % names[self.protocol][-1]
        return out, None

    def replay_for(self, cursor):
        """(updates to replay, Last-Event-ID response header)."""
        if cursor == "earliest":
            return self.history.after("earliest"), "earliest"
        found = self.history.after(cursor, self.args.history_scan_limit)
        if found is not None:
            return found, cursor
        if cursor == self.history.last_id:    # no history, nothing missed
            return [], cursor
        # Unknown or expired id: as the reference 0.x hub, the newest id and
        # no replay; the client sees a different id and knows it lost events.
        # 1.0 says "earliest" instead.
        if self.protocol != "0":
            return [], "earliest"
        return [], self.history.last_id or "earliest"

    async def subscribe(self, request, reader, writer):
        keep = request.keep_alive()
        selectors, problem = self.selectors(request)
        if problem:
            send_text(writer, 400, problem, keep)
            return keep
        try:
            claims, granted = self.authorize_subscriber(request)
        except AuthError as err:
            self.log("rejected", method="GET", peer=request.peer, status=401,
                     reason=str(err))
            send_text(writer, 401, "Unauthorized: %s\n" % err, keep,
                      self.challenge(request, "invalid_token" if
                                     self.find_token(request) else None))
            return keep
        subscriber = Subscriber(self, request, reader, writer, selectors,
                                granted)
        headers = [("Content-Type", "text/event-stream"),
                   ("Cache-Control", "no-cache"),
                   ("X-Accel-Buffering", "no"),
                   ("Connection", "close")]
        if subscriber.chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        cursor = self.cursor(request)
        # No await between the history snapshot and the registration: no
        # update can fall between replay and live delivery.
        if cursor is not None:
            replay, echoed = self.replay_for(cursor)
            headers.append(("Last-Event-ID" if self.protocol == "0" else
                            "Mercure-Last-Event-ID", echoed))
            if replay:
                subscriber.start_replay(replay)
        self.subscribers.add(subscriber)
        self.schedule_end(subscriber, claims)
        self.log("subscribed", peer=request.peer, topic=selectors,
                 anonymous=int(not claims), last_event_id=cursor or "")
        try:
            await subscriber.run(response_head(200, headers,
                                               request.version),
                                 self.args.heartbeat)
        finally:
            self.subscribers.discard(subscriber)
            self.log("unsubscribed", peer=request.peer,
                     reason=subscriber.reason or "eof",
                     events=subscriber.events)
        return False

    def schedule_end(self, subscriber, claims):
        """Streams end before the token expires and, like the reference
        hub, at a random point in the last fifth of the write timeout."""
        exp = claims.get("exp")
        if exp is not None and self.protocol == "0":
            left = exp - time.time()
            subscriber.close_at(left - min(1.0, left / 2), "exp")
        elif exp is not None:
            # 1.0: at a random point of the token's last fifth, 5 s early.
            left = exp - time.time()
            subscriber.close_at(max(0.0, left * random.uniform(0.8, 1.0) - 5),
                                "exp")
        timeout = self.args.write_timeout
        if timeout > 0:
            subscriber.close_at(timeout * random.uniform(0.8, 1.0), "timeout")

    def drop_subscribers(self, reason):
        for subscriber in list(self.subscribers):
            subscriber.close(reason)


def client_name(tls):
    """The CN of the client certificate checked in the handshake, or -."""
    cert = tls.getpeercert() or {}
    for rdn in cert.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return value
    return "-"


def send_tls_alerts():
    """A refused handshake (no client certificate, or one from another CA)
    must end with the TLS alert that says why, as the reference hub's Go
    TLS stack sends it: the client then reports "alert certificate
    required" instead of an empty reply.  asyncio (3.11) drops the alert
    OpenSSL wrote, and closes at once: the client's first request, already
    on its way in TLS 1.3, then meets a reset that can overtake the alert.
    So: send the alert, then FIN, stop reading, and close a moment later.
    A private hook: without it the handshake is still refused."""
    proto = getattr(asyncio.sslproto, "SSLProtocol", None)
    done = getattr(proto, "_on_handshake_complete", None)
    flush = getattr(proto, "_process_outgoing", None)
    if done is None or flush is None:
        return

    def on_handshake_complete(self, handshake_exc):
        if handshake_exc is None:
            return done(self, None)
        try:
            flush(self)
            self._transport.pause_reading()
            self._transport.get_extra_info("socket").shutdown(
                socket.SHUT_WR)
        except Exception:                   # the refusal goes on anyway
            return done(self, handshake_exc)
        asyncio.get_running_loop().call_later(0.2, done, self,
                                              handshake_exc)
    proto._on_handshake_complete = on_handshake_complete


def tls_context(args):
    """--tls-cert: HTTPS only, HTTP/1.1 by ALPN (this hub speaks no h2);
    --tls-client-ca: a client certificate from that CA is required, the
    handshake fails without one (mutual TLS, as a hub behind a proxy that
    checks them)."""
    if not args.tls_cert:
        return None
    send_tls_alerts()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    ctx.set_alpn_protocols(["http/1.1"])
    if args.tls_client_ca:
        ctx.load_verify_locations(args.tls_client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def key_bytes(key):
    return key.encode("utf-8") if key else None


# ---------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="devhub.py",
        description="Development Mercure hub (Mercure 0.x wire format) for "
                    "http-broadcast's tests and demo.  DEVELOPMENT AND TEST "
                    "USE ONLY, NOT FOR PRODUCTION: use dunglas/mercure there.",
        epilog="Signals: SIGUSR1 ends all subscriber streams; SIGTERM/SIGINT "
               "exit cleanly.  See tests-vtc/hub/README.md.")
    parser.add_argument("--listen", default="127.0.0.1:3000",
                        metavar="HOST:PORT",
                        help="address to bind (default 127.0.0.1:3000; "
                             "port 0 picks a free port)")
    parser.add_argument("--port-file", metavar="FILE",
                        help="write the bound port to FILE (atomically)")
    parser.add_argument("--path", default=DEFAULT_PATH,
                        help="hub path (default %s)" % DEFAULT_PATH)
    parser.add_argument("--jwt-key", metavar="KEY",
                        help="HMAC key for publishers and subscribers")
    parser.add_argument("--publisher-jwt-key", metavar="KEY",
                        help="HMAC key for publishers (overrides --jwt-key)")
    parser.add_argument("--subscriber-jwt-key", metavar="KEY",
                        help="HMAC key for subscribers (overrides --jwt-key)")
    parser.add_argument("--allow-anonymous", action="store_true",
                        help="let subscribers without a token in (they get "
                             "public updates only)")
    parser.add_argument("--heartbeat", type=float, default=40.0,
                        metavar="SECONDS",
                        help="heartbeat comment interval (default 40, 0 = off)")
    parser.add_argument("--write-timeout", type=float, default=600.0,
                        metavar="SECONDS",
                        help="end streams at a random point in the last fifth "
                             "of this (default 600, 0 = never)")
    parser.add_argument("--history-size", type=int, default=1000,
                        metavar="N",
                        help="keep the last N events for replay (default "
                             "1000, 0 = no history)")
    parser.add_argument("--history-file", metavar="FILE",
                        help="persist the history in FILE (JSON lines)")
    parser.add_argument("--history-scan-limit", type=int, default=0,
                        metavar="N",
                        help="a Last-Event-ID not found among the N oldest "
                             "history entries counts as unknown (default 0 "
                             "= no limit, as hubs up to v0.24.1; v0.24.2+: "
                             "10000)")
    parser.add_argument("--subscriber-buffer", type=int, default=1000,
                        metavar="N",
                        help="updates queued per subscriber, replay "
                             "included; one more drops it (default 1000)")
    parser.add_argument("--overflow", choices=("stall", "close"),
                        default="stall",
                        help="a dropped subscriber's stream: stall = stays "
                             "open, heartbeats only (hubs up to v0.19, the "
                             "default); close = ends (v0.20+)")
    parser.add_argument("--protocol", choices=("0", "1", "8"), default="0",
                        help="0: the 0.x hubs (default); 1: Mercure 1.0 "
                             "(access tokens, ?match=); 8: 1.0 in its "
                             "compatibility mode (0.x tokens and ?topic= "
                             "too)")
    parser.add_argument("--issuer", default="https://localhost",
                        help="1 and 8: the iss of access tokens (default "
                             "https://localhost, as the 1.0 hub)")
    parser.add_argument("--resource-identifier", metavar="URL",
                        help="1 and 8: the aud access tokens must name "
                             "(default <scheme>://<Host>/<path>)")
    parser.add_argument("--log-file", metavar="FILE",
                        help="log here instead of stderr")
    parser.add_argument("--tls-cert", metavar="FILE",
                        help="serve HTTPS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", metavar="FILE",
                        help="key of --tls-cert (default: in its file)")
    parser.add_argument("--tls-client-ca", metavar="FILE",
                        help="require a client certificate signed by a CA "
                             "of FILE (mutual TLS)")
    args = parser.parse_args(argv)
    if (args.tls_key or args.tls_client_ca) and not args.tls_cert:
        parser.error("--tls-key and --tls-client-ca need --tls-cert")
    host, sep, port = args.listen.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        parser.error("--listen wants HOST:PORT")
    args.host, args.port = host.strip("[]") or "127.0.0.1", int(port)
    if not (args.publisher_jwt_key or args.jwt_key):
        parser.error("a publisher key is required: --jwt-key or "
                     "--publisher-jwt-key")
    if not (args.subscriber_jwt_key or args.jwt_key or args.allow_anonymous):
        parser.error("subscribers need --jwt-key, --subscriber-jwt-key or "
                     "--allow-anonymous")
    if args.history_size < 0 or args.heartbeat < 0 or \
            args.write_timeout < 0 or args.history_scan_limit < 0:
        parser.error("sizes and durations cannot be negative")
    if args.subscriber_buffer < 1:
        parser.error("--subscriber-buffer must be at least 1")
    return args


def raise_fd_limit(log):
    """2000 subscribers need more descriptors than the usual soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as err:
            log("warning", reason="cannot raise RLIMIT_NOFILE: %s" % err)
    if soft != resource.RLIM_INFINITY and soft < 4200:
        log("warning", reason="open file limit %d: fewer than 2000 "
                              "subscribers may fit" % soft)


def write_port_file(path, port):
    """temp file + rename: a test polling for the file never reads half."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".devhub-port.", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


async def run(args, log):
    hub = Hub(args, log)
    server = await asyncio.start_server(hub.serve, args.host, args.port,
                                        limit=MAX_HEADER_BYTES, backlog=4096,
                                        reuse_address=True,
                                        ssl=tls_context(args))
    port = server.sockets[0].getsockname()[1]
    host = args.host if ":" not in args.host else "[%s]" % args.host
    if args.port_file:
        write_port_file(args.port_file, port)
    print("listening on %s:%d" % (host, port), flush=True)
    log("listening", address="%s:%d" % (host, port), path=args.path,
        tls="on" if args.tls_cert else "off",
        client_certificates="required" if args.tls_client_ca else "no",
        history_size=args.history_size, heartbeat=args.heartbeat,
        write_timeout=args.write_timeout,
        subscriber_buffer=args.subscriber_buffer, overflow=args.overflow,
        history_scan_limit=args.history_scan_limit)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, hub.drop_subscribers, "signal")
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()

    log("stopping", subscribers=len(hub.subscribers))
    server.close()
    hub.drop_subscribers("shutdown")
    for _ in range(50):                 # let the streams end cleanly
        if not hub.subscribers:
            break
        await asyncio.sleep(0.02)
    hub.close_connections()
    hub.history.close()


def main(argv=None):
    args = parse_args(argv)
    log = Log(args.log_file)
    raise_fd_limit(log)
    asyncio.run(run(args, log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
