"""What the adapter puts on its event queue: typed, frozen, read-only.

The queue carries, in order:

- `ChannelEvent`  one FreeSWITCH event (channel events, DTMF, RECORD_*)
- `JobResult`     the outcome of a `bgapi` job (ours or not), in place of its
                  BACKGROUND_JOB event
- `Disconnected`  the connection dropped; pending commands and jobs have failed
- `Resynced`      a new connection is up; these channel uuids exist on the switch now
- `GaveUp`        the adapter stopped reconnecting (refused password, ACL, or attempts spent)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from bridge.esl.errors import EslError
from bridge.esl.parse import RawEvent

# The events the engine acts on, and nothing else (each one costs a few KB
# on the wire, for every leg):
#   CHANNEL_CREATE           a leg exists (inbound calls appear here first)
#   CHANNEL_PROGRESS         180 Ringing: the call's "ringing" status
#   CHANNEL_PROGRESS_MEDIA   183 early media (ringback, announcements)
#   CHANNEL_ANSWER           answered: "in-progress", the winner of a race
#   CHANNEL_BRIDGE/UNBRIDGE  legs joined / parted (fired on the A leg only)
#   CHANNEL_PARK             inbound call parked by the dialplan (fetch its cXML);
#                            an originated leg reached `&park()`
#   CHANNEL_HANGUP           cause and SIP status of a leg's end
#   CHANNEL_HANGUP_COMPLETE  final variables: billsec, duration
#   CHANNEL_DESTROY          the channel is gone; forget it
#   CHANNEL_EXECUTE_COMPLETE an application ended: the end of a <Say> (speak) or
#                            <Play> (playback) broadcast to the caller
#   DTMF                     digits for <Gather> and friends
#   RECORD_START/STOP        recording status callbacks
#   BACKGROUND_JOB           the result of each `bgapi` (originate)
# Left out on purpose: CHANNEL_STATE, CHANNEL_CALLSTATE, CHANNEL_OUTGOING,
# CHANNEL_ORIGINATE, CHANNEL_UNPARK, CHANNEL_EXECUTE: several per leg that
# repeat what the events above already say.
SUBSCRIBED_EVENTS: tuple[str, ...] = (
    "CHANNEL_CREATE",
    "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_ANSWER",
    "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE",
    "CHANNEL_PARK",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_DESTROY",
    "CHANNEL_EXECUTE_COMPLETE",
    "DTMF",
    "RECORD_START",
    "RECORD_STOP",
    "BACKGROUND_JOB",
)

_VARIABLE_PREFIX = "variable_"
_RESPONSE_HEADER_PREFIX = "sip_rh_X-"


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """One event from the switch.

    `headers` holds every header as decoded; `variables` every `variable_*`
    header with the prefix removed. Both are read-only. `sequence` is
    `Event-Sequence` (-1 when absent), `timestamp` is `Event-Date-Timestamp`
    in seconds since the epoch (0.0 when absent).
    """

    name: str
    uuid: str | None
    sequence: int
    timestamp: float
    answer_state: str | None = None
    call_direction: str | None = None
    channel_state: str | None = None
    call_state: str | None = None
    hangup_cause: str | None = None
    job_uuid: str | None = None
    job_command: str | None = None
    dtmf_digit: str | None = None
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=_empty, repr=False, compare=False)
    variables: Mapping[str, str] = field(default_factory=_empty, repr=False, compare=False)

    @classmethod
    def from_raw(cls, raw: RawEvent) -> ChannelEvent:
        h = raw.headers
        variables = {
            name[len(_VARIABLE_PREFIX) :]: value
            for name, value in h.items()
            if name.startswith(_VARIABLE_PREFIX)
        }
        return cls(
            name=h["Event-Name"],
            uuid=h.get("Unique-ID"),
            sequence=_integer(h.get("Event-Sequence"), default=-1),
            timestamp=_integer(h.get("Event-Date-Timestamp"), default=0) / 1_000_000,
            answer_state=h.get("Answer-State"),
            call_direction=h.get("Call-Direction"),
            channel_state=h.get("Channel-State"),
            call_state=h.get("Channel-Call-State"),
            hangup_cause=h.get("Hangup-Cause") or variables.get("hangup_cause"),
            job_uuid=h.get("Job-UUID"),
            job_command=h.get("Job-Command"),
            dtmf_digit=h.get("DTMF-Digit"),
            body=raw.body,
            headers=raw.headers,
            variables=MappingProxyType(variables),
        )

    @property
    def at(self) -> datetime:
        """`timestamp` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp, UTC)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def variable(self, name: str) -> str | None:
        """A channel variable by its name without `variable_`, e.g. `sip_call_id`."""
        return self.variables.get(name)

    @property
    def sip_response_headers(self) -> Mapping[str, str]:
        """X- headers of the far end's SIP response (`variable_sip_rh_X-*`), by header name."""
        cut = len(_RESPONSE_HEADER_PREFIX) - 2  # keep the "X-"
        return MappingProxyType(
            {
                name[cut:]: value
                for name, value in self.variables.items()
                if name.startswith(_RESPONSE_HEADER_PREFIX)
            }
        )

    @property
    def sip_call_id(self) -> str | None:
        return self.variables.get("sip_call_id")

    @property
    def sip_term_status(self) -> int | None:
        """The final SIP status of the leg (`486`, `404`, `200` ...)."""
        return _optional_integer(self.variables.get("sip_term_status"))

    @property
    def sip_invite_failure_status(self) -> int | None:
        """The status that failed the INVITE (`487` after our CANCEL, `486` ...)."""
        return _optional_integer(self.variables.get("sip_invite_failure_status"))

    @property
    def billsec(self) -> int | None:
        return _optional_integer(self.variables.get("billsec"))

    @property
    def cxml_leg(self) -> str | None:
        """Our correlation tag, set as `cxml_leg=...` when the leg was originated."""
        return self.variables.get("cxml_leg")

    @property
    def cxml_inbound(self) -> bool:
        """True for a caller that our dialplan tagged `cxml_inbound=true` and parked."""
        return self.variables.get("cxml_inbound", "").lower() == "true"


