"""The request signature every customer URL receives.

SignalWire and Twilio sign a webhook with base64(HMAC-SHA1(signing key, data))
where `data` is the full URL that was requested followed by each POST
parameter's name and value, sorted, with no separators. A GET request signs
the URL alone: its parameters are already part of that URL.

Repeated names (`SipHeader_X-Foo` twice, say) are ordered by name and then by
value, and an exact duplicate pair counts once. That is what the validators
customers run do (twilio-python sorts the set of values of each name;
twilio 6.x sorts the (name, value) pairs), so it is what we sign: a signature
exists to be checked by them. Names and values compare by Unicode code point.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADERS = ("X-SignalWire-Signature", "X-Twilio-Signature")
"""Both carry the same value; existing validators read the Twilio one."""


def sign(signing_key: str, url: str, params: Sequence[tuple[str, str]] | None) -> str:
    """Signature of a request to `url` with POST `params` (None or empty for GET)."""
    data = url
    if params:
        for name, value in sorted(set(params)):
            data += name + value
    digest = hmac.new(signing_key.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_headers(
    signing_key: str, url: str, params: Sequence[tuple[str, str]] | None
) -> tuple[tuple[str, str], ...]:
    """The signature headers for a request, ready to send."""
    value = sign(signing_key, url, params)
    return tuple((name, value) for name in SIGNATURE_HEADERS)
