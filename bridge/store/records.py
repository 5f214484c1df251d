"""What the store hands out and takes in: frozen records, never live ORM rows.

Pure: no SQLAlchemy, no I/O. The engine, the webhooks and the REST API all
import these types; only `bridge.store` turns them into rows and back. Values
follow ../shared/spec/cxml-voice-reference.md (webhook parameters and the Call
resource keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bridge.ids import new_call_sid, new_recording_sid

API_VERSION = "2010-04-01"


class CallStatus(StrEnum):
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_CALL_STATUSES


FINAL_CALL_STATUSES: frozenset[CallStatus] = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.NO_ANSWER,
        CallStatus.CANCELED,
    }
)
LIVE_CALL_STATUSES: frozenset[CallStatus] = frozenset(CallStatus) - FINAL_CALL_STATUSES


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND_API = "outbound-api"
    OUTBOUND_DIAL = "outbound-dial"


class RecordingStatus(StrEnum):
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ABSENT = "absent"

    @property
    def is_final(self) -> bool:
        return self is not RecordingStatus.IN_PROGRESS


# Values of StatusCallbackEvent (REST) and <Sip statusCallbackEvent>; the same
# strings as bridge.cxml.models.CallProgressEvent, whose members may be passed.
STATUS_CALLBACK_EVENTS: frozenset[str] = frozenset(
    {"initiated", "ringing", "answered", "completed"}
)
HTTP_METHODS: frozenset[str] = frozenset({"GET", "POST"})


@dataclass(frozen=True)
class NewCall:
    """A call leg about to be recorded. `sid` is minted here unless the engine
    already made one (it needs the sid before it originates)."""

    account_sid: str
    direction: CallDirection
    from_: str
    to: str
    status: CallStatus
    sid: str = field(default_factory=new_call_sid)
    parent_call_sid: str | None = None
    caller_name: str | None = None
    fs_uuid: str | None = None
    sip_call_id: str | None = None
    forwarded_from: str | None = None
    api_version: str = API_VERSION
    start_time: datetime | None = None
    # How the engine steers the call later (REST update, Redirect, fallback,
    # status callbacks of a REST-created call or of a <Sip> leg).
    document_url: str | None = None
    document_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallRecord:
    """One call leg as stored. Datetimes are timezone-aware UTC."""

    sid: str
    account_sid: str
    parent_call_sid: str | None
    direction: CallDirection
    from_: str
    to: str
    caller_name: str | None
    status: CallStatus
    fs_uuid: str | None
    sip_call_id: str | None
    sip_result_code: int | None
    answered_by: str | None
    forwarded_from: str | None
    api_version: str
    date_created: datetime
    date_updated: datetime
    start_time: datetime | None
    answer_time: datetime | None
    end_time: datetime | None
    # Whole seconds from answer to end (floored, like FreeSWITCH's billsec);
    # 0 for a call that ended without being answered, None while live.
    duration: int | None
    document_url: str | None
    document_method: str
    fallback_url: str | None
    fallback_method: str
    status_callback: str | None
    status_callback_method: str
    status_callback_events: tuple[str, ...]

    @property
    def is_final(self) -> bool:
        return self.status.is_final


@dataclass(frozen=True)
class StatusChange:
    """One line of a call's status history."""

    call_sid: str
    status: CallStatus
    at: datetime
    sip_response_code: int | None
    detail: str | None


@dataclass(frozen=True)
class CallPage:
    """One page of a call listing, newest first (date_created desc, sid desc).

    The tokens are opaque strings for the REST API's PageToken; None when there
    is no page in that direction.
    """

    items: tuple[CallRecord, ...]
    page: int
    page_size: int
    next_page_token: str | None
    previous_page_token: str | None


@dataclass(frozen=True)
class NewRecording:
    account_sid: str
    call_sid: str
    source: str
    channels: int = 1
    track: str = "both"
    status: RecordingStatus = RecordingStatus.IN_PROGRESS
    start_time: datetime | None = None
    file_path: str | None = None
    sid: str = field(default_factory=new_recording_sid)


@dataclass(frozen=True)
class RecordingRecord:
    sid: str
    account_sid: str
    call_sid: str
    status: RecordingStatus
    channels: int
    source: str
    track: str
    start_time: datetime | None
    duration: int | None
    file_path: str | None
    date_created: datetime
    date_updated: datetime


# Where each status sits in a call's life; a call only moves forward.
_STAGE: dict[CallStatus, int] = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
    **{status: 4 for status in FINAL_CALL_STATUSES},
}
# An answered call can only end as completed (hung up) or failed (lost).
_AFTER_ANSWER: frozenset[CallStatus] = frozenset({CallStatus.COMPLETED, CallStatus.FAILED})


def transition_refusal(current: CallStatus, requested: CallStatus) -> str | None:
    """Why a call cannot move from `current` to `requested`, or None if it can.

    The same status again is allowed (the store treats it as no change:
    engines re-report, e.g. after an Event Socket resync). Refused: leaving a
    final status, moving backwards, and ending an answered call as anything
    but completed or failed.
    """
    if requested is current:
        return None
    if current.is_final:
        return f"{current} is final"
    if _STAGE[requested] < _STAGE[current]:
        return f"{requested} comes before {current}"
    if current is CallStatus.IN_PROGRESS and requested.is_final and requested not in _AFTER_ANSWER:
        return "an answered call ends as completed or failed"
    return None
