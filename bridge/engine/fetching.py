"""Fetching a cXML document for a call, in the call's greenlet and interruptibly."""

from __future__ import annotations

from collections.abc import Sequence

from bridge.cxml.models import HttpMethod, Response
from bridge.engine.session import CallSession
from bridge.webhooks.documents import FetchedDocument, fetch_document


def fetch(
    call: CallSession,
    url: str,
    method: HttpMethod,
    params: Sequence[tuple[str, str]],
    *,
    fallback_url: str | None = None,
    fallback_method: HttpMethod = HttpMethod.POST,
    interruptible: bool = True,
) -> Response:
    """The document at `url` (or its fallback); raises DocumentUnavailable or an interrupt."""
    client = call.services.webhooks

    def request() -> FetchedDocument:
        return fetch_document(
            client,
            url,
            method,
            tuple(params),
            fallback_url=fallback_url,
            fallback_method=fallback_method,
        )

    fetched = call.run_io(request, interruptible=interruptible)
    return fetched.response
