"""Signed requests to customer URLs, following a bounded number of redirects.

Every request carries `X-SignalWire-Signature` and `X-Twilio-Signature`
computed over the URL actually requested (and the POST parameters), and a
`User-Agent: cxml-bridge/<version>`.

Redirects (301, 302, 303, 307, 308) are followed up to `max_redirects` hops,
only to http(s) URLs, and each hop is signed again for its own URL. The method
and the parameters are kept on every hop, 303 included: a redirect moves the
webhook (http to https, a trailing slash) but the parameters are what the
customer needs, and dropping them would hand it an empty request.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from bridge.cxml.models import HttpMethod
from bridge.webhooks.errors import (
    HTTP_TOO_MANY_REDIRECTS,
    HttpStatusError,
    InvalidUrl,
    RedirectError,
)
from bridge.webhooks.http import USER_AGENT, Transport, WebhookRequest, WebhookResponse
from bridge.webhooks.signature import signature_headers

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class WebhookClient:
    """What the rest of the bridge uses to talk to customer URLs."""

    def __init__(
        self,
        transport: Transport,
        signing_key: str,
        *,
        max_redirects: int = 10,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.transport = transport
        self._signing_key = signing_key
        self.max_redirects = max_redirects
        self.user_agent = user_agent

    def request(
        self,
        method: HttpMethod,
        url: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        read_body: bool = True,
    ) -> WebhookResponse:
        """Send, follow redirects, and return a 2xx response.

        Raises a WebhookError subclass otherwise: HttpStatusError for any other
        final status, RedirectError, InvalidUrl, or whatever the transport raised.
        """
        check_url(url)
        current = url
        for _hop in range(self.max_redirects + 1):
            response = self.transport.send(self.prepare(method, current, params, read_body))
            if response.status in REDIRECT_STATUSES:
                current = self._next_hop(current, response)
                continue
            if 200 <= response.status < 300:
                return response
            if 300 <= response.status < 400:
                raise RedirectError(
                    current, f"HTTP status {response.status} is not a redirect we follow"
                )
            raise HttpStatusError(current, response.status)
        raise RedirectError(
            url,
            f"more than {self.max_redirects} redirects (last to {current})",
            error_code=HTTP_TOO_MANY_REDIRECTS,
        )

    def prepare(
        self,
        method: HttpMethod,
        url: str,
        params: Sequence[tuple[str, str]] = (),
        read_body: bool = True,
    ) -> WebhookRequest:
        """The signed request for one hop, as the transport will send it."""
        request = WebhookRequest(
            method,
            url,
            tuple((str(name), str(value)) for name, value in params),
            read_body=read_body,
        )
        signature = signature_headers(self._signing_key, request.target_url, request.form)
        return request.with_headers(("User-Agent", self.user_agent), *signature)

    def _next_hop(self, url: str, response: WebhookResponse) -> str:
        location = response.header("Location")
        if not location:
            raise RedirectError(url, f"HTTP status {response.status} without a Location header")
        target = urljoin(url, location.strip())
        try:
            check_url(target)
        except InvalidUrl as exc:
            raise RedirectError(url, f"redirect to {exc.reason}") from exc
        return target


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL, naming what is wrong."""
    if any(c in url for c in "\r\n\0"):
        raise InvalidUrl(url.encode("unicode_escape").decode("ascii"), "control character in URL")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError as exc:
        raise InvalidUrl(url, f"malformed URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        shown = repr(parts.scheme) if parts.scheme else "no scheme"
        raise InvalidUrl(url, f"{shown}: only absolute http and https URLs are requested")
    if not host:
        raise InvalidUrl(url, "no host in URL")
