"""What each `<Dial record>` form asks of FreeSWITCH, and how recordings are reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.cxml.models import Dial, HttpMethod, RecordingEvent, RecordingTrack, RecordMode, Trim
from bridge.engine.recording_plan import (
    RecordingReport,
    StartAt,
    plan_recording,
    recording_action_params,
    recording_callback_params,
    recording_file,
    recording_url,
    whole_seconds,
)
from bridge.store.records import RecordingStatus

ACCOUNT = "AC" + "0" * 32
SID = "RE" + "a" * 32


def dial(**attributes: object) -> Dial:
    return Dial(line=3, nouns=(), **attributes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "track", "start_at", "stereo", "read_only", "write_only", "channels"),
    [
        ("record-from-answer", "both", "answer", "false", "false", "false", 1),
        ("record-from-ringing", "both", "ringing", "false", "false", "false", 1),
        ("record-from-answer-dual", "both", "answer", "true", "false", "false", 2),
        ("record-from-ringing-dual", "both", "ringing", "true", "false", "false", 2),
        # Inbound is what the caller's channel reads (the caller's voice) ...
        ("record-from-answer", "inbound", "answer", "false", "true", "false", 1),
        # ... outbound what it writes (the callee's voice); one track is mono.
        ("record-from-answer-dual", "outbound", "answer", "false", "false", "true", 1),
        ("record-from-ringing-dual", "inbound", "ringing", "false", "true", "false", 1),
    ],
)
def test_each_form_maps_to_the_recording_variables(
    mode: str,
    track: str,
    start_at: str,
    stereo: str,
    read_only: str,
    write_only: str,
    channels: int,
) -> None:
    plan = plan_recording(dial(record=RecordMode(mode), recording_track=RecordingTrack(track)))
    assert plan is not None
    assert plan.start_at is StartAt(start_at)
    assert plan.channels == channels
    assert plan.track is RecordingTrack(track)
    assert plan.variables == (
        ("RECORD_STEREO", stereo),
        ("RECORD_READ_ONLY", read_only),
        ("RECORD_WRITE_ONLY", write_only),
    )


def test_do_not_record_plans_nothing() -> None:
    assert plan_recording(dial()) is None
    assert plan_recording(dial(record=RecordMode.DO_NOT_RECORD, trim=Trim.TRIM_SILENCE)) is None


def test_trim_and_callback() -> None:
    plan = plan_recording(
        dial(
            record=RecordMode.RECORD_FROM_ANSWER,
            trim=Trim.TRIM_SILENCE,
            recording_status_callback="https://app.example/rec",
            recording_status_callback_method=HttpMethod.GET,
            recording_status_callback_event=frozenset(
                {RecordingEvent.ABSENT, RecordingEvent.IN_PROGRESS}
            ),
        )
    )
    assert plan is not None and plan.trim
    assert plan.callback is not None and plan.callback.method is HttpMethod.GET
    assert plan.wants(RecordingEvent.ABSENT) and plan.wants(RecordingEvent.IN_PROGRESS)
    assert not plan.wants(RecordingEvent.COMPLETED)
    quiet = plan_recording(dial(record=RecordMode.RECORD_FROM_ANSWER))
    assert quiet is not None and quiet.callback is None and not quiet.trim
    assert not quiet.wants(RecordingEvent.COMPLETED)


def test_file_and_url() -> None:
    file = recording_file("/var/lib/cxml/recordings", ACCOUNT, SID)
    assert file.absolute == f"/var/lib/cxml/recordings/{ACCOUNT}/{SID}.wav"
    assert file.relative == f"{ACCOUNT}/{SID}.wav"
    assert recording_url("https://bridge.example/", ACCOUNT, SID) == (
        f"https://bridge.example/2010-04-01/Accounts/{ACCOUNT}/Recordings/{SID}"
    )


@pytest.mark.parametrize(
    ("frames", "rate", "seconds"),
    [(0, 8000, 0), (1, 8000, 1), (8000, 8000, 1), (8001, 8000, 2), (16000, 16000, 1), (5, 0, 0)],
)
def test_durations_round_up_to_whole_seconds(frames: int, rate: int, seconds: int) -> None:
    assert whole_seconds(frames, rate) == seconds


def test_callback_and_action_parameters() -> None:
    report = RecordingReport(
        account_sid=ACCOUNT,
        call_sid="CA" + "1" * 32,
        sid=SID,
        url="https://bridge.example/r",
        status=RecordingStatus.COMPLETED,
        duration=7,
        channels=2,
        track=RecordingTrack.BOTH,
        start_time=datetime(2024, 3, 5, 14, 7, 9, tzinfo=UTC),
    )
    assert recording_callback_params(report) == (
        ("AccountSid", ACCOUNT),
        ("CallSid", "CA" + "1" * 32),
        ("RecordingSid", SID),
        ("RecordingUrl", "https://bridge.example/r"),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "7"),
        ("RecordingChannels", "2"),
        ("RecordingSource", "DialVerb"),
        ("RecordingTrack", "both"),
        ("RecordingStartTime", "Tue, 05 Mar 2024 14:07:09 +0000"),
    )
    absent = RecordingReport(
        ACCOUNT, "CA" + "1" * 32, SID, "u", RecordingStatus.ABSENT, 0, 1, RecordingTrack.INBOUND,
        None, error_code=16101,
    )  # fmt: skip
    assert dict(recording_callback_params(absent))["ErrorCode"] == "16101"
    assert "RecordingStartTime" not in dict(recording_callback_params(absent))
    assert recording_action_params("u", SID, 4) == (
        ("RecordingUrl", "u"),
        ("RecordingSid", SID),
        ("RecordingDuration", "4"),
    )
