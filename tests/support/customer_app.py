"""A fake customer web application: a real HTTP server on 127.0.0.1, port 0.

It records every request it receives and answers each path from a script.
Use it through the `customer_app` fixture (tests/support/fixtures.py) or as a
context manager:

    with CustomerApp() as app:
        app.reply("/voice", Reply.cxml("<Response><Hangup/></Response>"))
        app.reply("/status", Reply.empty(500), Reply.empty(200))  # 500 once, then 200s
        ... point the bridge at app.url("/voice") ...
        (request,) = app.wait_for("/voice")
        assert request.param("CallSid") == sid
        assert signature_ok(request, SIGNING_KEY)

Scripts: `reply(path, *responses)` answers the path's requests with the
responses in order, the last one repeating. A response is a `Reply` or a
callable taking the `ReceivedRequest` and returning one. A path without a
script answers 404 (text/plain, naming the path).

Slow servers: a `Reply` with `gate=Gate()` is held after the request has been
recorded, until `gate.release()` (or `delay` seconds, when given, or `stop()`).
So a test can wait for the request to arrive, check what the bridge does while
the customer is slow, then let it go. Nothing here sleeps.

Waiting: `wait_for(path_or_predicate, count=1, timeout=5.0)` returns the first
`count` matching requests as soon as they have arrived, or fails the test
with every request received so far.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import gevent.event
from gevent.pywsgi import WSGIHandler, WSGIServer
from signalwire.request_validator import RequestValidator

Pairs = tuple[tuple[str, str], ...]

__all__ = [
    "CustomerApp",
    "Gate",
    "ReceivedRequest",
    "Reply",
    "closed_port_url",
    "signature_ok",
]


class Gate:
    """Holds replies until released. Once released it stays open."""

    def __init__(self) -> None:
        self._open = gevent.event.Event()

    def release(self) -> None:
        self._open.set()

    @property
    def released(self) -> bool:
        return self._open.is_set()

    def wait(self, timeout: float | None) -> None:
        self._open.wait(timeout)


@dataclass(frozen=True)
class Reply:
    """What the app answers. `body` str is sent UTF-8; `content_type=None` sends none."""

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/xml"
    headers: Pairs = ()
    gate: Gate | None = None
    # With a gate: the longest hold (None: until released). Without: a plain delay.
    delay: float | None = None
    # Send the body with chunked transfer encoding, without Content-Length.
    chunked: bool = False

    @classmethod
    def cxml(cls, document: str, *, status: int = 200, gate: Gate | None = None) -> Reply:
        return cls(status=status, body=document, content_type="text/xml", gate=gate)

    @classmethod
    def empty(cls, status: int = 204, *, gate: Gate | None = None) -> Reply:
        """An answer with this status, no body and no Content-Type."""
        return cls(status=status, body=b"", content_type=None, gate=gate)

    @classmethod
    def redirect(cls, location: str, *, status: int = 302) -> Reply:
        return cls(status=status, content_type=None, headers=(("Location", location),))

    @property
    def body_bytes(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the customer's server saw it."""

    method: str
    url: str  # scheme, host, port and the request target exactly as sent
    path: str  # decoded
    query: Pairs
    form: Pairs  # application/x-www-form-urlencoded body, in order
    headers: Pairs
    body: bytes
    received_at: float = 0.0  # time.monotonic() on arrival

    @property
    def params(self) -> Pairs:
        """What a webhook carries: the query for GET, the form otherwise."""
        return self.query if self.method == "GET" else self.form

    def param(self, name: str) -> str | None:
        """The first value of parameter `name`, or None."""
        for key, value in self.params:
            if key == name:
                return value
        return None

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


Responder = Reply | Callable[[ReceivedRequest], Reply]


@dataclass
class _Script:
    responders: list[Responder]
    served: int = 0

    def next(self) -> Responder:
        responder = self.responders[min(self.served, len(self.responders) - 1)]
        self.served += 1
        return responder


class _RawTargetHandler(WSGIHandler):  # type: ignore[misc]
    # PATH_INFO is decoded; signatures are over the target as sent, so keep it.
    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ["RAW_URI"] = self.path
        return environ