@dataclass(frozen=True, slots=True)
class JobResult:
    """The result of one `bgapi` job: `+OK <text>` or `-ERR <CAUSE>`."""

    job_uuid: str
    ok: bool
    body: str
    command: str | None = None
    sequence: int = -1
    timestamp: float = 0.0

    @classmethod
    def from_event(cls, event: ChannelEvent) -> JobResult:
        body = event.body.rstrip("\n")
        return cls(
            job_uuid=event.job_uuid or "",
            ok=body.startswith("+OK"),
            body=body,
            command=event.job_command,
            sequence=event.sequence,
            timestamp=event.timestamp,
        )

    @property
    def value(self) -> str:
        """The text after `+OK ` (for originate: the new leg's uuid); empty on failure."""
        return self.body[4:].strip() if self.ok else ""

    @property
    def cause(self) -> str | None:
        """The text after `-ERR ` (for originate: the hangup cause), None on success."""
        if self.ok:
            return None
        return self.body.removeprefix("-ERR").strip() or self.body


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped at `at` (epoch seconds); a reconnect is under way."""

    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class Resynced:
    """Reconnected and re-subscribed; `uuids` are the channels the switch has now.

    Any leg the engine tracked that is not here ended while we were away.
    """

    uuids: frozenset[str]
    at: float


@dataclass(frozen=True, slots=True)
class GaveUp:
    """The adapter will not reconnect; `error` says why."""

    error: EslError
    at: float


QueueItem = ChannelEvent | JobResult | Disconnected | Resynced | GaveUp


def _integer(raw: str | None, *, default: int) -> int:
    if raw is None or not raw.strip().isdigit():
        return default
    return int(raw)


def _optional_integer(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)
