"""Everything the bridge sends to customer URLs: cXML fetches and callbacks.

    signature   sign(key, url, params): X-SignalWire-Signature / X-Twilio-Signature
    http        WebhookRequest, WebhookResponse, Transport (the seam), RequestsTransport
    client      WebhookClient: signs, follows bounded redirects, raises on non-2xx
    documents   fetch_document(...): a parsed cXML document, with FallbackUrl
    callbacks   CallbackDispatcher: outbox-backed, ordered per URL, bounded, retried
    retry       RetryPolicy, is_retryable: which failures are retried, and when
    parameters  standard_params(...), status_callback_params(...)
    errors      the WebhookError tree and the platforms' error codes

May import the HTTP client and `bridge.store`; never the Event Socket.
"""

from bridge.webhooks.callbacks import (
    CallbackDispatcher,
    CallbackKind,
    RetryPolicy,
    StatusCallbackRequest,
)
from bridge.webhooks.client import WebhookClient
from bridge.webhooks.documents import (
    DocumentUnavailable,
    FetchedDocument,
    FetchFailure,
    fetch_document,
)
from bridge.webhooks.errors import (
    BodyTooLarge,
    ConnectFailed,
    HttpStatusError,
    InvalidUrl,
    RedirectError,
    UnexpectedContentType,
    WebhookError,
    WebhookTimeout,
)
from bridge.webhooks.http import (
    RequestsTransport,
    Transport,
    WebhookRequest,
    WebhookResponse,
)
from bridge.webhooks.parameters import standard_params, status_callback_params
from bridge.webhooks.signature import sign

__all__ = [
    "BodyTooLarge",
    "CallbackDispatcher",
    "CallbackKind",
    "ConnectFailed",
    "DocumentUnavailable",
    "FetchFailure",
    "FetchedDocument",
    "HttpStatusError",
    "InvalidUrl",
    "RedirectError",
    "RequestsTransport",
    "RetryPolicy",
    "StatusCallbackRequest",
    "Transport",
    "UnexpectedContentType",
    "WebhookClient",
    "WebhookError",
    "WebhookRequest",
    "WebhookResponse",
    "WebhookTimeout",
    "fetch_document",
    "sign",
    "standard_params",
    "status_callback_params",
]
