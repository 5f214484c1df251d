"""What the REST API may ask of the engine: place, redirect and end calls.

The API layer never touches the Event Socket; it validates parameters, then
calls a `CallControl`. The engine implements it. Every value in these
requests has already passed the API's validation (a parsed `SipUri`, a parsed
`Response`), and the engine still builds switch commands only through
`bridge.switch`.

    ControlError
      CallNotFound       no such call for this account
      CallNotLive        the call has already ended
      CallStateConflict  the request does not fit the call's state (e.g. cancel an answered call)
      SwitchUnavailable  FreeSWITCH cannot be reached right now
      InvalidRequest     a value the switch layer refuses (e.g. a From it cannot send)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from bridge.cxml.models import (
    CallProgressEvent,
    HttpMethod,
    RecordingEvent,
    RecordingTrack,
    Response,
)
from bridge.sip.uri import SipUri
from bridge.store.records import CallRecord


@dataclass(frozen=True)
class DocumentUrl:
    url: str
    method: HttpMethod = HttpMethod.POST


@dataclass(frozen=True)
class InlineDocument:
    """A `Twiml` parameter, already parsed and validated."""

    response: Response


DocumentSource = DocumentUrl | InlineDocument


@dataclass(frozen=True)
class RecordingOptions:
    """How `Record=true` records a REST-created call (its Recording* and Trim parameters).

    `channels`: 1 (mono) or 2 (dual: the called party left, the bridge's side
    right); `trim`: trim-silence (Twilio's default for calls) or not.
    """

    channels: int = 1
    track: RecordingTrack = RecordingTrack.BOTH
    trim: bool = True
    status_callback: str | None = None
    status_callback_method: HttpMethod = HttpMethod.POST
    status_callback_events: frozenset[RecordingEvent] = frozenset({RecordingEvent.COMPLETED})


@dataclass(frozen=True)
class PlaceCall:
    """`POST /Calls.json`, validated."""

    account_sid: str
    to: SipUri  # numbers are turned into a URI through the configured gateway by the API
    to_text: str  # the `To` as the client gave it, for the Call resource
    from_: str
    document: DocumentSource
    caller_name: str | None = None
    fallback_url: str | None = None
    fallback_method: HttpMethod = HttpMethod.POST
    status_callback: str | None = None
    status_callback_method: HttpMethod = HttpMethod.POST
    status_callback_events: frozenset[CallProgressEvent] = frozenset({CallProgressEvent.COMPLETED})
    timeout: int = 60
    sip_auth_username: str | None = None
    sip_auth_password: str | None = None
    record: bool = False  # the whole call, from its answer, as `recording` says
    recording: RecordingOptions = field(default_factory=RecordingOptions)
    send_digits: str | None = None  # sent once answered, before the document runs


class ControlError(Exception):
    pass


class CallNotFound(ControlError):
    pass


class CallNotLive(ControlError):
    pass


class CallStateConflict(ControlError):
    pass


class SwitchUnavailable(ControlError):
    pass


class InvalidRequest(ControlError):
    pass


class CallControl(Protocol):
    def place_call(self, request: PlaceCall) -> CallRecord:
        """Record the call (status queued/initiated), originate it, return at once."""
        ...

    def redirect(self, account_sid: str, call_sid: str, document: DocumentSource) -> CallRecord:
        """Stop the live call's current verb and run `document` on it instead."""
        ...

    def end_call(
        self, account_sid: str, call_sid: str, status: Literal["completed", "canceled"]
    ) -> CallRecord:
        """`completed` hangs up any live call; `canceled` only one not yet answered."""
        ...
