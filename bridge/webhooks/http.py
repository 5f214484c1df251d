"""One HTTP exchange with a customer URL, behind a transport seam.

`WebhookRequest` says what to send; a `Transport` sends it once (no redirects,
no signing: that is `WebhookClient`'s job) and returns a `WebhookResponse`
whatever its status, or raises a `WebhookError` when there is no response to
return. `RequestsTransport` is the real one; tests may pass any object with
the same `send`.

Limits of `RequestsTransport`, and why:
- connect timeout (default 5 s) and read timeout (default 15 s) are separate,
  so a log says which one ran out; the whole exchange, body included, never
  takes longer than their sum (a server dripping bytes cannot hold a call);
- the body is read as a stream and refused past `max_body_bytes` (64 KiB, the
  hosted platforms' cap on a cXML response), before it is all in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlparse, urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.utils import requote_uri

from bridge import __version__
from bridge.cxml.models import HttpMethod
from bridge.webhooks.errors import (
    HTTP_BAD_HOST_NAME,
    TLS_HANDSHAKE_ERROR,
    BodyTooLarge,
    ConnectFailed,
    WebhookError,
    WebhookTimeout,
)

USER_AGENT = f"cxml-bridge/{__version__}"
DOCUMENT_BODY_LIMIT = 64 * 1024

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A request to a customer URL.

    GET carries `params` in the query string, after any query the URL already
    has; POST carries them as an application/x-www-form-urlencoded body.
    `read_body=False` is for callbacks, whose response body nobody reads.
    """

    method: HttpMethod
    url: str
    params: Params = ()
    headers: Params = ()
    read_body: bool = True

    @property
    def target_url(self) -> str:
        """The URL exactly as it goes on the wire, and as it is signed.

        The fragment is dropped (it never leaves the client), and characters a
        URL may not hold are percent-encoded the way requests would do it
        anyway, so that the signed string and the requested one are the same.
        Last, the URL goes through urlparse/geturl as the validators do with
        the URL they check (which drops an empty `;` or `?`), so that theirs
        and ours are the same string too.
        """
        scheme, netloc, path, query, _fragment = urlsplit(self.url)
        if self.method is HttpMethod.GET and self.params:
            extra = urlencode(self.params)
            query = f"{query}&{extra}" if query else extra
        return urlparse(requote_uri(urlunsplit((scheme, netloc, path, query, "")))).geturl()

    @property
    def form(self) -> Params:
        """The parameters that go in the body (and into the signature)."""
        return self.params if self.method is HttpMethod.POST else ()

    @property
    def body(self) -> bytes | None:
        if self.method is HttpMethod.POST:
            return urlencode(self.params).encode("ascii")
        return None

    def with_headers(self, *headers: tuple[str, str]) -> WebhookRequest:
        return WebhookRequest(
            self.method, self.url, self.params, self.headers + headers, self.read_body
        )


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    url: str
    status: int
    headers: Params
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        """The media type alone, lower case (`text/xml`), or None when absent."""
        value = self.header("Content-Type")
        if value is None:
            return None
        media_type = value.split(";", 1)[0].strip().lower()
        return media_type or None


class Transport(Protocol):
    def send(self, request: WebhookRequest) -> WebhookResponse:
        """Send once. Return any HTTP response; raise WebhookError when there is none."""
        ...


class RequestsTransport:
    """The real transport: requests (cooperative under gevent's monkey patching)."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        max_body_bytes: int = DOCUMENT_BODY_LIMIT,
        pool_size: int = 32,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_body_bytes = max_body_bytes
        self._session = requests.Session()
        # Connections per host; sized for the callback pool so that concurrent
        # deliveries to one customer reuse connections instead of churning.
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # Our requests carry exactly the headers we decide, not the environment's proxies.
        self._session.trust_env = False

    def close(self) -> None:
        self._session.close()

    def send(self, request: WebhookRequest) -> WebhookResponse:
        url = request.target_url
        deadline = time.monotonic() + self.connect_timeout + self.read_timeout
        headers = dict(request.headers)
        if request.method is HttpMethod.POST:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self._session.request(
                request.method.value,
                url,
                data=request.body,
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.RequestException as exc:
            raise self._translate(url, exc) from exc
        with response:
            response_headers = tuple((k, v) for k, v in response.headers.items())
            body = b""
            if request.read_body:
                body = self._read_body(url, response, deadline)
            return WebhookResponse(url, response.status_code, response_headers, body)

    def _read_body(self, url: str, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BodyTooLarge(url, self.max_body_bytes)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(response):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise BodyTooLarge(url, self.max_body_bytes)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise WebhookTimeout(url, "read", self.read_timeout)
        except requests.exceptions.RequestException as exc:
            raise self._translate(url, exc) from exc
        return b"".join(chunks)

    def _translate(self, url: str, exc: requests.exceptions.RequestException) -> WebhookError:
        chain = _chain(exc)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return WebhookTimeout(url, "connect", self.connect_timeout)
        if isinstance(exc, requests.exceptions.ReadTimeout) or _any(
            chain, urllib3.exceptions.ReadTimeoutError
        ):
            return WebhookTimeout(url, "read", self.read_timeout)
        root = chain[-1]
        if isinstance(exc, requests.exceptions.SSLError):
            return ConnectFailed(
                url, f"TLS handshake failed: {root}", error_code=TLS_HANDSHAKE_ERROR
            )
        if _any(chain, urllib3.exceptions.NameResolutionError):
            return ConnectFailed(url, "unknown host", error_code=HTTP_BAD_HOST_NAME)
        if _any(chain, ConnectionRefusedError):
            return ConnectFailed(url, "connection refused")
        if _any(chain, ConnectionResetError):
            return ConnectFailed(url, "connection reset by the server")
        if isinstance(
            exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
        ):
            return ConnectFailed(url, f"malformed response: {root}")
        return ConnectFailed(url, f"connection failed: {root}")


def _chunks(response: requests.Response) -> Iterator[bytes]:
    # Whatever the socket hands over, decoded (gzip), never more than 8 KiB at a time.
    yield from response.iter_content(chunk_size=8192)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception it wraps, outermost first; the last names the cause."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        inner: BaseException | None = None
        if isinstance(current, urllib3.exceptions.MaxRetryError):
            inner = current.reason
        if inner is None and current.args and isinstance(current.args[0], BaseException):
            inner = current.args[0]
        current = inner or current.__cause__ or current.__context__
    return chain


def _any(chain: list[BaseException], kind: type[BaseException]) -> bool:
    return any(isinstance(item, kind) for item in chain)
