from __future__ import annotations

from datetime import timedelta

import pytest

from bridge.ids import new_call_sid
from bridge.store.calls import CallStore
from bridge.store.errors import (
    CallNotFound,
    DuplicateRecord,
    IllegalTransition,
    RecordingNotFinished,
    RecordingNotFound,
)
from bridge.store.recordings import RecordingStore
from bridge.store.records import NewRecording, RecordingStatus
from tests.unit.store.support import ACCOUNT, T0, ManualClock, new_call


def new_recording(call_sid: str, **overrides: object) -> NewRecording:
    fields: dict[str, object] = {"account_sid": ACCOUNT, "call_sid": call_sid, "source": "DialVerb"}
    fields.update(overrides)
    return NewRecording(**fields)  # type: ignore[arg-type]


def test_a_recording_from_start_to_completion(
    calls: CallStore, recordings: RecordingStore, clock: ManualClock
) -> None:
    call = calls.create_call(new_call())
    started = recordings.create_recording(
        new_recording(call.sid, channels=2, track="both", start_time=T0, file_path="/rec/a.wav")
    )
    assert started.sid.startswith("RE") and len(started.sid) == 34
    assert (started.status, started.channels, started.source) == (
        RecordingStatus.IN_PROGRESS,
        2,
        "DialVerb",
    )
    assert (started.duration, started.date_created, started.start_time) == (None, T0, T0)
    clock.advance(30)
    done = recordings.update_recording(started.sid, status="completed", duration=29)
    assert (done.status, done.duration, done.file_path) == (
        RecordingStatus.COMPLETED,
        29,
        "/rec/a.wav",
    )
    assert done.date_updated == T0 + timedelta(seconds=30)
    assert recordings.get_recording(started.sid) == done


def test_a_finished_recording_keeps_its_status(
    calls: CallStore, recordings: RecordingStore
) -> None:
    call = calls.create_call(new_call())
    absent = recordings.create_recording(new_recording(call.sid))
    absent = recordings.update_recording(absent.sid, status=RecordingStatus.ABSENT)
    assert recordings.update_recording(absent.sid, status="absent").status is RecordingStatus.ABSENT
    with pytest.raises(IllegalTransition, match="'absent' to 'completed'"):
        recordings.update_recording(absent.sid, status="completed")
    with pytest.raises(IllegalTransition):
        recordings.update_recording(absent.sid, status="in-progress")
    assert recordings.get_recording(absent.sid).status is RecordingStatus.ABSENT


def test_recordings_of_a_call_newest_first(
    calls: CallStore, recordings: RecordingStore, clock: ManualClock
) -> None:
    call = calls.create_call(new_call())
    other = calls.create_call(new_call())
    first = recordings.create_recording(new_recording(call.sid))
    clock.advance(1)
    second = recordings.create_recording(new_recording(call.sid, source="StartCallRecording"))
    recordings.create_recording(new_recording(other.sid))
    assert recordings.list_recordings(call.sid) == (second, first)
    assert recordings.list_recordings(new_call_sid()) == ()


def test_a_recording_needs_a_known_call_and_a_fresh_sid(
    calls: CallStore, recordings: RecordingStore
) -> None:
    missing = new_call_sid()
    with pytest.raises(CallNotFound, match=missing):
        recordings.create_recording(new_recording(missing))
    call = calls.create_call(new_call())
    made = recordings.create_recording(new_recording(call.sid))
    with pytest.raises(DuplicateRecord, match=made.sid):
        recordings.create_recording(new_recording(call.sid, sid=made.sid))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"sid": "RE123"}, "sid"),
        ({"sid": "CA" + "0" * 32}, "sid"),
        ({"channels": 3}, "channels"),
        ({"track": "sideways"}, "track"),
        ({"status": "done"}, "status"),
        ({"source": ""}, "source"),
    ],
)
def test_malformed_recordings_are_refused_by_name(
    calls: CallStore, recordings: RecordingStore, overrides: dict[str, object], named: str
) -> None:
    call = calls.create_call(new_call())
    with pytest.raises(ValueError, match=named):
        recordings.create_recording(new_recording(call.sid, **overrides))
    assert recordings.list_recordings(call.sid) == ()


def test_unknown_recordings(recordings: RecordingStore) -> None:
    sid = "RE" + "1" * 32
    with pytest.raises(RecordingNotFound, match=sid):
        recordings.get_recording(sid)
    with pytest.raises(RecordingNotFound):
        recordings.update_recording(sid, duration=3)
    with pytest.raises(RecordingNotFound):
        recordings.delete_recording(sid)


def test_only_a_finished_recording_can_be_deleted(
    calls: CallStore, recordings: RecordingStore
) -> None:
    call = calls.create_call(new_call())
    made = recordings.create_recording(new_recording(call.sid, file_path="/rec/b.wav"))
    with pytest.raises(RecordingNotFinished):
        recordings.delete_recording(made.sid)
    done = recordings.update_recording(made.sid, status="completed", duration=4)
    assert recordings.delete_recording(made.sid) == done
    assert recordings.list_recordings(call.sid) == ()
