"""Call and Recording resources as the JSON the official SDKs read. Pure.

Shapes follow the hosted Compatibility API (SignalWire's documented Call
resource; Twilio's 2010-04-01 keys): snake_case keys, RFC 2822 datetimes in
UTC (`Tue, 31 Aug 2010 20:36:28 +0000`), `duration` a string of whole
seconds (null while the call is live), `price` null with `price_unit` USD
(the bridge does not bill). URIs are paths under the prefix the request came
in on (`/2010-04-01` or `/api/laml/2010-04-01`), so that a client following
`next_page_uri` stays on the base it chose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from bridge.store.records import CallRecord, RecordingRecord

PRICE_UNIT = "USD"
_NANP = re.compile(r"\+1([2-9][0-9]{2})([2-9][0-9]{2})([0-9]{4})")


def rfc2822(value: datetime | None) -> str | None:
    if value is None:
        return None
    return format_datetime(value.astimezone(UTC).replace(microsecond=0))


def formatted_number(value: str) -> str:
    """`(415) 555-0100` for a North American E.164 number; anything else as is."""
    match = _NANP.fullmatch(value)
    if match is None:
        return value
    return f"({match[1]}) {match[2]}-{match[3]}"


@dataclass(frozen=True)
class Paths:
    """Resource paths under one API prefix (script root included)."""

    prefix: str

    def account(self, account_sid: str) -> str:
        return f"{self.prefix}/Accounts/{account_sid}"

    def calls(self, account_sid: str) -> str:
        return f"{self.account(account_sid)}/Calls.json"

    def call(self, account_sid: str, call_sid: str) -> str:
        return f"{self.account(account_sid)}/Calls/{call_sid}.json"

    def call_recordings(self, account_sid: str, call_sid: str) -> str:
        return f"{self.account(account_sid)}/Calls/{call_sid}/Recordings.json"

    def recording(self, account_sid: str, recording_sid: str) -> str:
        return f"{self.account(account_sid)}/Recordings/{recording_sid}.json"

    def recording_media(self, account_sid: str, recording_sid: str) -> str:
        return f"{self.account(account_sid)}/Recordings/{recording_sid}.wav"


def call_resource(call: CallRecord, paths: Paths) -> dict[str, Any]:
    return {
        "sid": call.sid,
        "account_sid": call.account_sid,
        "parent_call_sid": call.parent_call_sid,
        "date_created": rfc2822(call.date_created),
        "date_updated": rfc2822(call.date_updated),
        "to": call.to,
        "from": call.from_,
        "formatted_to": formatted_number(call.to),
        "formatted_from": formatted_number(call.from_),
        # The same under the names Twilio's helper libraries (which the
        # signalwire SDK wraps) read: `call.to_formatted`, `call.from_formatted`.
        "to_formatted": formatted_number(call.to),
        "from_formatted": formatted_number(call.from_),
        "status": call.status.value,
        "start_time": rfc2822(call.start_time),
        "end_time": rfc2822(call.end_time),
        "duration": None if call.duration is None else str(call.duration),
        "direction": call.direction.value,
        "answered_by": call.answered_by,
        "api_version": call.api_version,
        "caller_name": call.caller_name,
        "forwarded_from": call.forwarded_from,
        "price": None,
        "price_unit": PRICE_UNIT,
        "uri": paths.call(call.account_sid, call.sid),
        "subresource_uris": {
            "recordings": paths.call_recordings(call.account_sid, call.sid),
        },
        "sip_result_code": call.sip_result_code,
    }


def recording_resource(
    recording: RecordingRecord, paths: Paths, base_url: str, api_version: str
) -> dict[str, Any]:
    media = paths.recording_media(recording.account_sid, recording.sid)
    return {
        "sid": recording.sid,
        "account_sid": recording.account_sid,
        "call_sid": recording.call_sid,
        "conference_sid": None,
        "api_version": api_version,
        "date_created": rfc2822(recording.date_created),
        "date_updated": rfc2822(recording.date_updated),
        "start_time": rfc2822(recording.start_time),
        "duration": None if recording.duration is None else str(recording.duration),
        "status": recording.status.value,
        "channels": recording.channels,
        "source": recording.source,
        "track": recording.track,
        "error_code": None,
        "price": None,
        "price_unit": PRICE_UNIT,
        "encryption_details": None,
        "uri": paths.recording(recording.account_sid, recording.sid),
        "media_url": base_url.rstrip("/") + media,
        "subresource_uris": {},
    }


def page_uri(
    path: str,
    filters: Sequence[tuple[str, str]],
    page: int,
    page_size: int,
    page_token: str | None = None,
) -> str:
    query = [*filters, ("PageSize", str(page_size)), ("Page", str(page))]
    if page_token is not None:
        query.append(("PageToken", page_token))
    return f"{path}?{urlencode(query)}"


@dataclass(frozen=True)
class PageLinks:
    uri: str
    first_page_uri: str
    next_page_uri: str | None
    previous_page_uri: str | None


def list_envelope(
    key: str, items: list[dict[str, Any]], page: int, page_size: int, links: PageLinks
) -> dict[str, Any]:
    """Twilio's list shape; `key` names the records (`calls`, `recordings`)."""
    start = page * page_size
    return {
        key: items,
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": start + max(len(items) - 1, 0),
        "uri": links.uri,
        "first_page_uri": links.first_page_uri,
        "next_page_uri": links.next_page_uri,
        "previous_page_uri": links.previous_page_uri,
    }
