"""Typed, frozen models of a cXML voice document.

Defaults and ranges follow ../shared/spec/cxml-voice-reference.md (the `<Dial>`
and `<Sip>` tables) and the SignalWire `<Sip>` noun page. Every node keeps the
source line it came from so that later errors (at run time) can still point
at the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bridge.sip.uri import SipUri


class HttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"


class Codec(StrEnum):
    PCMU = "PCMU"
    PCMA = "PCMA"
    G722 = "G722"
    G729 = "G729"
    OPUS = "OPUS"


class CallProgressEvent(StrEnum):
    """Values of `<Sip statusCallbackEvent>`."""

    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"


class RecordMode(StrEnum):
    DO_NOT_RECORD = "do-not-record"
    RECORD_FROM_ANSWER = "record-from-answer"
    RECORD_FROM_RINGING = "record-from-ringing"
    RECORD_FROM_ANSWER_DUAL = "record-from-answer-dual"
    RECORD_FROM_RINGING_DUAL = "record-from-ringing-dual"


class Trim(StrEnum):
    TRIM_SILENCE = "trim-silence"
    DO_NOT_TRIM = "do-not-trim"


class RecordingEvent(StrEnum):
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ABSENT = "absent"


class RecordingTrack(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"


class RejectReason(StrEnum):
    REJECTED = "rejected"
    BUSY = "busy"


# Country codes accepted by <Dial ringTone> (spec table).
RING_TONES: frozenset[str] = frozenset(
    "at au bg br be ch cl cn cz de dk ee es fi fr gr hu il in it lt jp mx my nl no "
    "nz ph pl pt ru se sg th uk us us-old tw ve za".split()
)

DIAL_TIMEOUT_DEFAULT = 30
DIAL_TIMEOUT_RANGE = (5, 600)
DIAL_TIME_LIMIT_DEFAULT = 14400
DIAL_TIME_LIMIT_RANGE = (1, 14400)
CALLER_NAME_MAX = 70
MAX_SIP_PER_DIAL = 10
SESSION_TIMEOUT_DEFAULT = 600
PAUSE_LENGTH_DEFAULT = 1
PAUSE_LENGTH_RANGE = (0, 3600)
MAX_DOCUMENT_BYTES = 64 * 1024


# --- <Dial> nouns -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sip:
    uri: SipUri
    line: int
    username: str | None = None
    password: str | None = None
    codecs: tuple[Codec, ...] = (Codec.PCMU, Codec.PCMA)
    session_timeout: int = 0  # 0 means "the default" (600), as the spec says
    url: str | None = None
    method: HttpMethod = HttpMethod.POST  # for `url`
    status_callback: str | None = None
    status_callback_event: frozenset[CallProgressEvent] = frozenset({CallProgressEvent.COMPLETED})
    status_callback_method: HttpMethod = HttpMethod.POST


@dataclass(frozen=True, slots=True)
class Number:
    number: str
    line: int
    send_digits: str | None = None
    url: str | None = None
    method: HttpMethod = HttpMethod.POST
    status_callback: str | None = None
    status_callback_event: frozenset[CallProgressEvent] = frozenset({CallProgressEvent.COMPLETED})
    status_callback_method: HttpMethod = HttpMethod.POST


@dataclass(frozen=True, slots=True)
class Conference:
    name: str
    line: int
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    line: int
    url: str | None = None
    method: HttpMethod = HttpMethod.POST


@dataclass(frozen=True, slots=True)
class Verto:
    target: str
    line: int


DialNoun = Sip | Number | Conference | Queue | Verto


# --- verbs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dial:
    line: int
    nouns: tuple[DialNoun, ...]
    action: str | None = None
    method: HttpMethod = HttpMethod.POST  # for `action`
    timeout: int = DIAL_TIMEOUT_DEFAULT
    time_limit: int = DIAL_TIME_LIMIT_DEFAULT
    caller_id: str | None = None
    caller_name: str | None = None
    hangup_on_star: bool = False
    answer_on_bridge: bool = False
    ring_tone: str | None = None
    record: RecordMode = RecordMode.DO_NOT_RECORD
    trim: Trim = Trim.DO_NOT_TRIM
    recording_status_callback: str | None = None
    recording_status_callback_method: HttpMethod = HttpMethod.POST
    recording_status_callback_event: frozenset[RecordingEvent] = frozenset(
        {RecordingEvent.COMPLETED}
    )
    recording_track: RecordingTrack = RecordingTrack.BOTH

    @property
    def sips(self) -> tuple[Sip, ...]:
        return tuple(n for n in self.nouns if isinstance(n, Sip))


@dataclass(frozen=True, slots=True)
class Hangup:
    line: int


@dataclass(frozen=True, slots=True)
class Reject:
    line: int
    reason: RejectReason = RejectReason.REJECTED


@dataclass(frozen=True, slots=True)
class Pause:
    line: int
    length: int = PAUSE_LENGTH_DEFAULT


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str
    line: int
    method: HttpMethod = HttpMethod.POST


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    line: int
    voice: str | None = None
    language: str | None = None
    loop: int = 1


@dataclass(frozen=True, slots=True)
class Play:
    url: str | None
    line: int
    loop: int = 1
    digits: str | None = None


Verb = Dial | Hangup | Reject | Pause | Redirect | Say | Play


@dataclass(frozen=True, slots=True)
class Response:
    verbs: tuple[Verb, ...] = field(default_factory=tuple)
    source_url: str | None = None
