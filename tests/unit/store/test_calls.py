from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bridge.ids import new_call_sid
from bridge.store.calls import CallStore
from bridge.store.errors import (
    CallNotFinished,
    CallNotFound,
    DuplicateRecord,
    IllegalTransition,
)
from bridge.store.recordings import RecordingStore
from bridge.store.records import CallDirection, CallStatus, NewRecording
from tests.unit.store.support import ACCOUNT, T0, ManualClock, new_call


def test_a_created_call_reads_back_with_every_field(calls: CallStore) -> None:
    parent = calls.create_call(new_call())
    started = datetime(2024, 3, 1, 14, 0, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    created = calls.create_call(
        new_call(
            parent_call_sid=parent.sid,
            direction=CallDirection.OUTBOUND_DIAL,
            from_="sip:alice@example.com",
            to="sip:bob@example.org;transport=tls",
            status=CallStatus.INITIATED,
            caller_name="Alice",
            fs_uuid="6f0bbc4e-6b5b-4d0e-9d5e-0c4d9c3f1a01",
            sip_call_id="a84b4c76e66710@pc33.example.com",
            forwarded_from="+15550111",
            start_time=started,
            document_url="https://app.example.com/voice",
            document_method="get",
            fallback_url="https://app.example.com/fallback",
            status_callback="https://app.example.com/status",
            status_callback_method="GET",
            status_callback_events=("completed", "ringing", "completed"),
        )
    )
    assert calls.get(created.sid) == created
    assert created.parent_call_sid == parent.sid
    assert created.direction is CallDirection.OUTBOUND_DIAL
    assert created.status is CallStatus.INITIATED
    assert created.to == "sip:bob@example.org;transport=tls"
    assert created.api_version == "2010-04-01"
    assert created.date_created == created.date_updated == T0
    # Stored and returned in UTC, the same instant.
    assert created.start_time == started
    assert created.start_time is not None and created.start_time.tzinfo == UTC
    assert created.document_method == "GET"
    assert created.fallback_method == "POST"
    assert created.status_callback_events == ("ringing", "completed")
    assert (created.answer_time, created.end_time, created.duration) == (None, None, None)
    assert calls.by_fs_uuid("6f0bbc4e-6b5b-4d0e-9d5e-0c4d9c3f1a01") == created


def test_the_history_starts_with_the_status_the_call_was_created_in(calls: CallStore) -> None:
    call = calls.create_call(new_call(status=CallStatus.QUEUED))
    (first,) = calls.history(call.sid)
    assert (first.call_sid, first.status, first.at) == (call.sid, CallStatus.QUEUED, T0)


def test_unknown_calls(calls: CallStore) -> None:
    sid = new_call_sid()
    assert calls.find(sid) is None
    assert calls.by_fs_uuid("no-such-uuid") is None
    with pytest.raises(CallNotFound, match=sid):
        calls.get(sid)
    with pytest.raises(CallNotFound):
        calls.history(sid)
    with pytest.raises(CallNotFound):
        calls.update_status(sid, "completed", at=T0)


def test_a_sid_or_a_freeswitch_uuid_is_used_once(calls: CallStore) -> None:
    first = calls.create_call(new_call(fs_uuid="uuid-1"))
    with pytest.raises(DuplicateRecord, match="already in use"):
        calls.create_call(new_call(sid=first.sid))
    with pytest.raises(DuplicateRecord, match="uuid-1"):
        calls.create_call(new_call(fs_uuid="uuid-1"))
    other = calls.create_call(new_call())
    with pytest.raises(DuplicateRecord, match="uuid-1"):
        calls.set_fs_uuid(other.sid, "uuid-1")
    assert calls.find(other.sid) == other


def test_a_leg_needs_a_known_parent(calls: CallStore) -> None:
    missing = new_call_sid()
    with pytest.raises(CallNotFound, match=missing):
        calls.create_call(new_call(parent_call_sid=missing))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"sid": "CA" + "A" * 32}, "sid"),
        ({"sid": "RE" + "a" * 32}, "sid"),
        ({"sid": "CA123"}, "sid"),
        ({"parent_call_sid": "parent"}, "parent_call_sid"),
        ({"account_sid": ""}, "account_sid"),
        ({"direction": "sideways"}, "direction"),
        ({"status": "answered"}, "status"),
        ({"document_method": "PUT"}, "document_method"),
        ({"status_callback_method": "DELETE"}, "status_callback_method"),
        ({"status_callback_events": ("completed", "bridged")}, "status_callback_events"),
        ({"start_time": datetime(2024, 3, 1, 12, 0)}, "start_time"),
    ],
)
def test_malformed_fields_are_refused_by_name(
    calls: CallStore, overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        calls.create_call(new_call(**overrides))
    assert calls.list_calls(ACCOUNT).items == ()


def test_an_outbound_call_through_its_whole_life(calls: CallStore, clock: ManualClock) -> None:
    call = calls.create_call(new_call(direction=CallDirection.OUTBOUND_API, status="queued"))
    assert call.start_time is None
    at = T0 + timedelta(seconds=1)
    initiated = calls.update_status(call.sid, CallStatus.INITIATED, at=at)
    assert initiated.start_time == at
    calls.update_status(
        call.sid, "ringing", at=at + timedelta(seconds=2), sip_result_code=180, detail="180 Ringing"
    )
    answered_at = at + timedelta(seconds=5)
    clock.advance(10)
    answered = calls.update_status(call.sid, "in-progress", at=answered_at, sip_result_code=200)
    assert answered.answer_time == answered_at
    assert answered.start_time == at
    assert answered.date_updated == clock.now
    assert answered.duration is None
    ended_at = answered_at + timedelta(seconds=65, milliseconds=700)
    completed = calls.update_status(call.sid, "completed", at=ended_at)
    assert completed.status is CallStatus.COMPLETED
    assert completed.end_time == ended_at
    # Whole seconds from answer to end, floored like FreeSWITCH's billsec.
    assert completed.duration == 65
    assert completed.sip_result_code == 200
    assert calls.get(call.sid) == completed
    assert [(c.status, c.sip_response_code, c.detail) for c in calls.history(call.sid)] == [
        (CallStatus.QUEUED, None, None),
        (CallStatus.INITIATED, None, None),
        (CallStatus.RINGING, 180, "180 Ringing"),
        (CallStatus.IN_PROGRESS, 200, None),
        (CallStatus.COMPLETED, None, None),
    ]


def test_a_call_that_was_never_answered_lasts_zero_seconds(calls: CallStore) -> None:
    call = calls.create_call(new_call(start_time=T0))
    ended = calls.update_status(call.sid, "no-answer", at=T0 + timedelta(seconds=30))
    assert (ended.status, ended.duration, ended.answer_time) == (CallStatus.NO_ANSWER, 0, None)
    assert ended.start_time == T0
    assert ended.end_time == T0 + timedelta(seconds=30)


def test_times_and_duration_given_by_the_engine_win(calls: CallStore) -> None:
    call = calls.create_call(new_call())
    answered = T0 + timedelta(seconds=3)
    calls.update_status(call.sid, "in-progress", at=T0 + timedelta(seconds=4), answer_time=answered)
    ended = calls.update_status(
        call.sid,
        "completed",
        at=T0 + timedelta(seconds=20),
        end_time=T0 + timedelta(seconds=19),
        duration=15,
        sip_result_code=200,
    )
    assert (ended.answer_time, ended.end_time, ended.duration) == (
        answered,
        T0 + timedelta(seconds=19),
        15,
    )


def test_the_same_status_again_changes_nothing(calls: CallStore, clock: ManualClock) -> None:
    call = calls.create_call(new_call())
    clock.advance(1)
    assert calls.update_status(call.sid, "ringing", at=clock.now, sip_result_code=183) == call
    done = calls.update_status(call.sid, "busy", at=clock.now, sip_result_code=486)
    clock.advance(1)
    assert calls.update_status(call.sid, "busy", at=clock.now, sip_result_code=600) == done
    assert [change.status for change in calls.history(call.sid)] == ["ringing", "busy"]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["completed"], "in-progress"),
        (["busy"], "completed"),
        (["canceled"], "ringing"),
        (["in-progress"], "ringing"),
        (["in-progress"], "busy"),
        (["in-progress"], "no-answer"),
        (["in-progress"], "canceled"),
    ],
)
def test_a_refused_transition_raises_and_leaves_the_call_as_it_was(
    calls: CallStore, path: list[str], refused: str
) -> None:
    call = calls.create_call(new_call())
    for status in path:
        call = calls.update_status(call.sid, status, at=T0 + timedelta(seconds=1))
    with pytest.raises(IllegalTransition, match=f"'{path[-1]}' to '{refused}'") as caught:
        calls.update_status(call.sid, refused, at=T0 + timedelta(seconds=2))
    assert (caught.value.current, caught.value.requested) == (path[-1], refused)
    assert calls.get(call.sid) == call
    assert len(calls.history(call.sid)) == 1 + len(path)


