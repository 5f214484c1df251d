"""Reading what is inside a frame: event bodies and command results. No I/O.

A plain event body is `Name: value` lines, a blank line, and (BACKGROUND_JOB)
an inner `Content-Length` of body text. FreeSWITCH URL-encodes each *value*
on its own, and many values are chosen by remote SIP parties
(`variable_sip_rh_X-*`, caller names). greenswitch 0.0.19 decodes the whole
body before splitting it into lines, so a value carrying `%0A` becomes extra
lines, i.e. forged headers such as a second `Event-Name` or `Hangup-Cause`.
Here the body is split into lines first and each value is decoded after, so
a decoded newline stays inside the value it came in.

Bytes that are not UTF-8 (after decoding) become U+FFFD ("replace"), not
lone surrogates ("surrogateescape"): these strings travel on to webhooks,
JSON and the database, where a surrogate would fail far from here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote_to_bytes

from bridge.esl.errors import ProtocolError

# The inner header that says how long a BACKGROUND_JOB's result text is.
_BODY_LENGTH = "Content-Length"
# How FreeSWITCH writes a multi-valued header in the plain format.
_ARRAY_PREFIX = "ARRAY::"
_ARRAY_SEPARATOR = "|:"


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event's decoded headers (read-only, first occurrence wins) and body text."""

    headers: Mapping[str, str] = field(repr=False)
    body: str = ""


def decode_value(raw: bytes) -> str:
    """Percent-decode one header value. Malformed `%` sequences stay as sent."""
    return unquote_to_bytes(raw).decode("utf-8", "replace")


def parse_plain_event(data: bytes) -> RawEvent:
    """Read a `text/event-plain` body: split into lines first, decode each value after."""
    headers: dict[str, str] = {}
    position = 0
    while position < len(data):
        end = data.find(b"\n", position)
        if end < 0:
            end = len(data)
        line = data[position:end].rstrip(b"\r")
        position = end + 1
        if not line:
            break
        name, sep, value = line.partition(b": ")
        if not sep or not name:
            # A line that is not `Name: value` cannot come from FreeSWITCH,
            # whose values are encoded; dropping it beats guessing.
            continue
        headers.setdefault(name.decode("utf-8", "replace"), decode_value(value))
    body = ""
    length = headers.get(_BODY_LENGTH)
    if length is not None:
        if not length.isdigit():
            raise ProtocolError(f"event body Content-Length is not a number: {length[:40]!r}")
        body = data[position : position + int(length)].decode("utf-8", "replace")
    if "Event-Name" not in headers:
        raise ProtocolError("plain event without Event-Name")
    return RawEvent(headers=MappingProxyType(headers), body=body)


def parse_json_event(data: bytes) -> RawEvent:
    """Read a `text/event-json` body (`event json`); values arrive unencoded.

    Multi-valued headers (JSON arrays) are written back in the plain format's
    `ARRAY::a|:b` form so that both formats give the same `str` values.
    """
    try:
        document = json.loads(data.decode("utf-8", "replace"))
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"JSON event is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ProtocolError(f"JSON event is a {type(document).__name__}, not an object")
    headers: dict[str, str] = {}
    body = ""
    for name, value in document.items():
        if name == "_body":
            body = value if isinstance(value, str) else json.dumps(value)
        else:
            headers[name] = _json_text(value)
    if "Event-Name" not in headers:
        raise ProtocolError("JSON event without Event-Name")
    return RawEvent(headers=MappingProxyType(headers), body=body)


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return _ARRAY_PREFIX + _ARRAY_SEPARATOR.join(_json_text(item) for item in value)
    return json.dumps(value)


def parse_channel_list(body: str) -> frozenset[str]:
    """The channel uuids in the output of `api show channels as json`.

    mod_commands prints `{"row_count":N,"rows":[{"uuid":...,...},...]}`, or
    `{"row_count": 0}` with no `rows` when no channel exists. An `-ERR ...`
    reply (e.g. SQL disabled) is the caller's to report before calling this.
    """
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"'show channels as json' did not return JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("row_count"), int):
        raise ProtocolError("'show channels as json' returned no row_count")
    rows = document.get("rows", [])
    if not isinstance(rows, list):
        raise ProtocolError("'show channels as json' returned rows that are not a list")
    uuids: set[str] = set()
    for index, row in enumerate(rows):
        uuid = row.get("uuid") if isinstance(row, dict) else None
        if not isinstance(uuid, str) or not uuid:
            raise ProtocolError(f"'show channels as json' row {index} has no uuid")
        uuids.add(uuid)
    return frozenset(uuids)
