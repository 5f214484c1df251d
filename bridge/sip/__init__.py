"""SIP URIs: the model (`uri`) and its strict parser and rebuilder (`parse`). No I/O."""

from bridge.sip.parse import (
    MAX_HEADERS_CHARS,
    MAX_URI_CHARS,
    SipUriError,
    format_sip_uri,
    parse_sip_uri,
)
from bridge.sip.uri import SipHeader, SipUri, Transport

__all__ = [
    "MAX_HEADERS_CHARS",
    "MAX_URI_CHARS",
    "SipHeader",
    "SipUri",
    "SipUriError",
    "Transport",
    "format_sip_uri",
    "parse_sip_uri",
]