def test_an_answered_call_may_fail(calls: CallStore) -> None:
    call = calls.create_call(new_call())
    calls.update_status(call.sid, "in-progress", at=T0)
    failed = calls.update_status(call.sid, "failed", at=T0 + timedelta(seconds=2), detail="media")
    assert (failed.status, failed.duration) == (CallStatus.FAILED, 2)


def test_naive_or_malformed_update_values_are_refused(calls: CallStore) -> None:
    call = calls.create_call(new_call())
    with pytest.raises(ValueError, match="at .* naive"):
        calls.update_status(call.sid, "in-progress", at=datetime(2024, 3, 1))
    with pytest.raises(ValueError, match="status 'answered'"):
        calls.update_status(call.sid, "answered", at=T0)
    with pytest.raises(ValueError, match="duration"):
        calls.update_status(call.sid, "completed", at=T0, duration=-1)
    assert calls.get(call.sid) == call


def test_details_change_alone_in_any_status(calls: CallStore, clock: ManualClock) -> None:
    call = calls.create_call(new_call(document_url="https://app.example.com/a"))
    calls.update_status(call.sid, "canceled", at=T0)
    clock.advance(5)
    updated = calls.update_call(
        call.sid,
        sip_call_id="call-id@host",
        sip_result_code=487,
        answered_by="human",
        document_url="https://app.example.com/b",
        document_method="get",
    )
    assert updated.sip_call_id == "call-id@host"
    assert updated.sip_result_code == 487
    assert updated.answered_by == "human"
    assert (updated.document_url, updated.document_method) == ("https://app.example.com/b", "GET")
    assert updated.status is CallStatus.CANCELED
    assert updated.date_updated == clock.now
    # None leaves a field as it was.
    assert calls.update_call(call.sid, caller_name="Bob").document_url == updated.document_url
    with pytest.raises(ValueError, match="document_method"):
        calls.update_call(call.sid, document_method="PATCH")