class CustomerApp:
    """The fake customer application. See the module docstring for the tour."""

    def __init__(self) -> None:
        self._server: WSGIServer | None = None
        self._scripts: dict[str, _Script] = {}
        self._log: list[ReceivedRequest] = []
        self._gates: list[Gate] = []
        self._in_flight = 0
        self._max_in_flight = 0
        # Monkey-patched by the test session: waits cooperatively under gevent.
        self._changed = threading.Condition()

    # -- life cycle -------------------------------------------------------

    def start(self) -> CustomerApp:
        server = WSGIServer(("127.0.0.1", 0), self._wsgi, handler_class=_RawTargetHandler, log=None)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        for gate in self._gates:
            gate.release()
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None

    def __enter__(self) -> CustomerApp:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("CustomerApp is not started")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of `path` (which may carry a query string) on this app."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- script -----------------------------------------------------------

    def reply(self, path: str, *responders: Responder) -> None:
        """Answer requests to `path` with these, in order; the last one repeats."""
        if not responders:
            raise ValueError("reply() needs at least one Reply or callable")
        for responder in responders:
            if isinstance(responder, Reply) and responder.gate is not None:
                self._gates.append(responder.gate)
        self._scripts[path] = _Script(list(responders))

    # -- what was received ----------------------------------------------

    @property
    def requests(self) -> tuple[ReceivedRequest, ...]:
        with self._changed:
            return tuple(self._log)

    def requests_to(self, path: str) -> tuple[ReceivedRequest, ...]:
        return tuple(r for r in self.requests if r.path == path)

    @property
    def max_in_flight(self) -> int:
        """The most requests this app has held open at once (arrived, not yet answered)."""
        return self._max_in_flight

    def clear(self) -> None:
        with self._changed:
            self._log.clear()

    def wait_for(
        self,
        what: str | Callable[[ReceivedRequest], bool],
        count: int = 1,
        timeout: float = 5.0,
    ) -> tuple[ReceivedRequest, ...]:
        """The first `count` requests to path `what` (or matching it), once they arrived."""
        matches: Callable[[ReceivedRequest], bool]
        if isinstance(what, str):
            path = what
            matches = lambda request: request.path == path  # noqa: E731
            described = f"requests to {path}"
        else:
            matches = what
            described = "matching requests"

        def found() -> list[ReceivedRequest]:
            return [request for request in self._log if matches(request)]

        with self._changed:
            if not self._changed.wait_for(lambda: len(found()) >= count, timeout):
                seen = "\n  ".join(f"{r.method} {r.url} {r.params}" for r in self._log)
                raise AssertionError(
                    f"{count} {described} expected within {timeout} s, "
                    f"got {len(found())}; received:\n  {seen or '(nothing)'}"
                )
            return tuple(found()[:count])

    # -- the WSGI application -------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        request = _received(environ)
        with self._changed:
            self._log.append(request)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._changed.notify_all()
        try:
            yield from self._answer(request, start_response)
        finally:
            self._in_flight -= 1

    def _answer(
        self, request: ReceivedRequest, start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        script = self._scripts.get(request.path)
        if script is None:
            reply = Reply(404, f"no reply scripted for {request.path}\n", "text/plain")
        else:
            responder = script.next()
            reply = responder if isinstance(responder, Reply) else responder(request)
        if reply.gate is not None:
            self._gates.append(reply.gate)  # so that stop() lets it go
            reply.gate.wait(reply.delay)
        elif reply.delay is not None:
            gevent.event.Event().wait(reply.delay)
        body = reply.body_bytes
        headers = list(reply.headers)
        if not reply.chunked:
            headers.append(("Content-Length", str(len(body))))
        if reply.content_type is not None:
            headers.append(("Content-Type", reply.content_type))
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
        if reply.chunked:
            for start in range(0, len(body), 4096):
                yield body[start : start + 4096]
        else:
            yield body


_REASONS = {
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _received(environ: dict[str, Any]) -> ReceivedRequest:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    form: Pairs = ()
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = tuple(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    headers = tuple(
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    )
    if "CONTENT_TYPE" in environ:
        headers += (("Content-Type", environ["CONTENT_TYPE"]),)
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return ReceivedRequest(
        method=environ["REQUEST_METHOD"],
        url=f"http://{host}{environ['RAW_URI']}",
        path=environ["PATH_INFO"],
        query=tuple(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
        form=form,
        headers=headers,
        body=body,
        received_at=time.monotonic(),
    )


class _FormPairs:
    """POST parameters for the validator, repeated names included.

    RequestValidator iterates `params.items()`; a dict would keep one value
    per name, so the validator gets every pair instead.
    """

    def __init__(self, pairs: Pairs) -> None:
        self._pairs = pairs

    def items(self) -> Pairs:
        return self._pairs

    def __len__(self) -> int:
        return len(self._pairs)


def signature_ok(request: ReceivedRequest, signing_key: str) -> bool:
    """Does the request carry a valid signature, as the signalwire package judges it?

    Both headers must be present and equal, and RequestValidator must accept
    the full URL (and, for POST, the form parameters).
    """
    signalwire = request.header("X-SignalWire-Signature")
    twilio = request.header("X-Twilio-Signature")
    if signalwire is None or signalwire != twilio:
        return False
    params: Any = _FormPairs(request.form) if request.method == "POST" else {}
    return bool(RequestValidator(signing_key).validate(request.url, params, signalwire))


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
