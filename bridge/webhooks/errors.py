"""What can go wrong talking to a customer URL.

    WebhookError                 a request to a customer URL failed; names the URL
      ConnectFailed              no connection: refused, unreachable, unknown host, TLS
      WebhookTimeout             `phase` says which: "connect" or "read"
      HttpStatusError            the server answered with a status we do not accept
      BodyTooLarge               the response body passed the size cap
      RedirectError              a redirect we will not follow (loop, bad Location)
      UnexpectedContentType      a document that is not text/xml or application/xml
      InvalidUrl                 not an absolute http(s) URL

Each carries `error_code`, the number the hosted platforms use for the same
failure (their error dictionary, 11xxx/12xxx), which is what a FallbackUrl
receives as `ErrorCode`.
"""

from __future__ import annotations

# The hosted platforms' error dictionary, for ErrorCode on the fallback request.
HTTP_RETRIEVAL_FAILURE = 11200
HTTP_CONNECTION_FAILURE = 11205
HTTP_BAD_HOST_NAME = 11210
HTTP_TOO_MANY_REDIRECTS = 11215
HTTP_INVALID_REDIRECT = 11216
TLS_HANDSHAKE_ERROR = 11220
INVALID_URL_FORMAT = 11100
RESPONSE_BODY_TOO_LARGE = 11750
DOCUMENT_PARSE_FAILURE = 12100
SCHEMA_VALIDATION_FAILURE = 12200
INVALID_CONTENT_TYPE = 12300


class WebhookError(Exception):
    """A request to `url` failed; `reason` says how, in words a log reader wants."""

    error_code = HTTP_RETRIEVAL_FAILURE

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class ConnectFailed(WebhookError):
    error_code = HTTP_CONNECTION_FAILURE

    def __init__(self, url: str, reason: str, *, error_code: int | None = None) -> None:
        super().__init__(url, reason)
        if error_code is not None:
            self.error_code = error_code


class WebhookTimeout(WebhookError):
    error_code = HTTP_CONNECTION_FAILURE

    def __init__(self, url: str, phase: str, seconds: float) -> None:
        self.phase = phase
        self.seconds = seconds
        what = "no connection" if phase == "connect" else "no complete response"
        super().__init__(url, f"{phase} timeout: {what} within {seconds:g} s")


class HttpStatusError(WebhookError):
    error_code = HTTP_RETRIEVAL_FAILURE

    def __init__(self, url: str, status: int) -> None:
        self.status = status
        super().__init__(url, f"HTTP status {status}")


class BodyTooLarge(WebhookError):
    error_code = RESPONSE_BODY_TOO_LARGE

    def __init__(self, url: str, limit: int) -> None:
        self.limit = limit
        super().__init__(url, f"response body larger than {limit} bytes")


class RedirectError(WebhookError):
    error_code = HTTP_INVALID_REDIRECT

    def __init__(self, url: str, reason: str, *, error_code: int | None = None) -> None:
        super().__init__(url, reason)
        if error_code is not None:
            self.error_code = error_code


class UnexpectedContentType(WebhookError):
    error_code = INVALID_CONTENT_TYPE

    def __init__(self, url: str, content_type: str | None) -> None:
        self.content_type = content_type
        shown = repr(content_type) if content_type else "no Content-Type"
        super().__init__(
            url, f"{shown}: a cXML document must be served as text/xml or application/xml"
        )


class InvalidUrl(WebhookError):
    error_code = INVALID_URL_FORMAT