def test_set_fs_uuid_makes_the_call_findable_by_it(calls: CallStore) -> None:
    call = calls.create_call(new_call())
    assert calls.set_fs_uuid(call.sid, "uuid-9").fs_uuid == "uuid-9"
    found = calls.by_fs_uuid("uuid-9")
    assert found is not None and found.sid == call.sid


def test_only_a_finished_call_can_be_deleted(calls: CallStore) -> None:
    call = calls.create_call(new_call())
    with pytest.raises(CallNotFinished, match="still ringing"):
        calls.delete(call.sid)
    assert calls.get(call.sid) == call
    calls.update_status(call.sid, "completed", at=T0)
    calls.delete(call.sid)
    assert calls.find(call.sid) is None
    with pytest.raises(CallNotFound):
        calls.history(call.sid)
    with pytest.raises(CallNotFound):
        calls.delete(call.sid)


def test_deleting_a_parent_keeps_its_legs_and_recordings(
    calls: CallStore, recordings: RecordingStore
) -> None:
    parent = calls.create_call(new_call())
    leg = calls.create_call(
        new_call(parent_call_sid=parent.sid, direction="outbound-dial", status="initiated")
    )
    recording = recordings.create_recording(
        NewRecording(account_sid=ACCOUNT, call_sid=parent.sid, source="DialVerb")
    )
    calls.update_status(parent.sid, "completed", at=T0)
    calls.delete(parent.sid)
    orphan = calls.get(leg.sid)
    assert orphan.parent_call_sid is None
    assert orphan.status is CallStatus.INITIATED
    assert recordings.list_recordings(parent.sid) == (recording,)


def test_live_calls_are_those_not_finished_oldest_first(
    calls: CallStore, clock: ManualClock
) -> None:
    statuses = ["queued", "initiated", "ringing", "in-progress"]
    live = []
    for status in statuses:
        clock.advance(1)
        live.append(calls.create_call(new_call(status=status)).sid)
    for status in ["completed", "busy", "failed", "no-answer", "canceled"]:
        clock.advance(1)
        calls.create_call(new_call(status=status))
    clock.advance(1)
    answered = calls.create_call(new_call())
    calls.update_status(answered.sid, "in-progress", at=clock.now)
    calls.update_status(answered.sid, "completed", at=clock.now)
    assert [call.sid for call in calls.live_calls()] == live
