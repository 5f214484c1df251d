"""What `<Dial record>` asks of FreeSWITCH, and how the recording is reported. Pure.

Where and when (`record`):

- `record-from-answer[-dual]`: from the moment the caller is bridged to the
  callee that answered, to the end of the connected call;
- `record-from-ringing[-dual]`: from the first ringing leg (its 180/183),
  or, if none rang, from the bridge, to the end of the connected call.

The recording runs on the *caller's* channel (the channel running the
document), with `uuid_record <caller> start <file>`: one recording of one
channel hears both parties once they are bridged, and it is the channel
that outlives every leg of the race.

Which audio (`recordingTrack`), seen from the caller's channel in
FreeSWITCH's terms (switch_ivr_async.c, switch_core_media_bug.c): the *read*
stream is what the channel receives from its far end, the caller's voice;
the *write* stream is what the channel sends to the caller: the callee's
voice once bridged (before that, any ringback or early media the caller
hears). Twilio calls the first `inbound` ("the audio received by Twilio")
and the second `outbound` ("the audio Twilio generates on the call"). So:

| recordingTrack | RECORD_READ_ONLY | RECORD_WRITE_ONLY |
|---|---|---|
| inbound  | true  | false |
| outbound | false | true  |
| both     | false | false |

The `-dual` forms set `RECORD_STEREO=true`: two channels, the caller's voice
on the first (left: read) and the callee's on the second (right: write),
the order Twilio documents ("the parent call ... the child call"). A single
track is always one channel, as on Twilio, so `-dual` with `inbound` or
`outbound` records mono. All three variables are set on every recording,
`true` or `false`, so that an earlier `<Dial>` of the same call (or the
dialplan) cannot leave one behind.

Files: `<recordings_dir>/<AccountSid>/<RecordingSid>.wav` (absolute, as
FreeSWITCH must write it); the store keeps the path relative to
`recordings_dir`, which is how the REST API finds it. The WAV's sample rate
is the caller's codec rate (8 kHz for PCMU/PCMA): `record_sample_rate` is
left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath

from bridge.cxml.models import (
    Dial,
    HttpMethod,
    RecordingEvent,
    RecordingTrack,
    RecordMode,
    Trim,
)
from bridge.store.records import API_VERSION, RecordingStatus
from bridge.webhooks.callbacks import callback_timestamp
from bridge.webhooks.parameters import Params

# RecordingDuration while the recording runs (the length is not known yet),
# as the hosted platforms show an unfinished recording's duration.
DURATION_IN_PROGRESS = -1
# Why a recording is absent, as Twilio's error codes say it.
ABSENT_TOO_SHORT = 16101  # nothing was recorded (never started, or no frame)
ABSENT_SILENT = 16102  # only silence, trimmed to nothing


class RecordingSource(StrEnum):
    """RecordingSource, Twilio's values: what asked for the recording."""

    DIAL_VERB = "DialVerb"  # <Dial record>
    OUTBOUND_API = "OutboundAPI"  # Record=true on a REST-created call


class StartAt(StrEnum):
    RINGING = "ringing"
    ANSWER = "answer"


_MODES: dict[RecordMode, tuple[StartAt, bool]] = {
    RecordMode.RECORD_FROM_ANSWER: (StartAt.ANSWER, False),
    RecordMode.RECORD_FROM_RINGING: (StartAt.RINGING, False),
    RecordMode.RECORD_FROM_ANSWER_DUAL: (StartAt.ANSWER, True),
    RecordMode.RECORD_FROM_RINGING_DUAL: (StartAt.RINGING, True),
}


@dataclass(frozen=True, slots=True)
class RecordingCallback:
    url: str
    method: HttpMethod
    events: frozenset[RecordingEvent]


@dataclass(frozen=True, slots=True)
class RecordingPlan:
    start_at: StartAt
    channels: int
    track: RecordingTrack
    trim: bool
    callback: RecordingCallback | None

    @property
    def variables(self) -> tuple[tuple[str, str], ...]:
        """The channel variables to set before `uuid_record start`, in order."""
        return (
            ("RECORD_STEREO", _flag(self.channels == 2)),
            ("RECORD_READ_ONLY", _flag(self.track is RecordingTrack.INBOUND)),
            ("RECORD_WRITE_ONLY", _flag(self.track is RecordingTrack.OUTBOUND)),
        )

    def wants(self, event: RecordingEvent) -> bool:
        return self.callback is not None and event in self.callback.events


def plan_recording(dial: Dial) -> RecordingPlan | None:
    """None for `do-not-record`."""
    if dial.record is RecordMode.DO_NOT_RECORD:
        return None
    start_at, dual = _MODES[dial.record]
    callback = None
    if dial.recording_status_callback is not None:
        callback = RecordingCallback(
            dial.recording_status_callback,
            dial.recording_status_callback_method,
            dial.recording_status_callback_event,
        )
    return RecordingPlan(
        start_at=start_at,
        channels=2 if dual and dial.recording_track is RecordingTrack.BOTH else 1,
        track=dial.recording_track,
        trim=dial.trim is Trim.TRIM_SILENCE,
        callback=callback,
    )


@dataclass(frozen=True, slots=True)
class RecordingFile:
    absolute: str  # what FreeSWITCH writes
    relative: str  # what the store keeps (under recordings_dir)


def recording_file(recordings_dir: str, account_sid: str, sid: str) -> RecordingFile:
    """`recordings_dir` must be absolute (the caller resolves it)."""
    relative = f"{account_sid}/{sid}.wav"
    return RecordingFile(str(PurePosixPath(recordings_dir) / relative), relative)


def recording_url(base_url: str, account_sid: str, sid: str) -> str:
    """The bridge's own REST API serves the media here (WAV; no extension, as Twilio's)."""
    return f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Recordings/{sid}"


def whole_seconds(frames: int, rate: int) -> int:
    """A recording's length in whole seconds, rounded up: a recording with
    sound never reports 0."""
    if frames <= 0 or rate <= 0:
        return 0
    return -(-frames // rate)


@dataclass(frozen=True, slots=True)
class RecordingReport:
    """One recording status callback's content."""

    account_sid: str
    call_sid: str  # the parent call: the caller's, as Twilio's CallSid here
    sid: str
    url: str
    status: RecordingStatus
    duration: int
    channels: int
    track: RecordingTrack
    start_time: datetime | None
    error_code: int | None = None
    source: RecordingSource = RecordingSource.DIAL_VERB


def recording_callback_params(report: RecordingReport) -> Params:
    params: list[tuple[str, str]] = [
        ("AccountSid", report.account_sid),
        ("CallSid", report.call_sid),
        ("RecordingSid", report.sid),
        ("RecordingUrl", report.url),
        ("RecordingStatus", report.status.value),
        ("RecordingDuration", str(report.duration)),
        ("RecordingChannels", str(report.channels)),
        ("RecordingSource", report.source.value),
        ("RecordingTrack", report.track.value),
    ]
    if report.start_time is not None:
        params.append(("RecordingStartTime", callback_timestamp(report.start_time)))
    if report.error_code is not None:
        params.append(("ErrorCode", str(report.error_code)))
    return tuple(params)


def recording_action_params(url: str, sid: str, duration: int) -> Params:
    """What the `<Dial action>` request adds for a completed recording."""
    return (("RecordingUrl", url), ("RecordingSid", sid), ("RecordingDuration", str(duration)))


def _flag(value: bool) -> str:
    return "true" if value else "false"
