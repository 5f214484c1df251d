"""Fetch a cXML document from a customer URL, with the FallbackUrl behaviour.

The URL is requested (signed, with the caller's parameters); a document is
taken only from a 2xx response whose Content-Type is `text/xml` or
`application/xml` and whose body is a valid cXML document. Anything else (no
connection, a timeout, an HTTP error, an empty body, another content type, a
body over 64 KiB, a document that does not parse or validate) is a failure.
On failure the FallbackUrl, when there is one, is requested with the same
parameters plus `ErrorCode` (the hosted platforms' number for the failure) and
`ErrorUrl` (the URL that failed), as Twilio and SignalWire do. When that fails
too, `DocumentUnavailable` names every URL tried and why.

Content types: Twilio reads a `text/plain` body as text to `<Say>` and
SignalWire accepts only the two XML types; we accept only the XML types, so an
error page (`text/html`) or a stray text answer never plays to a caller, and
the failure says which content type arrived. The XML declaration, not the
Content-Type charset, decides the encoding (UTF-8 when absent).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bridge.cxml import parse_document
from bridge.cxml.errors import CxmlError, DocumentRejected, Problem
from bridge.cxml.models import HttpMethod, Response
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.errors import (
    DOCUMENT_PARSE_FAILURE,
    SCHEMA_VALIDATION_FAILURE,
    UnexpectedContentType,
    WebhookError,
)

ACCEPTED_CONTENT_TYPES = frozenset({"text/xml", "application/xml"})

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why one URL gave no document. `problems` lists the cXML errors, by line."""

    url: str
    method: HttpMethod
    reason: str
    error_code: int
    problems: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        return f"{self.method.value} {self.url}: {self.reason} (error {self.error_code})"


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A parsed document, where it came from, and what failed before it."""

    response: Response
    url: str
    method: HttpMethod
    failures: tuple[FetchFailure, ...] = ()

    @property
    def used_fallback(self) -> bool:
        return bool(self.failures)


class DocumentUnavailable(Exception):
    """Neither the URL nor its fallback gave a document; `failures` says why, in order."""

    def __init__(self, failures: tuple[FetchFailure, ...]) -> None:
        self.failures = failures
        super().__init__("no cXML document: " + "; ".join(str(f) for f in failures))


def fetch_document(
    client: WebhookClient,
    url: str,
    method: HttpMethod,
    params: Sequence[tuple[str, str]],
    *,
    fallback_url: str | None = None,
    fallback_method: HttpMethod = HttpMethod.POST,
    callee_leg: bool = False,
) -> FetchedDocument:
    """Request `url` and return its document, or the fallback's; else DocumentUnavailable."""
    outcome = _fetch_once(client, url, method, params, callee_leg)
    if isinstance(outcome, Response):
        return FetchedDocument(outcome, url, method)
    if fallback_url is None:
        raise DocumentUnavailable((outcome,))
    log.warning("cXML fetch failed, trying the FallbackUrl %s: %s", fallback_url, outcome)
    fallback_params = (
        *params,
        ("ErrorCode", str(outcome.error_code)),
        ("ErrorUrl", url),
    )
    second = _fetch_once(client, fallback_url, fallback_method, fallback_params, callee_leg)
    if isinstance(second, Response):
        return FetchedDocument(second, fallback_url, fallback_method, (outcome,))
    raise DocumentUnavailable((outcome, second))


def _fetch_once(
    client: WebhookClient,
    url: str,
    method: HttpMethod,
    params: Sequence[tuple[str, str]],
    callee_leg: bool,
) -> Response | FetchFailure:
    try:
        reply = client.request(method, url, params)
    except WebhookError as exc:
        return FetchFailure(url, method, exc.reason, exc.error_code)
    if not reply.body.strip():
        reason = f"HTTP {reply.status} with an empty body: no cXML document"
        return FetchFailure(url, method, reason, DOCUMENT_PARSE_FAILURE)
    if reply.content_type not in ACCEPTED_CONTENT_TYPES:
        wrong = UnexpectedContentType(url, reply.content_type)
        return FetchFailure(url, method, wrong.reason, wrong.error_code)
    try:
        return parse_document(reply.body, source_url=url, callee_leg=callee_leg)
    except CxmlError as exc:
        code = DOCUMENT_PARSE_FAILURE
        if not isinstance(exc, DocumentRejected):
            code = SCHEMA_VALIDATION_FAILURE
        return FetchFailure(url, method, f"invalid cXML: {exc}", code, exc.problems)
